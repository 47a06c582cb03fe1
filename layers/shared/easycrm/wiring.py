"""The composition root: builds each service once per process from the settings.

Every factory imports what it builds inside its body, so a function pays only for the parts it uses: the
status reader never loads the chatbot, the LLM client, phonenumbers or calamine (docs/architecture.md has
each handler's import time).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from easycrm.settings import Settings, get_settings

if TYPE_CHECKING:
    from easycrm.adapters.deepseek import DeepSeekClient
    from easycrm.adapters.file_store import FileStore
    from easycrm.adapters.lead_repository import LeadRepository
    from easycrm.adapters.mapping_repository import MappingRepository
    from easycrm.adapters.upload_repository import UploadRepository
    from easycrm.adapters.value_cache import ValueCacheRepository
    from easycrm.chat.service import ChatService
    from easycrm.importing.importer import BatchImporter
    from easycrm.importing.splitter import UploadSplitter
    from easycrm.leads.export import LeadExporter
    from easycrm.undo.request import UndoRequests
    from easycrm.undo.worker import ImportUndoer
    from easycrm.uploads.accounting import UploadAccounting
    from easycrm.uploads.review import MappingReview
    from easycrm.uploads.service import UploadStatusService
    from easycrm.uploads.sweeper import UploadSweeper


def settings() -> Settings:
    return get_settings()


# --- adapters, one per process ------------------------------------------------------------------------
@cache
def statuses() -> UploadRepository:
    from easycrm.adapters.upload_repository import UploadRepository

    return UploadRepository(settings().status_table)


@cache
def leads() -> LeadRepository:
    from easycrm.adapters.lead_repository import LeadRepository

    return LeadRepository(settings().leads_table, settings().undo_window_days)


@cache
def files() -> FileStore:
    from easycrm.adapters.file_store import FileStore

    return FileStore(settings().upload_bucket)


@cache
def value_cache() -> ValueCacheRepository:
    from easycrm.adapters.value_cache import ValueCacheRepository

    return ValueCacheRepository(settings().value_cache_table)


@cache
def saved_mappings() -> MappingRepository:
    from easycrm.adapters.mapping_repository import MappingRepository

    return MappingRepository(settings().mappings_table)


# API Gateway gives up on a request after 29 s; a question may take two model calls (query, wording).
CHAT_LLM_TIMEOUT_SECONDS = 9.0


def llm_client(current: Settings | None = None) -> DeepSeekClient | None:
    """DeepSeek when configured; the key comes from the environment or, in AWS, Secrets Manager."""
    current = current or settings()
    if not current.llm_enabled:
        return None
    from easycrm.adapters.deepseek import DeepSeekClient

    if current.deepseek_api_key:
        return DeepSeekClient.from_settings(current)
    from aws_lambda_powertools.utilities import parameters

    secret = parameters.get_secret(current.deepseek_api_key_secret_arn, max_age=300)
    return DeepSeekClient.from_settings(replace(current, deepseek_api_key=str(secret).strip()))


# --- uploads ----------------------------------------------------------------------------------------
@cache
def accounting() -> UploadAccounting:
    from easycrm.adapters.batch_ledger import BatchLedger
    from easycrm.uploads.accounting import UploadAccounting

    return UploadAccounting(statuses(), BatchLedger(settings().status_table), files())


def status_service() -> UploadStatusService:
    """Cheap to build: the repository and file store it works through are cached."""
    from easycrm.uploads.service import UploadStatusService

    return UploadStatusService(statuses(), files(), accounting(), settings().undo_window_days)


def mapping_review() -> MappingReview:
    """Cheap to build: the repositories and file store it works through are cached."""
    from easycrm.uploads.review import MappingReview

    return MappingReview(statuses(), files(), saved_mappings())


def sweeper() -> UploadSweeper:
    """Cheap to build: the repository and accounting it works through are cached."""
    from easycrm.adapters.batch_queue import BatchQueue
    from easycrm.uploads.start import PRESIGNED_POST_SECONDS
    from easycrm.uploads.sweeper import StallBounds, UploadSweeper

    bounds = StallBounds.from_settings(settings(), PRESIGNED_POST_SECONDS)
    return UploadSweeper(statuses(), accounting(), BatchQueue(settings().queue_url), bounds, undo_requests())


# --- undo -------------------------------------------------------------------------------------------
def undo_requests() -> UndoRequests:
    """Cheap to build: the repository it works through is cached."""
    from easycrm.adapters.batch_queue import BatchQueue
    from easycrm.undo.request import UndoRequests

    return UndoRequests(statuses(), BatchQueue(settings().undo_queue_url), settings().undo_window_days)


def import_undoer() -> ImportUndoer:
    """A fresh undoer per message: its queue buffers that message's outgoing batches."""
    from easycrm.adapters.batch_queue import BatchQueue
    from easycrm.undo.worker import ImportUndoer

    return ImportUndoer(statuses(), leads(), files(), BatchQueue(settings().undo_queue_url))


# --- importing --------------------------------------------------------------------------------------
def splitter() -> UploadSplitter:
    """A fresh splitter per file: it buffers that file's outgoing messages."""
    from easycrm.adapters.batch_queue import BatchQueue
    from easycrm.importing.header_advice import HeaderAdvisor
    from easycrm.importing.splitter import UploadSplitter
    from easycrm.importing.value_advice import ValueAdvisor

    queue = BatchQueue(settings().queue_url)
    model = llm_client()
    if model is None:
        return UploadSplitter(settings(), statuses(), files(), queue, accounting(), saved_mappings())
    return UploadSplitter(
        settings(),
        statuses(),
        files(),
        queue,
        accounting(),
        saved_mappings(),
        header_advisor=HeaderAdvisor(model, saved_mappings()),
        value_advisor=ValueAdvisor(model, value_cache(), settings().llm_concurrency),
    )


@cache
def batch_importer() -> BatchImporter:
    from easycrm.importing.importer import BatchImporter

    # The model's answers were resolved before the batches were queued: the importer only reads them.
    return BatchImporter(settings(), leads(), accounting(), value_cache() if settings().llm_enabled else None)


# --- leads and the chatbot ----------------------------------------------------------------------------
def lead_exporter() -> LeadExporter:
    """Cheap to build: the repository and file store it works through are cached."""
    from easycrm.leads.export import LeadExporter

    return LeadExporter(leads(), files())


@cache
def chat_service() -> ChatService:
    """Cached: after a 401/402 the service stops asking DeepSeek for a while. Its model calls are not
    retried and are short, so an answer (falling back to the offline parser) fits API Gateway's 29 s."""
    from easycrm.chat.service import ChatService

    current = settings()
    chat_settings = replace(
        current,
        deepseek_timeout_seconds=min(current.deepseek_timeout_seconds, CHAT_LLM_TIMEOUT_SECONDS),
        deepseek_max_retries=0,
    )
    return ChatService(leads(), llm_client(chat_settings))


def reset() -> None:
    """Forget everything built so far (after the environment changed: tests, the local stack)."""
    from easycrm.adapters import aws

    get_settings.cache_clear()
    aws.reset_clients()
    for factory in (statuses, leads, files, accounting, batch_importer, chat_service):
        factory.cache_clear()

"""The composition root: builds each service once per process from the settings."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from easycrm import aws
from easycrm.chat import ChatService
from easycrm.exports import LeadExporter
from easycrm.files import FileStore
from easycrm.llm import DeepSeekClient
from easycrm.processing import BatchImporter
from easycrm.queue import BatchQueue
from easycrm.repositories.batch_ledger import BatchLedger
from easycrm.repositories.leads import LeadRepository
from easycrm.repositories.status import StatusRepository
from easycrm.settings import Settings, get_settings
from easycrm.splitting import UploadSplitter
from easycrm.sweeper import StallBounds, UploadSweeper
from easycrm.tracking import UploadTracker
from easycrm.upload_status import UploadStatusService
from easycrm.uploads import PRESIGNED_POST_SECONDS


def settings() -> Settings:
    return get_settings()


@cache
def statuses() -> StatusRepository:
    return StatusRepository(settings().status_table)


@cache
def leads() -> LeadRepository:
    return LeadRepository(settings().leads_table)


@cache
def files() -> FileStore:
    return FileStore(settings().upload_bucket)


@cache
def tracker() -> UploadTracker:
    return UploadTracker(statuses(), BatchLedger(settings().status_table), files())


def status_service() -> UploadStatusService:
    """Cheap to build: the repository and file store it works through are cached."""
    return UploadStatusService(statuses(), files(), tracker())


def lead_exporter() -> LeadExporter:
    """Cheap to build: the repository and file store it works through are cached."""
    return LeadExporter(leads(), files())


def splitter() -> UploadSplitter:
    """A fresh splitter per file: it buffers that file's outgoing messages."""
    return UploadSplitter(settings(), statuses(), files(), BatchQueue(settings().queue_url), tracker())


# API Gateway gives up on a request after 29 s; a question may take two model calls (query, wording).
CHAT_LLM_TIMEOUT_SECONDS = 9.0


def llm_client(current: Settings | None = None) -> DeepSeekClient | None:
    """DeepSeek when configured; the key comes from the environment or, in AWS, Secrets Manager."""
    current = current or settings()
    if not current.llm_enabled:
        return None
    if current.deepseek_api_key:
        return DeepSeekClient.from_settings(current)
    from aws_lambda_powertools.utilities import parameters

    secret = parameters.get_secret(current.deepseek_api_key_secret_arn, max_age=300)
    return DeepSeekClient.from_settings(replace(current, deepseek_api_key=str(secret).strip()))


@cache
def chat_service() -> ChatService:
    """Cached: after a 401/402 the service stops asking DeepSeek for a while. Its model calls are not
    retried and are short, so an answer (falling back to the offline parser) fits API Gateway's 29 s."""
    current = settings()
    chat_settings = replace(
        current,
        deepseek_timeout_seconds=min(current.deepseek_timeout_seconds, CHAT_LLM_TIMEOUT_SECONDS),
        deepseek_max_retries=0,
    )
    return ChatService(leads(), llm_client(chat_settings))


@cache
def batch_importer() -> BatchImporter:
    return BatchImporter(settings(), leads(), tracker(), llm_client())


def reset() -> None:
    """Forget everything built so far (after the environment changed: tests, the local stack)."""
    get_settings.cache_clear()
    aws.reset_clients()
    for factory in (statuses, leads, files, tracker, batch_importer, chat_service):
        factory.cache_clear()


def sweeper() -> UploadSweeper:
    """Cheap to build: the repository and tracker it works through are cached."""
    bounds = StallBounds.from_settings(settings(), PRESIGNED_POST_SECONDS)
    return UploadSweeper(statuses(), tracker(), BatchQueue(settings().queue_url), bounds)

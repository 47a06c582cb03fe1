"""The composition root: builds each service once per process from the settings."""

from __future__ import annotations

from functools import cache

from easycrm import aws
from easycrm.files import FileStore
from easycrm.llm import DeepSeekClient
from easycrm.processing import BatchProcessor
from easycrm.queue import BatchQueue
from easycrm.repositories.leads import LeadRepository
from easycrm.repositories.status import StatusRepository
from easycrm.settings import Settings, get_settings
from easycrm.splitting import UploadSplitter
from easycrm.tracking import UploadTracker


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


def splitter() -> UploadSplitter:
    """A fresh splitter per file: it buffers that file's outgoing messages."""
    return UploadSplitter(settings(), statuses(), files(), BatchQueue(settings().queue_url))


@cache
def batch_processor() -> BatchProcessor:
    llm = DeepSeekClient.from_settings(settings()) if settings().llm_enabled else None
    return BatchProcessor(settings(), leads(), UploadTracker(statuses(), files()), llm)


def reset() -> None:
    """Forget everything built so far (after the environment changed: tests, the local stack)."""
    get_settings.cache_clear()
    aws.reset_clients()
    for factory in (statuses, leads, files, batch_processor):
        factory.cache_clear()

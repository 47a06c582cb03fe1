"""Turn one uploaded file into queued batches, and account for every row it holds."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from easycrm.batches import BatchMessage, chunk_rows, trim_cells, trim_headers
from easycrm.columns import map_headers
from easycrm.files import FileStore, upload_id_from_key
from easycrm.observability import logger, metrics
from easycrm.queue import BatchQueue
from easycrm.repositories.status import StatusRepository
from easycrm.settings import Settings
from easycrm.spreadsheet import UnreadableFile, open_sheets
from easycrm.status import UploadState, is_final
from easycrm.tracking import UploadTracker

CANCEL_CHECK_EVERY_BATCHES = 25
DAMAGED_FILE_MESSAGE = "This file could not be read: it may be damaged or saved in an unexpected format."
NO_DATA_MESSAGE = "This file has no data rows: every worksheet is empty or holds only headers."


@dataclass
class _SplitCounts:
    batches: int = 0
    rows: int = 0
    unsent_rows: int = 0
    sheet_rows: dict[str, int] = field(default_factory=dict)
    unsent_sheet_rows: dict[str, int] = field(default_factory=dict)


class UploadSplitter:
    def __init__(self, settings: Settings, statuses: StatusRepository, files: FileStore, queue: BatchQueue):
        self.settings = settings
        self.statuses = statuses
        self.files = files
        self.queue = queue
        self.tracker = UploadTracker(statuses, files)

    def split(self, key: str) -> str:
        """Split the object at `key`; returns what happened, for the log and the metrics."""
        outcome = self._split(key)
        metrics.add_metric(name=f"Splits{outcome.title().replace('_', '')}", unit=MetricUnit.Count, value=1)
        return outcome

    def _split(self, key: str) -> str:
        upload_id = upload_id_from_key(key)
        record = self.statuses.get(upload_id) if upload_id else None
        if record is None:
            logger.warning("Object has no upload record; ignored", extra={"key": key})
            return "ignored"
        if is_final(record["status"]) or "totalBatches" in record:
            return "duplicate"
        size = self.files.size_of(key)
        if record["status"] == UploadState.UPLOADING:
            self.statuses.mark_uploaded(upload_id, size)
        if size > self.settings.max_upload_bytes:
            self.statuses.fail(upload_id, f"This file is larger than the {self.settings.max_upload_mb} MB limit.")
            return "too_large"
        with tempfile.TemporaryFile() as local_copy:
            self.files.download(key, local_copy)
            local_copy.seek(0)
            try:
                counts = self._queue_rows(record, local_copy)
            except UnreadableFile as error:
                self.statuses.fail(upload_id, str(error))
                return "unreadable"
            except (BotoCoreError, ClientError):
                raise  # AWS trouble is worth a retry: the invocation fails and S3/Lambda retries it
            except Exception:
                logger.exception("Reading the file failed", extra={"uploadId": upload_id})
                self.statuses.fail(upload_id, DAMAGED_FILE_MESSAGE)
                return "unreadable"
        if counts.rows == 0:
            self.statuses.fail(upload_id, NO_DATA_MESSAGE)
            return "empty"
        totals = self.statuses.set_totals(
            upload_id,
            total_batches=counts.batches,
            rows=counts.rows,
            sheet_rows=counts.sheet_rows,
            unsent_rows=counts.unsent_rows,
            unsent_sheet_rows=counts.unsent_sheet_rows,
        )
        if totals is not None:
            self.tracker.finish_if_complete(totals)
        logger.info("Upload split", extra={"uploadId": upload_id, "rows": counts.rows, "batches": counts.batches})
        metrics.add_metric(name="RowsQueued", unit=MetricUnit.Count, value=counts.rows)
        return "split"

    def _queue_rows(self, record: dict, local_copy) -> _SplitCounts:
        upload_id, file_name = record["uploadId"], record["fileName"]
        counts = _SplitCounts()
        cancelled = bool(record.get("cancelRequested"))
        started = record["status"] == UploadState.PROCESSING

        def send(worksheet, headers, mapping, rows) -> None:
            nonlocal cancelled, started
            if counts.batches % CANCEL_CHECK_EVERY_BATCHES == 0 and not cancelled:
                cancelled = bool((self.statuses.get(upload_id) or {}).get("cancelRequested"))
            if cancelled:
                counts.unsent_rows += len(rows)
                if worksheet is not None:
                    counts.unsent_sheet_rows[worksheet] = counts.unsent_sheet_rows.get(worksheet, 0) + len(rows)
                return
            if not started:
                self.statuses.mark_processing(upload_id)
                started = True
            message = BatchMessage(upload_id, counts.batches, file_name, worksheet, headers, mapping, rows)
            self.queue.add(message.message_id, message.to_body())
            counts.batches += 1

        for sheet in open_sheets(local_copy, file_name):
            mapping = map_headers(sheet.headers)
            headers = trim_headers(sheet.headers)
            if sheet.name is not None:
                self.statuses.open_sheet(upload_id, sheet.name)
            rows = ((number, trim_cells(cells)) for number, cells in sheet.rows)
            for batch in chunk_rows(rows, self.settings.batch_size):
                counts.rows += len(batch)
                if sheet.name is not None:
                    counts.sheet_rows[sheet.name] = counts.sheet_rows.get(sheet.name, 0) + len(batch)
                send(sheet.name, headers, mapping, batch)
        self.queue.flush()
        return counts

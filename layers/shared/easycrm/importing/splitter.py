"""Turn one uploaded file into queued batches, and account for every row it holds.

Splitting is all-or-nothing per file. The whole file is read first, its batches spooled to a local
temporary file; only when every worksheet was read are the totals recorded and the batches sent. A file
that fails anywhere (a damaged second worksheet, a reader crash) ends `failed` with 0 rows and a message
naming what failed, and nothing of it was imported. Once the totals are recorded, every row is
accounted by the batches, by a cancel, or by the sweeper if the sending stops midway.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, BinaryIO

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from easycrm.adapters.batch_queue import MAX_MESSAGE_BYTES
from easycrm.adapters.file_store import upload_id_from_key
from easycrm.errors import UnreadableFile
from easycrm.importing.batch_message import BatchMessage, chunk_rows, trim_cells, trim_headers
from easycrm.importing.mapping import message_mapping, propose_columns
from easycrm.importing.spreadsheet import open_sheets
from easycrm.observability import logger, metrics
from easycrm.ports import BatchSender, Files, UploadRecords
from easycrm.settings import Settings
from easycrm.uploads.accounting import UploadAccounting
from easycrm.uploads.states import UploadState, is_final

CANCEL_CHECK_EVERY_BATCHES = 25
DAMAGED_FILE_MESSAGE = "This file could not be read: it may be damaged or saved in an unexpected format."
NO_DATA_MESSAGE = "This file has no data rows: every worksheet is empty or holds only headers."


@dataclass
class _SplitPlan:
    """What the spool holds: per batch its worksheet and row count, in order."""

    batches: list[tuple[str | None, int]] = field(default_factory=list)
    sheet_rows: Counter[str | None] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(rows for _, rows in self.batches)


class UploadSplitter:
    def __init__(
        self,
        settings: Settings,
        statuses: UploadRecords,
        files: Files,
        queue: BatchSender,
        accounting: UploadAccounting,
    ):
        self.settings = settings
        self.statuses = statuses
        self.files = files
        self.queue = queue
        self.accounting = accounting

    def split(self, key: str) -> str:
        """Split the object at `key`; returns what happened, for the log and the metrics."""
        outcome = self._split(key)
        metrics.add_metric(name=f"Splits{outcome.title().replace('_', '')}", unit=MetricUnit.Count, value=1)
        return outcome

    def _split(self, key: str) -> str:
        upload_id = upload_id_from_key(key)
        record = self.statuses.get(upload_id) if upload_id else None
        if upload_id is None or record is None:
            logger.warning("Object has no upload record; ignored", extra={"key": key})
            return "ignored"
        if is_final(record["status"]) or "totalBatches" in record:
            return "duplicate"
        size = self.files.size_of(key)
        if record["status"] == UploadState.UPLOADING:
            self.statuses.mark_uploaded(upload_id, size)
        if size > self.settings.max_upload_bytes:
            self._fail(upload_id, f"This file is larger than the {self.settings.max_upload_mb} MB limit.")
            return "too_large"
        with tempfile.TemporaryFile() as local_copy, tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            self.files.download(key, local_copy)
            try:
                plan = self._spool_batches(record, local_copy, spool)
            except UnreadableFile as error:
                self._fail(upload_id, str(error))
                return "unreadable"
            except (BotoCoreError, ClientError):
                raise  # AWS trouble is worth a retry: the invocation fails and Lambda retries it
            except Exception:  # MemoryError and RecursionError included: this file cannot be read
                logger.exception("Reading the file failed", extra={"uploadId": upload_id})
                self._fail(upload_id, DAMAGED_FILE_MESSAGE)
                return "unreadable"
            if plan.rows == 0:
                self._fail(upload_id, NO_DATA_MESSAGE)
                return "empty"
            started = self.statuses.start_processing(
                upload_id,
                total_batches=len(plan.batches),
                rows=plan.rows,
                sheet_rows={sheet: rows for sheet, rows in plan.sheet_rows.items() if sheet is not None},
                warnings=plan.warnings,
            )
            if started is None:
                logger.info("Upload closed while its file was read", extra={"uploadId": upload_id})
                return "closed_while_reading"
            self._send(started, plan, spool)
        logger.info("Upload split", extra={"uploadId": upload_id, "rows": plan.rows, "batches": len(plan.batches)})
        metrics.add_metric(name="RowsQueued", unit=MetricUnit.Count, value=plan.rows)
        return "split"

    def _fail(self, upload_id: str, message: str) -> None:
        self.statuses.close_unsplit(upload_id, UploadState.FAILED, error=message)

    def _spool_batches(self, record: dict, local_copy: BinaryIO, spool: IO[str]) -> _SplitPlan:
        """Read every worksheet into batch messages, one JSON line each, without sending any."""
        plan = _SplitPlan()
        local_copy.seek(0)
        for sheet in open_sheets(local_copy, record["fileName"], warn=plan.warnings.append):
            decisions = propose_columns(
                sheet.headers, [cells for _, cells in sheet.sample], default_region=self.settings.default_region
            )
            mapping, dropped = message_mapping(decisions)
            headers = trim_headers(sheet.headers)
            rows = ((number, trim_cells(cells)) for number, cells in sheet.rows)
            for batch in chunk_rows(rows, self.settings.batch_size):
                message = BatchMessage(
                    record["uploadId"],
                    len(plan.batches),
                    record["fileName"],
                    sheet.name,
                    headers,
                    mapping,
                    batch,
                    dropped,
                )
                spool.write(json.dumps(message.to_body(), ensure_ascii=False, separators=(",", ":")) + "\n")
                plan.batches.append((sheet.name, len(batch)))
                plan.sheet_rows[sheet.name] += len(batch)
        return plan

    def _send(self, record: dict, plan: _SplitPlan, spool: IO[str]) -> None:
        """Queue the spooled batches in order; a cancel stops the sending and counts the rest as cancelled."""
        upload_id = record["uploadId"]
        spool.seek(0)
        for index, line in enumerate(spool):
            if index % CANCEL_CHECK_EVERY_BATCHES == 0 and self._cancel_requested(upload_id):
                self.queue.flush()
                self._stop_sending(record, plan, sent=index)
                return
            text = line.rstrip("\n")
            if len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:  # wide rows: the body waits in S3
                key = self.files.put_batch_body(upload_id, index, json.loads(text))
                text = json.dumps(BatchMessage.pointer(upload_id, index, key), separators=(",", ":"))
            self.queue.add(f"b{index}", text)
        self.queue.flush()

    def _cancel_requested(self, upload_id: str) -> bool:
        return bool((self.statuses.get_processing_state(upload_id) or {}).get("cancelRequested"))

    def _stop_sending(self, record: dict, plan: _SplitPlan, sent: int) -> None:
        unsent: Counter[str | None] = Counter()
        for sheet, rows in plan.batches[sent:]:
            unsent[sheet] += rows
        stopped = self.statuses.stop_sending(
            record["uploadId"],
            planned_batches=len(plan.batches),
            sent_batches=sent,
            unsent_rows=sum(unsent.values()),
            unsent_sheet_rows={sheet: rows for sheet, rows in unsent.items() if sheet is not None},
        )
        if stopped is not None:
            self.accounting.finish_if_complete(stopped)

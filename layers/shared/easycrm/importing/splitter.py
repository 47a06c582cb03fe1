"""Turn one uploaded file into queued batches, and account for every row it holds.

Splitting is all-or-nothing per file. The whole file is read first, its batches spooled to a local
temporary file; only when every worksheet was read are the totals recorded and the batches sent. A file
that fails anywhere (a damaged second worksheet, a reader crash) ends `failed` with 0 rows and a message
naming what failed, and nothing of it was imported. Once the totals are recorded, every row is
accounted by the batches, by a cancel, or by the sweeper if the sending stops midway.

Each sheet is mapped from its header and its first rows (importing.mapping), or as the team confirmed
for the same headers before. An upload asked with `review` is read once to propose its mapping and
waits in `needs_review` (nothing queued); the owner's confirmation (uploads.review) lands in S3 as
`reviews/<uploadId>/confirmed.json`, which brings the splitter back to read it with exactly that mapping.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, BinaryIO

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from easycrm.adapters.batch_queue import MAX_MESSAGE_BYTES
from easycrm.adapters.file_store import CONFIRMATION, PROPOSAL, confirmed_upload_id_from_key, upload_id_from_key
from easycrm.errors import UnreadableFile
from easycrm.importing.batch_message import BatchMessage, chunk_rows, trim_cells, trim_headers
from easycrm.importing.header_advice import HeaderAdvisor
from easycrm.importing.mapping import (
    ColumnDecision,
    apply_mapping,
    header_signature,
    message_mapping,
    propose_columns,
)
from easycrm.importing.spreadsheet import Sheet, open_sheets
from easycrm.importing.standardize import ambiguous_name, text_values
from easycrm.importing.value_advice import DistinctValues, ValueAdvisor
from easycrm.observability import logger, metrics
from easycrm.ports import BatchSender, Files, SavedMappings, UploadRecords
from easycrm.settings import Settings
from easycrm.uploads.accounting import UploadAccounting
from easycrm.uploads.states import UploadState, is_final

CANCEL_CHECK_EVERY_BATCHES = 25
DAMAGED_FILE_MESSAGE = "This file could not be read: it may be damaged or saved in an unexpected format."
NO_DATA_MESSAGE = "This file has no data rows: every worksheet is empty or holds only headers."
NOTHING_INCLUDED_MESSAGE = "Every worksheet was left out of the import: nothing was imported."


@dataclass
class _SplitPlan:
    """What the spool holds: per batch its worksheet and row count, in order."""

    batches: list[tuple[str | None, int]] = field(default_factory=list)
    sheet_rows: Counter[str | None] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    distinct: DistinctValues = field(default_factory=DistinctValues)  # for the model, when there is one

    @property
    def rows(self) -> int:
        return sum(rows for _, rows in self.batches)


def sheet_key(name: str | None) -> str:
    """How a review names a sheet: its worksheet name, "" for a CSV file's only sheet."""
    return name or ""


class UploadSplitter:
    def __init__(
        self,
        settings: Settings,
        statuses: UploadRecords,
        files: Files,
        queue: BatchSender,
        accounting: UploadAccounting,
        saved_mappings: SavedMappings,
        header_advisor: HeaderAdvisor | None = None,
        value_advisor: ValueAdvisor | None = None,
    ):
        self.settings = settings
        self.statuses = statuses
        self.files = files
        self.queue = queue
        self.accounting = accounting
        self.saved_mappings = saved_mappings
        self.header_advisor = header_advisor
        self.value_advisor = value_advisor

    def split(self, key: str) -> str:
        """Split the object at `key` (an uploaded file, or a review's confirmation); returns what happened,
        for the log and the metrics."""
        outcome = self._split(key)
        metrics.add_metric(name=f"Splits{outcome.title().replace('_', '')}", unit=MetricUnit.Count, value=1)
        return outcome

    def _split(self, key: str) -> str:
        confirmed_id = confirmed_upload_id_from_key(key)
        upload_id = confirmed_id or upload_id_from_key(key)
        record = self.statuses.get(upload_id) if upload_id else None
        if upload_id is None or record is None:
            logger.warning("Object has no upload record; ignored", extra={"key": key})
            return "ignored"
        if is_final(record["status"]) or "totalBatches" in record:
            return "duplicate"
        if confirmed_id is not None:
            return self._split_confirmed(record)
        if record["status"] == UploadState.NEEDS_REVIEW or record.get("mappingConfirmed"):
            return "duplicate"  # the file's event again: its mapping is awaited, or was confirmed
        size = self.files.size_of(key)
        if record["status"] == UploadState.UPLOADING:
            self.statuses.mark_uploaded(upload_id, size)
        if size > self.settings.max_upload_bytes:
            self._fail(upload_id, f"This file is larger than the {self.settings.max_upload_mb} MB limit.")
            return "too_large"
        if record.get("review"):
            return self._read(record, key, self._propose)
        return self._read(record, key, lambda record, file: self._queue(record, file, confirmed=None))

    def _split_confirmed(self, record: dict) -> str:
        upload_id = record["uploadId"]
        confirmed = self.files.get_review_document(upload_id, CONFIRMATION)
        if record["status"] != UploadState.UPLOADED or not record.get("mappingConfirmed") or confirmed is None:
            logger.warning("Confirmation without a confirmed upload; ignored", extra={"uploadId": upload_id})
            return "ignored"
        return self._read(record, record["objectKey"], lambda record, file: self._queue(record, file, confirmed))

    def _read(self, record: dict, key: str, read: Callable[[dict, BinaryIO], str]) -> str:
        """Download the file and `read` it; a file that cannot be read fails its upload with the reason."""
        upload_id = record["uploadId"]
        with tempfile.TemporaryFile() as local_copy:
            self.files.download(key, local_copy)
            local_copy.seek(0)
            try:
                return read(record, local_copy)
            except UnreadableFile as error:
                self._fail(upload_id, str(error))
                return "unreadable"
            except (BotoCoreError, ClientError):
                raise  # AWS trouble is worth a retry: the invocation fails and Lambda retries it
            except Exception:  # MemoryError and RecursionError included: this file cannot be read
                logger.exception("Reading the file failed", extra={"uploadId": upload_id})
                self._fail(upload_id, DAMAGED_FILE_MESSAGE)
                return "unreadable"

    def _fail(self, upload_id: str, message: str) -> None:
        self.statuses.close_unsplit(upload_id, UploadState.FAILED, error=message)

    # review ---------------------------------------------------------------------------------------

    def _propose(self, record: dict, file: BinaryIO) -> str:
        """Read the whole file (so that a damaged one fails now, and each sheet's rows are known), store
        the proposed mapping, and wait for the owner."""
        upload_id = record["uploadId"]
        warnings: list[str] = []
        sheets = []
        for sheet in open_sheets(file, record["fileName"], warn=warnings.append):
            decisions = self._decide(sheet)
            rows = sum(1 for _ in sheet.rows)
            sheets.append(
                {
                    "worksheet": sheet.name,
                    "headerRow": sheet.header_row,
                    "include": True,
                    "rows": rows,
                    "columns": [decision.to_json() for decision in decisions],
                    "headers": sheet.headers,
                    "signature": header_signature(sheet.headers),
                }
            )
        if not sheets:
            self._fail(upload_id, NO_DATA_MESSAGE)
            return "empty"
        self.files.put_review_document(upload_id, PROPOSAL, {"sheets": sheets, "warnings": warnings})
        if self.statuses.await_review(upload_id) is None:
            logger.info("Upload closed while its file was read", extra={"uploadId": upload_id})
            return "closed_while_reading"
        logger.info("Mapping proposed for review", extra={"uploadId": upload_id, "sheets": len(sheets)})
        return "needs_review"

    def _decide(self, sheet: Sheet, confirmed: dict[int, str | None] | None = None) -> list[ColumnDecision]:
        """The sheet's columns: as confirmed, else as saved for its headers, else from headers and values
        (and the model's advice on the headers those leave over, when a model is configured)."""
        signature = header_signature(sheet.headers)
        saved = confirmed
        if saved is None and signature is not None:
            saved = self.saved_mappings.get(signature)
        sample = [cells for _, cells in sheet.sample]
        decisions = propose_columns(sheet.headers, sample, default_region=self.settings.default_region, saved=saved)
        if saved is None and signature is not None and self.header_advisor is not None:
            decisions = self.header_advisor.advise(signature, decisions, sample)
        return decisions

    # queueing -------------------------------------------------------------------------------------

    def _queue(self, record: dict, file: BinaryIO, confirmed: dict | None) -> str:
        upload_id = record["uploadId"]
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            plan = self._spool_batches(record, file, spool, confirmed)
            if plan.rows == 0:
                self._fail(upload_id, NOTHING_INCLUDED_MESSAGE if confirmed else NO_DATA_MESSAGE)
                return "empty"
            if self.value_advisor is not None and len(plan.distinct):
                self._resolve_values(upload_id, plan.distinct, self.value_advisor)
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

    def _resolve_values(self, upload_id: str, distinct: DistinctValues, advisor: ValueAdvisor) -> None:
        """Give every distinct company, title, industry and source an answer before a batch is queued, so
        that no row waits on the model; a model that fails leaves the rule values."""
        report = advisor.resolve(distinct)
        logger.info(
            "Values resolved",
            extra={"uploadId": upload_id, "distinct": len(distinct), **vars(report)},
        )
        metrics.add_metric(name="LlmCalls", unit=MetricUnit.Count, value=report.calls)
        if report.stopped:
            self.statuses.record_llm_error(upload_id, report.stopped)
        elif report.failed_calls:
            self.statuses.record_llm_error(
                upload_id,
                f"The AI service failed {report.failed_calls} of {report.calls} requests; those values keep "
                "the rules' form (the next import asks again).",
            )

    def _spool_batches(self, record: dict, file: BinaryIO, spool: IO[str], confirmed: dict | None) -> _SplitPlan:
        """Read every worksheet into batch messages, one JSON line each, without sending any. With a
        confirmed mapping, each sheet is mapped as confirmed, and a sheet left out counts nothing."""
        plan = _SplitPlan()
        chosen = {sheet["worksheet"]: sheet for sheet in confirmed["sheets"]} if confirmed else {}
        for sheet in open_sheets(file, record["fileName"], warn=plan.warnings.append):
            if confirmed is not None:
                choice = chosen.get(sheet_key(sheet.name))
                if choice is None or not choice["include"]:
                    continue
                decisions = self._decide(sheet, {int(index): name for index, name in choice["columns"].items()})
            else:
                decisions = self._decide(sheet)
            for batch in self._batches(record, sheet, decisions, first_index=len(plan.batches)):
                if self.value_advisor is not None:
                    for _, cells in batch.rows:
                        if cells is not None:
                            row = apply_mapping(batch.mapping, batch.headers, cells, batch.dropped)
                            plan.distinct.add(text_values(row))
                            if name := ambiguous_name(row):
                                plan.distinct.add_name(name)
                spool.write(json.dumps(batch.to_body(), ensure_ascii=False, separators=(",", ":")) + "\n")
                plan.batches.append((sheet.name, len(batch.rows)))
                plan.sheet_rows[sheet.name] += len(batch.rows)
        return plan

    def _batches(
        self, record: dict, sheet: Sheet, decisions: list[ColumnDecision], first_index: int
    ) -> Iterator[BatchMessage]:
        mapping, dropped = message_mapping(decisions)
        headers = trim_headers(sheet.headers)
        rows = ((number, trim_cells(cells)) for number, cells in sheet.rows)
        for offset, batch in enumerate(chunk_rows(rows, self.settings.batch_size)):
            yield BatchMessage(
                upload_id=record["uploadId"],
                batch_index=first_index + offset,
                file_name=record["fileName"],
                worksheet=sheet.name,
                headers=headers,
                mapping=mapping,
                rows=batch,
                dropped=dropped,
            )

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

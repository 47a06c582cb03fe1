"""One batch of rows → standardized, de-duplicated leads, and its exact share of the upload's counts."""

from __future__ import annotations

from typing import cast

from easycrm.importing.batch_message import OVERSIZED_ROW_REASON, BatchMessage
from easycrm.importing.dedup import SourceRef, dedup_key
from easycrm.importing.mapping import apply_mapping, column_label
from easycrm.importing.standardize import standardize_row
from easycrm.importing.value_advice import ValueCache, improved_values
from easycrm.observability import logger
from easycrm.ports import LeadStore
from easycrm.settings import Settings
from easycrm.uploads.accounting import UploadAccounting
from easycrm.uploads.states import BatchOutcome, is_final

INTERNAL_ERROR_REASON = "The row could not be processed (internal error); it was not imported"
REPORT_VALUE_CHARS = 2000


class BatchImporter:
    """Imports one batch of rows: standardized, given the model's cached answers for their values when the
    model is on (importing.value_advice: resolved before the batch was queued, so a row never waits on the
    model), merged into the leads, and accounted exactly once (named apart from Powertools'
    BatchProcessor, which runs beside it)."""

    def __init__(
        self,
        settings: Settings,
        leads: LeadStore,
        accounting: UploadAccounting,
        value_cache: ValueCache | None = None,
    ):
        self.settings = settings
        self.leads = leads
        self.accounting = accounting
        self.value_cache = value_cache

    def read_message(self, body: object) -> BatchMessage:
        """The batch an SQS message carries, fetched from S3 when the message only points at it."""
        key = BatchMessage.stored_body_key(body)
        return BatchMessage.from_body(self.accounting.files.get_batch_body(key) if key else body)

    def process(self, message: BatchMessage) -> None:
        statuses = self.accounting.statuses
        record = statuses.get_processing_state(message.upload_id)
        if record is None:
            logger.warning("Batch for an unknown upload dropped", extra={"uploadId": message.upload_id})
            return
        # A redelivered batch is imported again (merges are idempotent) and then refused by the accounting.
        outcome = BatchOutcome(worksheet=message.worksheet)
        if record.get("cancelRequested") or is_final(record.get("status")):
            outcome.cancelled = len(message.rows)
        else:
            self._import_rows(message, record, outcome)
        self.accounting.account_batch(message.upload_id, message.batch_index, outcome)

    def account_as_failed(self, message: BatchMessage, reason: str) -> None:
        """A batch out of retries: its rows count as failed and are listed in the report."""
        outcome = BatchOutcome(worksheet=message.worksheet, failed=len(message.rows))
        outcome.rejects = [self._reject_entry(message, number, cells, reason) for number, cells in message.rows]
        self.accounting.account_batch(message.upload_id, message.batch_index, outcome)

    def _import_rows(self, message: BatchMessage, record: dict, outcome: BatchOutcome) -> None:
        clean: list[tuple[int, dict[str, str]]] = []
        for number, cells in message.rows:
            if cells is None:
                outcome.rejected += 1
                outcome.rejects.append(self._reject_entry(message, number, None, OVERSIZED_ROW_REASON))
                continue
            try:
                result = standardize_row(
                    apply_mapping(message.mapping, message.headers, cells, message.dropped),
                    default_region=self.settings.default_region,
                )
            except Exception:
                logger.exception("Row standardization failed", extra={"uploadId": message.upload_id, "row": number})
                outcome.failed += 1
                outcome.rejects.append(self._reject_entry(message, number, cells, INTERNAL_ERROR_REASON))
                continue
            if result.lead is None:
                outcome.rejected += 1
                outcome.rejects.append(self._reject_entry(message, number, cells, result.reason or "Rejected"))
            else:
                clean.append((number, result.lead))
        leads = self._improve([lead for _, lead in clean], record)
        # standardize_row returns a lead only when it has an email or a valid phone: it always has a key.
        rows = [
            (
                cast(str, dedup_key(lead)),
                lead,
                SourceRef(message.upload_id, message.file_name, message.worksheet, number),
            )
            for (number, _), lead in zip(clean, leads, strict=True)
        ]
        for created in self.leads.merge_rows(rows):
            if created:
                outcome.created += 1
            else:
                outcome.updated += 1

    def _improve(self, leads: list[dict[str, str]], record: dict) -> list[dict[str, str]]:
        if self.value_cache is None or not leads:
            return leads
        return improved_values(self.value_cache, leads)

    @staticmethod
    def _reject_entry(message: BatchMessage, number: int, cells: list[str] | None, reason: str) -> dict:
        if cells is None:
            values = ""
        else:
            values = "; ".join(
                f"{column_label(message.headers, position)}: {cell}"
                for position, cell in enumerate(cells)
                if cell.strip()
            )
        return {"worksheet": message.worksheet, "row": number, "reason": reason, "values": values[:REPORT_VALUE_CHARS]}

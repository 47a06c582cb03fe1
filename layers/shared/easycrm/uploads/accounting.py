"""Exactly-once upload accounting, the atomic detection of the last batch, and closing a stalled upload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit

from easycrm.adapters.file_store import UNPROCESSED_PART
from easycrm.observability import logger, metrics
from easycrm.ports import Files, Ledger, LedgerCounts, UploadRecords
from easycrm.uploads.states import COUNTERS, BatchOutcome, UploadState, final_state, is_final


class UploadAccounting:
    def __init__(self, statuses: UploadRecords, ledger: Ledger, files: Files):
        self.statuses = statuses
        self.ledger = ledger
        self.files = files

    def account_batch(self, upload_id: str, batch_index: int, outcome: BatchOutcome) -> bool:
        """Count a batch once; False when an earlier delivery already counted it."""
        if outcome.rejects:
            self.files.write_reject_part(upload_id, f"{batch_index:08d}", outcome.rejects)
        if not self.ledger.record(upload_id, batch_index, outcome):
            logger.info("Batch already accounted", extra={"uploadId": upload_id, "batchIndex": batch_index})
            return False
        for counter, count in outcome.counts().items():
            metrics.add_metric(name=f"Rows{counter.capitalize()}", unit=MetricUnit.Count, value=count)
        # A crash between the ledger and this mirror leaves the mirror one batch short: the upload then
        # stops progressing and the sweeper closes it from the ledger's exact counts.
        record = self.statuses.add_batch_counts(upload_id, outcome)
        if record is not None:
            self.finish_if_complete(record)
        return True

    def finish_if_complete(self, record: dict) -> None:
        """Whoever observes the last batch closes the upload; the conditional write lets one win."""
        total = record.get("totalBatches")
        if total is None or record.get("completedBatches", 0) < total:
            return
        if record.get("status") != UploadState.PROCESSING:
            return
        # Rejected and failed rows are both listed, each with its reason (a batch out of retries lists
        # every row it carried).
        listed = record.get("rejected") or record.get("failed")
        rejects_key = self.files.assemble_rejects_report(record["uploadId"]) if listed else None
        state = final_state(record)
        if self.statuses.finalize(record["uploadId"], state, rejects_key):
            logger.info("Upload finished", extra={"uploadId": record["uploadId"], "status": state.value})
            metrics.add_metric(name="UploadsFinished", unit=MetricUnit.Count, value=1)

    def close(self, record: dict, *, closed_by: str, why: str, ends_as: UploadState | None = None) -> dict | None:
        """End a non-final upload now, every row accounted; None when it changed meanwhile (read it again).

        Before its batches were queued nothing was imported: it ends with 0 rows, `why` as its error.
        After, the ledger's exact counts stand, and the rows no batch accounted for count as failed (or
        cancelled, when the owner had asked to cancel), with a line per worksheet in the rejected-rows
        report saying why. It ends in the state its counts give, or in `ends_as` unless it was cancelled.
        """
        if is_final(record["status"]):
            return None
        if record.get("totalBatches") is None:
            state = UploadState.CANCELLED if record.get("cancelRequested") else (ends_as or UploadState.FAILED)
            return self.statuses.close_unsplit(record["uploadId"], state, error=why, forced_by=closed_by)
        ledger = self.ledger.totals(record["uploadId"], int(record["totalBatches"]))
        plan = plan_close(record, ledger, why, ends_as)
        if plan.notes:
            self.files.write_reject_part(record["uploadId"], UNPROCESSED_PART, plan.notes)
        has_report = bool(plan.notes) or plan.counts["rejected"] > 0
        rejects_key = self.files.assemble_rejects_report(record["uploadId"]) if has_report else None
        return self.statuses.force_finish(
            record,
            state=plan.state,
            counts=plan.counts,
            sheet_counts=plan.sheet_counts,
            rejects_key=rejects_key,
            forced_by=closed_by,
            error=why,
        )


@dataclass
class ClosePlan:
    """How a split upload that is closed early ends: every counter, per worksheet too, and the report lines
    for the rows no batch accounted for."""

    state: UploadState
    counts: dict[str, int]
    sheet_counts: dict[str, dict]
    notes: list[dict]


def plan_close(record: dict, ledger: LedgerCounts, why: str, ends_as: UploadState | None = None) -> ClosePlan:
    """The ledger's exact counts stand; the rows no batch accounted for count as failed, or as cancelled
    when the owner had asked to cancel. Batches a cancel kept from being sent were counted already
    (`unsentRows`)."""
    counter = "cancelled" if record.get("cancelRequested") else "failed"
    counts = {name: int(ledger.counts[name]) for name in COUNTERS}
    counts["cancelled"] += int(record.get("unsentRows", 0))
    missing = max(0, int(record.get("rows", 0)) - sum(counts.values()))
    counts[counter] += missing
    sheet_counts: dict[str, dict] = {}
    notes: list[dict] = []
    for sheet, seen in (record.get("worksheets") or {}).items():
        sheet_ledger: Mapping[str, int] = ledger.sheet_counts.get(sheet, {})
        per_sheet = {name: int(sheet_ledger.get(name, 0)) for name in COUNTERS}
        per_sheet["cancelled"] += int(seen.get("unsentRows", 0))
        sheet_missing = max(0, int(seen.get("rows", 0)) - sum(per_sheet.values()))
        per_sheet[counter] += sheet_missing
        sheet_counts[sheet] = {**seen, **per_sheet}
        if sheet_missing:
            notes.append(_unprocessed_note(sheet, sheet_missing, counter, why))
    if missing and not notes:  # a CSV file has no worksheets
        notes.append(_unprocessed_note(None, missing, counter, why))
    state = final_state({**record, **counts})
    if ends_as is not None and state != UploadState.CANCELLED:
        state = ends_as
    return ClosePlan(state, counts, sheet_counts, notes)


def _unprocessed_note(worksheet: str | None, rows: int, counter: str, why: str) -> dict:
    return {
        "worksheet": worksheet,
        "row": "",
        "reason": f"{rows} rows were not processed and are counted as {counter}: {why}",
        "values": "",
    }

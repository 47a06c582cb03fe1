"""How an upload closed early (force-complete, the sweeper) accounts for every row: plan_close."""

from collections import Counter

import pytest
from easycrm.adapters.batch_ledger import LedgerTotals
from easycrm.uploads.accounting import plan_close
from easycrm.uploads.states import COUNTERS, UploadState

WHY = "Processing stopped making progress for 41 minutes."


def record(**fields) -> dict:
    return {
        "uploadId": "u1",
        "status": "processing",
        "rows": 10,
        "totalBatches": 1,
        **dict.fromkeys(COUNTERS, 0),
        **fields,
    }


def ledger(sheets: dict[str, dict[str, int]] | None = None, **counts: int) -> LedgerTotals:
    totals = LedgerTotals(counts=Counter(counts), sheet_counts={name: Counter(c) for name, c in (sheets or {}).items()})
    if sheets and not counts:
        for sheet_counts in totals.sheet_counts.values():
            totals.counts.update(sheet_counts)
    return totals


def assert_accounted(plan, rows: int) -> None:
    assert sum(plan.counts.values()) == rows
    for counts in plan.sheet_counts.values():
        assert counts["rows"] == sum(counts[name] for name in COUNTERS)


def test_rows_no_batch_accounted_for_count_as_failed_and_are_reported():
    plan = plan_close(record(), ledger(created=4, rejected=1), WHY)
    assert plan.counts == {"created": 4, "updated": 0, "rejected": 1, "failed": 5, "cancelled": 0}
    assert plan.state == UploadState.COMPLETED_WITH_ERRORS
    [note] = plan.notes
    assert note["worksheet"] is None and note["reason"] == f"5 rows were not processed and are counted as failed: {WHY}"
    assert_accounted(plan, 10)


def test_the_ledger_wins_over_a_mirror_that_fell_behind():
    """The upload item says 2 created (a crash lost a mirror write); the ledger knows 7 were."""
    plan = plan_close(record(created=2), ledger(created=7, updated=3), WHY)
    assert (plan.counts["created"], plan.counts["failed"], plan.notes) == (7, 0, [])
    assert plan.state == UploadState.COMPLETED


def test_after_a_cancel_request_the_missing_rows_are_cancelled():
    plan = plan_close(record(cancelRequested=True), ledger(created=3), WHY)
    assert (plan.counts["cancelled"], plan.state) == (7, UploadState.CANCELLED)
    assert "counted as cancelled" in plan.notes[0]["reason"]


def test_batches_a_cancel_kept_from_being_sent_are_not_counted_twice():
    sheets = {"Leads": {"rows": 10, **dict.fromkeys(COUNTERS, 0), "cancelled": 6, "unsentRows": 6}}
    plan = plan_close(
        record(cancelRequested=True, unsentRows=6, cancelled=6, worksheets=sheets),
        ledger({"Leads": {"created": 4}}),
        WHY,
    )
    assert plan.counts == {"created": 4, "updated": 0, "rejected": 0, "failed": 0, "cancelled": 6}
    assert plan.sheet_counts["Leads"]["cancelled"] == 6 and plan.notes == []
    assert_accounted(plan, 10)


def test_missing_rows_are_split_by_worksheet_and_complete_sheets_get_no_note():
    sheets = {name: {"rows": rows, **dict.fromkeys(COUNTERS, 0)} for name, rows in (("Trade Show", 6), ("Webinar", 4))}
    plan = plan_close(
        record(worksheets=sheets), ledger({"Trade Show": {"created": 3, "rejected": 1}, "Webinar": {"created": 4}}), WHY
    )
    assert plan.sheet_counts["Trade Show"]["failed"] == 2 and plan.sheet_counts["Webinar"]["failed"] == 0
    assert [note["worksheet"] for note in plan.notes] == ["Trade Show"]
    assert_accounted(plan, 10)


@pytest.mark.parametrize(("rows", "created"), [(3, 5), (0, 0)])
def test_missing_is_never_negative(rows, created):
    plan = plan_close(record(rows=rows), ledger(created=created), WHY)
    assert plan.counts["failed"] == 0 and plan.notes == []

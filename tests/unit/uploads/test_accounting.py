"""Upload accounting: how an upload closed early accounts for every row (plan_close), and UploadAccounting on
the in-memory fakes: exactly-once counts, the last batch, closing."""

from collections import Counter

import pytest
from easycrm.adapters.batch_ledger import LedgerTotals
from easycrm.observability import metrics
from easycrm.uploads.accounting import UploadAccounting, plan_close
from easycrm.uploads.states import COUNTERS, BatchOutcome, UploadState

from tests.support.fake_pipeline import assert_accounted as assert_record_accounted
from tests.support.fakes import FakeClock, FakeFiles, FakeLedger, FakeUploadRecords

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


# UploadAccounting on the in-memory fakes ----------------------------------------------------------


class Books:
    """UploadAccounting over fresh fakes, and uploads put in the state a test needs."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.statuses = FakeUploadRecords(self.clock)
        self.ledger = FakeLedger(self.clock)
        self.files = FakeFiles()
        self.accounting = UploadAccounting(self.statuses, self.ledger, self.files)

    def created(self, upload_id: str = "u1") -> dict:
        return self.statuses.create(
            upload_id=upload_id,
            owner="owner-1",
            file_name="f.xlsx",
            file_size=10,
            object_key=f"uploads/{upload_id}/f.xlsx",
        )

    def processing(
        self, upload_id: str = "u1", *, batches: int, rows: int, sheets: dict[str, int] | None = None
    ) -> dict:
        self.created(upload_id)
        self.statuses.mark_uploaded(upload_id, 10)
        started = self.statuses.start_processing(
            upload_id, total_batches=batches, rows=rows, sheet_rows=sheets or {}, warnings=[]
        )
        assert started is not None
        return started

    def record(self, upload_id: str = "u1") -> dict:
        record = self.statuses.get(upload_id)
        assert record is not None
        return record


def outcome(worksheet: str | None = None, **counts: int) -> BatchOutcome:
    return BatchOutcome(worksheet=worksheet, **counts)


@pytest.fixture(autouse=True)
def _metrics_cleared():
    yield
    metrics.clear_metrics()


@pytest.fixture
def books() -> Books:
    return Books()


def test_a_batch_is_counted_once_whatever_a_redelivery_says(books):
    books.processing(batches=2, rows=6)
    assert books.accounting.account_batch("u1", 0, outcome(created=2, rejected=1))
    assert not books.accounting.account_batch("u1", 0, outcome(created=3))  # redelivered, another outcome
    record = books.record()
    assert (record["created"], record["rejected"], record["completedBatches"], record["status"]) == (
        2,
        1,
        1,
        "processing",
    )
    totals = books.ledger.totals("u1", 2)
    assert (totals.completed_batches, totals.counts["created"], totals.counts["rejected"]) == (1, 2, 1)


def test_the_last_batch_to_arrive_finishes_the_upload_in_any_order(books):
    books.processing(batches=3, rows=7, sheets={"Leads": 7})
    for index, counts in ((2, {"created": 1}), (0, {"created": 2, "updated": 1})):
        books.accounting.account_batch("u1", index, outcome("Leads", **counts))
        assert books.record()["status"] == "processing"
    books.clock.advance(seconds=3)
    books.accounting.account_batch("u1", 1, outcome("Leads", created=3))

    record = books.record()
    assert (record["status"], record["created"], record["updated"], record["completedBatches"]) == (
        "completed",
        6,
        1,
        3,
    )
    assert record["finishedAt"] == books.clock.iso()
    assert record["worksheets"]["Leads"] == {
        "rows": 7,
        "created": 6,
        "updated": 1,
        "rejected": 0,
        "failed": 0,
        "cancelled": 0,
    }
    assert_record_accounted(record)
    assert "rejectsKey" not in record
    assert books.statuses.open_uploads("9999") == []


@pytest.mark.parametrize(
    ("counts", "cancel", "state"),
    [
        ({"created": 2}, False, "completed"),
        ({"created": 1, "rejected": 1}, False, "completed"),
        ({"created": 1, "failed": 1}, False, "completed_with_errors"),
        ({"created": 1, "cancelled": 1}, True, "cancelled"),
    ],
)
def test_the_final_state_follows_the_counts(books, counts, cancel, state):
    books.processing(batches=1, rows=2)
    if cancel:
        books.statuses.request_cancel("u1")
    books.accounting.account_batch("u1", 0, outcome(**counts))
    record = books.record()
    assert record["status"] == state
    assert_record_accounted(record)


def test_rejected_rows_are_reported_once_even_when_their_batch_is_redelivered(books):
    books.processing(batches=2, rows=3)
    rejects = [{"worksheet": None, "row": 3, "reason": "No valid email or phone", "values": "=1+1"}]
    for _ in range(2):
        books.accounting.account_batch("u1", 1, outcome(created=1, rejected=1, rejects=rejects))
    books.accounting.account_batch("u1", 0, outcome(created=1))

    record = books.record()
    assert record["status"] == "completed"
    assert books.files.report_rows(record["rejectsKey"]) == [
        {"worksheet": "", "row": "3", "reason": "No valid email or phone", "values": "'=1+1"}  # a formula, quoted
    ]
    assert books.files.keys("reports/u1/parts/") == ["reports/u1/parts/00000001.csv"]


def test_rows_that_failed_are_reported_even_when_none_was_rejected(books):
    books.processing(batches=2, rows=4)
    failed = [{"worksheet": None, "row": row, "reason": "Out of retries", "values": ""} for row in (2, 3)]
    books.accounting.account_batch("u1", 0, outcome(created=2))
    books.accounting.account_batch("u1", 1, outcome(failed=2, rejects=failed))

    record = books.record()
    assert (record["status"], record["rejected"], record["failed"]) == ("completed_with_errors", 0, 2)
    assert [row["row"] for row in books.files.report_rows(record["rejectsKey"])] == ["2", "3"]


def test_of_two_that_see_the_last_batch_only_one_finishes(books):
    books.processing(batches=1, rows=1)
    books.accounting.account_batch("u1", 0, outcome(created=1))
    finished = books.record()
    books.clock.advance(minutes=1)
    books.accounting.finish_if_complete({**finished, "status": "processing"})  # a second observer, a moment late
    assert books.record() == finished


def test_an_upload_is_not_finished_before_its_last_batch_or_before_it_was_split(books):
    books.processing(batches=2, rows=2)
    books.accounting.finish_if_complete(books.record())
    books.created("u2")
    books.accounting.finish_if_complete(books.record("u2"))
    assert books.record()["status"] == "processing" and books.record("u2")["status"] == "uploading"


def test_a_batch_counted_after_the_close_changes_nothing(books):
    books.processing(batches=2, rows=4)
    books.accounting.account_batch("u1", 0, outcome(created=2))
    closed = books.accounting.close(books.record(), closed_by="admin-1", why=WHY)
    assert closed is not None
    assert books.accounting.account_batch("u1", 1, outcome(created=2))  # the ledger counts it...
    assert books.record() == closed  # ...the upload no longer moves
    assert (closed["status"], closed["created"], closed["failed"]) == ("completed_with_errors", 2, 2)


def test_close_after_a_crash_between_ledger_and_mirror_takes_the_ledgers_counts(books):
    books.processing(batches=2, rows=4, sheets={"Leads": 4})
    books.accounting.account_batch("u1", 0, outcome("Leads", created=2))
    books.ledger.record("u1", 1, outcome("Leads", created=1, rejected=1))  # the mirror write never happened
    assert books.record()["completedBatches"] == 1

    closed = books.accounting.close(books.record(), closed_by="easycrm:sweeper", why=WHY)
    assert closed is not None
    assert (closed["status"], closed["created"], closed["rejected"], closed["failed"]) == ("completed", 3, 1, 0)
    assert closed["completedBatches"] == closed["totalBatches"] == 2
    assert closed["worksheets"]["Leads"]["created"] == 3
    assert (closed["forcedBy"], closed["error"]) == ("easycrm:sweeper", WHY)
    assert_record_accounted(closed)


def test_close_lists_the_rows_no_batch_accounted_for_in_the_report(books):
    books.processing(batches=3, rows=7, sheets={"Trade Show": 4, "Webinar": 3})
    books.accounting.account_batch("u1", 0, outcome("Trade Show", created=2, rejected=1, rejects=[REJECT]))
    closed = books.accounting.close(books.record(), closed_by="admin-1", why=WHY)

    assert closed is not None
    assert (closed["status"], closed["rows"], closed["created"], closed["rejected"], closed["failed"]) == (
        "completed_with_errors",
        7,
        2,
        1,
        4,
    )
    assert (closed["worksheets"]["Trade Show"]["failed"], closed["worksheets"]["Webinar"]["failed"]) == (1, 3)
    assert_record_accounted(closed)
    reasons = [(row["worksheet"], row["reason"]) for row in books.files.report_rows(closed["rejectsKey"])]
    assert reasons == [
        ("Trade Show", REJECT["reason"]),
        ("Trade Show", f"1 rows were not processed and are counted as failed: {WHY}"),
        ("Webinar", f"3 rows were not processed and are counted as failed: {WHY}"),
    ]


def test_close_is_refused_when_the_upload_moved_on_since_it_was_read(books):
    books.processing(batches=2, rows=4)
    seen = books.record()
    books.accounting.account_batch("u1", 0, outcome(created=2))  # lands between the read and the close
    assert books.accounting.close(seen, closed_by="admin-1", why=WHY) is None
    assert books.record()["status"] == "processing"
    closed = books.accounting.close(books.record(), closed_by="admin-1", why=WHY)
    assert closed is not None and (closed["created"], closed["failed"]) == (2, 2)


def test_close_before_the_split_ends_with_zero_rows(books):
    books.created("u1")
    books.created("u2")
    books.statuses.request_cancel("u2")
    failed = books.accounting.close(books.record("u1"), closed_by="admin-1", why="It never arrived.")
    cancelled = books.accounting.close(books.record("u2"), closed_by="admin-1", why="Cancelled.")
    assert failed is not None and cancelled is not None
    assert (failed["status"], failed["rows"], failed["error"], failed["forcedBy"]) == (
        "failed",
        0,
        "It never arrived.",
        "admin-1",
    )
    assert cancelled["status"] == "cancelled"
    assert_record_accounted(failed)


def test_close_of_a_final_upload_is_refused(books):
    books.processing(batches=1, rows=1)
    books.accounting.account_batch("u1", 0, outcome(created=1))
    finished = books.record()
    assert books.accounting.close(finished, closed_by="admin-1", why=WHY) is None
    assert books.record() == finished


def test_close_can_end_a_split_upload_in_a_state_of_the_callers_choosing_unless_it_was_cancelled(books):
    books.processing("u1", batches=1, rows=2)
    books.processing("u2", batches=1, rows=2)
    books.statuses.request_cancel("u2")
    ended = books.accounting.close(books.record("u1"), closed_by="x", why=WHY, ends_as=UploadState.FAILED)
    cancelled = books.accounting.close(books.record("u2"), closed_by="x", why=WHY, ends_as=UploadState.FAILED)
    assert ended is not None and ended["status"] == "failed" and ended["failed"] == 2
    assert cancelled is not None and cancelled["status"] == "cancelled" and cancelled["cancelled"] == 2


REJECT = {"worksheet": "Trade Show", "row": 4, "reason": "No valid email or phone", "values": "Email: nope"}

from decimal import Decimal

import pytest
from easycrm.uploads.states import (
    COUNTERS,
    FINAL_STATES,
    BatchOutcome,
    UploadState,
    final_state,
    is_final,
    progress_percent,
)


@pytest.mark.parametrize(
    "record",
    [
        {"status": "uploading"},
        {"status": "uploaded", "totalBatches": None},
        {"status": "processing", "totalBatches": 0, "completedBatches": 0},
        {"status": "processing", "totalBatches": Decimal(0)},
    ],
)
def test_progress_is_zero_until_the_batches_are_known(record):
    assert progress_percent(record) == 0


@pytest.mark.parametrize(
    ("completed", "total", "expected"),
    [(0, 4, 0), (1, 4, 25), (2, 4, 50), (1, 3, 33), (2, 3, 66), (7, 10, 70)],
)
def test_progress_is_proportional_to_completed_batches(completed, total, expected):
    assert progress_percent({"status": "processing", "totalBatches": total, "completedBatches": completed}) == expected


def test_progress_accepts_dynamodb_decimals_and_a_missing_completed_count():
    assert progress_percent({"status": "processing", "totalBatches": Decimal(8), "completedBatches": Decimal(2)}) == 25
    assert progress_percent({"status": "processing", "totalBatches": 8}) == 0


@pytest.mark.parametrize(("completed", "total"), [(3, 3), (199, 200), (999, 1000), (5, 3)])
def test_progress_stays_below_100_until_the_upload_is_final(completed, total):
    assert progress_percent({"status": "processing", "totalBatches": total, "completedBatches": completed}) == 99


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_progress_is_100_once_final_whatever_the_counts(state):
    assert progress_percent({"status": state}) == 100
    assert progress_percent({"status": state, "totalBatches": 10, "completedBatches": 2}) == 100


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({}, UploadState.COMPLETED),
        ({"failed": 0, "rejected": 5}, UploadState.COMPLETED),
        ({"failed": Decimal(0)}, UploadState.COMPLETED),
        ({"failed": 1}, UploadState.COMPLETED_WITH_ERRORS),
        ({"failed": Decimal(3)}, UploadState.COMPLETED_WITH_ERRORS),
        ({"cancelRequested": True}, UploadState.CANCELLED),
        ({"cancelRequested": True, "failed": 2}, UploadState.CANCELLED),
        ({"cancelRequested": False, "failed": 2}, UploadState.COMPLETED_WITH_ERRORS),
    ],
)
def test_final_state(record, expected):
    assert final_state(record) == expected


def test_rejected_rows_alone_do_not_make_an_upload_completed_with_errors():
    assert final_state({"rejected": 100, "failed": 0}) == "completed"


@pytest.mark.parametrize(
    ("state", "final"),
    [
        ("uploading", False),
        ("uploaded", False),
        ("processing", False),
        (None, False),
        ("unknown", False),
        ("completed", True),
        ("completed_with_errors", True),
        ("failed", True),
        ("cancelled", True),
        (UploadState.CANCELLED, True),
    ],
)
def test_is_final(state, final):
    assert is_final(state) is final


def test_batch_outcome_counts_every_counter_and_rows_is_their_sum():
    outcome = BatchOutcome("Sheet1", created=3, updated=2, rejected=1, failed=4, cancelled=5)
    assert outcome.counts() == {"created": 3, "updated": 2, "rejected": 1, "failed": 4, "cancelled": 5}
    assert tuple(outcome.counts()) == COUNTERS
    assert outcome.rows == 15


def test_batch_outcome_rows_ignore_the_reject_details():
    outcome = BatchOutcome(None, rejected=1, rejects=[{"row": 2, "reason": "no email"}, {"row": 3, "reason": "x"}])
    assert outcome.rows == 1
    assert BatchOutcome(None).rows == 0
    assert BatchOutcome(None).rejects is not BatchOutcome(None).rejects

"""How a forced finish accounts for the rows no batch reported."""

import pytest
from easycrm.status import UploadState
from easycrm.upload_status import plan_forced_finish


def record(**fields) -> dict:
    base = {"status": "processing", "rows": 10, "created": 0, "updated": 0, "rejected": 0, "failed": 0, "cancelled": 0}
    return {**base, **fields}


def test_unaccounted_rows_count_as_failed():
    plan = plan_forced_finish(record(created=4, rejected=1))
    assert (plan.counter, plan.missing, plan.state) == ("failed", 5, UploadState.COMPLETED_WITH_ERRORS)


def test_nothing_missing_completes_cleanly():
    plan = plan_forced_finish(record(created=7, updated=2, rejected=1))
    assert (plan.missing, plan.state, plan.sheet_missing) == (0, UploadState.COMPLETED, {})


def test_earlier_failures_keep_the_errors_state_even_with_nothing_missing():
    assert plan_forced_finish(record(created=8, failed=2)).state == UploadState.COMPLETED_WITH_ERRORS


def test_after_a_cancel_request_the_missing_rows_are_cancelled():
    plan = plan_forced_finish(record(created=3, cancelRequested=True))
    assert (plan.counter, plan.missing, plan.state) == ("cancelled", 7, UploadState.CANCELLED)


def test_missing_rows_are_split_by_worksheet_and_complete_sheets_are_left_alone():
    sheets = {
        "Trade Show": {"rows": 6, "created": 3, "updated": 0, "rejected": 1, "failed": 0, "cancelled": 0},
        "Webinar": {"rows": 4, "created": 4, "updated": 0, "rejected": 0, "failed": 0, "cancelled": 0},
        "Partners": {"rows": 0, "created": 0, "updated": 0, "rejected": 0, "failed": 0, "cancelled": 0},
    }
    plan = plan_forced_finish(record(rows=10, created=7, rejected=1, worksheets=sheets))
    assert plan.missing == 2
    assert plan.sheet_missing == {"Trade Show": 2}


@pytest.mark.parametrize("fields", [{"rows": 3, "created": 5}, {"rows": 0}])
def test_missing_is_never_negative(fields):
    assert plan_forced_finish(record(**fields)).missing == 0

"""UploadStatusService on the in-memory fakes: show, list, cancel and force-complete uploads, owner by owner."""

from __future__ import annotations

import pytest
from easycrm.errors import Conflict, Forbidden, NotFound
from easycrm.observability import metrics
from easycrm.uploads.service import CANCELLED_BEFORE_READING, FORCED_MESSAGES

from tests.support.fake_pipeline import ADMIN, OWNER, STRANGER, FakePipeline, assert_accounted, csv_bytes, emails
from tests.support.workbooks import write_xlsx


@pytest.fixture(autouse=True)
def _metrics_cleared():
    yield
    metrics.clear_metrics()


@pytest.fixture
def pipeline() -> FakePipeline:
    return FakePipeline.build(batch_size=3)


def processing(pipeline: FakePipeline, rows: int) -> tuple[str, list]:
    """An upload split into batches of 3, none of them processed yet."""
    upload_id = pipeline.upload("leads.csv", csv_bytes(emails(rows)))
    assert pipeline.split(upload_id) == "split"
    return upload_id, pipeline.receive()


# get and list -----------------------------------------------------------------------------------------


def test_a_finished_upload_shows_its_counts_its_progress_and_a_link_to_the_rejected_rows(pipeline):
    rows = [
        ["Name", "Email"],
        ["Ghost", "nobody-at-example"],
        ["Real", "real@example.com"],
        ["Also", "also@example.com"],
    ]
    upload_id = pipeline.run("finished.csv", csv_bytes(rows))["uploadId"]
    view = pipeline.status.get(OWNER, upload_id)
    assert (view["status"], view["progress"], view["cancelRequested"]) == ("completed", 100, False)
    assert (view["rows"], view["created"], view["rejected"]) == (3, 2, 1)
    assert_accounted(view)
    assert view["rejectsUrl"].startswith(f"https://fake-uploads.s3.fake/reports/{upload_id}/rejected-rows.csv")
    assert view["rejectsUrl"].endswith("download=rejected-rows.csv")
    assert "objectKey" not in view and "openKey" not in view


def test_progress_moves_between_0_and_100_while_batches_remain(pipeline):
    upload_id = pipeline.upload("halfway.csv", csv_bytes(emails(9)))
    assert pipeline.status.get(OWNER, upload_id)["progress"] == 0
    pipeline.split(upload_id)
    messages = pipeline.receive()
    pipeline.deliver(messages[:1])
    view = pipeline.status.get(OWNER, upload_id)
    assert (view["status"], view["progress"], view["completedBatches"], view["totalBatches"]) == (
        "processing",
        33,
        1,
        3,
    )
    assert "rejectsUrl" not in view
    pipeline.deliver(messages[1:])
    assert pipeline.status.get(OWNER, upload_id)["progress"] == 100


@pytest.mark.parametrize("action", ["get", "cancel", "force_complete"])
def test_another_users_upload_answers_like_a_missing_one(pipeline, action):
    upload_id = pipeline.upload("private.csv", csv_bytes(emails(2)))
    with pytest.raises(NotFound) as foreign:
        getattr(pipeline.status, action)(STRANGER, upload_id)
    with pytest.raises(NotFound) as missing:
        getattr(pipeline.status, action)(STRANGER, "no-such-upload")
    assert (foreign.value.message, foreign.value.code) == (missing.value.message, missing.value.code)
    record = pipeline.record(upload_id)
    assert (record["status"], record.get("cancelRequested")) == ("uploading", None)  # nothing happened to it


def test_the_list_holds_the_callers_own_uploads_newest_first(pipeline):
    mine = []
    for number in range(3):
        mine.append(pipeline.start(f"file-{number}.csv"))
        pipeline.clock.advance(seconds=1)
    pipeline.start("someone-else.csv", owner=STRANGER)
    listed = pipeline.status.list_uploads(OWNER, 50)
    assert [upload["uploadId"] for upload in listed] == mine[::-1]
    assert all(upload["progress"] == 0 and upload["status"] == "uploading" for upload in listed)
    assert [upload["uploadId"] for upload in pipeline.status.list_uploads(OWNER, 2)] == mine[:0:-1]


# cancel -------------------------------------------------------------------------------------------------


def test_a_cancel_midway_skips_the_remaining_batches_and_a_second_cancel_is_a_conflict(pipeline):
    upload_id, messages = processing(pipeline, 9)
    pipeline.deliver(messages[:1])
    view = pipeline.status.cancel(OWNER, upload_id)
    assert (view["status"], view["cancelRequested"]) == ("processing", True)

    pipeline.deliver(messages[1:])
    view = pipeline.status.get(OWNER, upload_id)
    assert (view["status"], view["created"], view["cancelled"], view["progress"]) == ("cancelled", 3, 6, 100)
    assert_accounted(view)
    with pytest.raises(Conflict, match="already finished"):
        pipeline.status.cancel(OWNER, upload_id)


def test_a_cancel_of_a_completed_upload_is_a_conflict_and_changes_nothing(pipeline):
    record = pipeline.run("done.csv", csv_bytes(emails(2)))
    with pytest.raises(Conflict):
        pipeline.status.cancel(OWNER, record["uploadId"])
    assert pipeline.record(record["uploadId"]) == record


def test_a_cancel_before_the_file_arrives_ends_the_upload_at_once_and_the_late_file_is_ignored(pipeline):
    upload_id = pipeline.start("late.csv")
    view = pipeline.status.cancel(OWNER, upload_id)
    assert (view["status"], view["rows"], view["progress"], view["error"]) == (
        "cancelled",
        0,
        100,
        CANCELLED_BEFORE_READING,
    )
    assert_accounted(view)

    pipeline.files.put(pipeline.key(upload_id), csv_bytes(emails(4)))  # the browser's POST still lands
    assert pipeline.split(upload_id) == "duplicate"
    assert pipeline.queue.messages == []
    assert pipeline.record(upload_id)["status"] == "cancelled"


def test_a_cancel_while_the_file_is_read_ends_the_upload_at_once(pipeline):
    upload_id = pipeline.upload("reading.csv", csv_bytes(emails(5)))
    pipeline.statuses.mark_uploaded(upload_id, 100)  # the splitter took the file, no batch queued yet
    view = pipeline.status.cancel(OWNER, upload_id)
    assert (view["status"], view["rows"], view["cancelRequested"]) == ("cancelled", 0, True)
    assert pipeline.split(upload_id) == "duplicate"
    assert pipeline.queue.messages == []


def test_a_cancel_whose_close_loses_the_race_with_the_splitter_shows_the_upload_as_the_splitter_left_it(pipeline):
    upload_id = pipeline.upload("racing.csv", csv_bytes(emails(4)))
    close_unsplit = pipeline.statuses.close_unsplit

    def split_first(*args, **kwargs):
        assert pipeline.split(upload_id) == "split"  # the totals are recorded before the close lands
        return close_unsplit(*args, **kwargs)

    pipeline.statuses.close_unsplit = split_first  # type: ignore[method-assign]
    view = pipeline.status.cancel(OWNER, upload_id)
    # The splitter saw the cancel before its first batch: nothing was queued, every row is cancelled.
    assert (view["status"], view["rows"], view["cancelled"], view["totalBatches"]) == ("cancelled", 4, 4, 0)
    assert_accounted(view)
    assert pipeline.queue.messages == []


# force-complete -------------------------------------------------------------------------------------


def test_an_owner_who_is_not_an_admin_may_not_force_complete(pipeline):
    upload_id = pipeline.upload("mine.csv", csv_bytes(emails(2)))
    with pytest.raises(Forbidden):
        pipeline.status.force_complete(OWNER, upload_id)
    assert pipeline.record(upload_id)["status"] == "uploading"


@pytest.mark.parametrize(("stage", "rows"), [("uploading", 0), ("uploaded", 0), ("processing", 4)])
def test_an_admin_force_completes_an_upload_in_every_non_final_state(pipeline, stage, rows):
    upload_id = pipeline.upload(f"{stage}.csv", csv_bytes(emails(4)))
    if stage == "uploaded":
        pipeline.statuses.mark_uploaded(upload_id, 100)
    elif stage == "processing":
        pipeline.split(upload_id)
        pipeline.receive()  # queued, never processed
    view = pipeline.status.force_complete(ADMIN, upload_id)
    assert view["status"] in ("failed", "completed_with_errors") and view["progress"] == 100
    assert (view["rows"], view["forcedBy"], view["error"]) == (rows, ADMIN.sub, FORCED_MESSAGES[stage])
    assert_accounted(view)
    assert pipeline.split(upload_id) == "duplicate"
    assert pipeline.queue.messages == []


def test_an_admin_force_completes_a_stuck_workbook_and_late_batches_change_nothing(pipeline, tmp_path):
    path = write_xlsx(
        tmp_path / "stuck.xlsx",
        {
            "Trade Show": [["Email"], ["a@x.test"], ["not-an-email"], ["b@x.test"], ["c@x.test"]],
            "Webinar": [["Email"], ["d@x.test"], ["e@x.test"], ["f@x.test"]],
        },
    )
    upload_id = pipeline.upload(path.name, path.read_bytes())
    pipeline.split(upload_id)
    messages = pipeline.receive()
    assert len(messages) == 3  # Trade Show 3 + 1 rows, Webinar 3 rows
    pipeline.deliver(messages[:1])

    forced = pipeline.status.force_complete(ADMIN, upload_id)
    assert (forced["status"], forced["progress"], forced["forcedBy"]) == ("completed_with_errors", 100, ADMIN.sub)
    assert (forced["rows"], forced["created"], forced["rejected"], forced["failed"]) == (7, 2, 1, 4)
    assert forced["completedBatches"] == forced["totalBatches"] == 3
    assert (forced["worksheets"]["Trade Show"]["failed"], forced["worksheets"]["Webinar"]["failed"]) == (1, 3)
    assert_accounted(forced)
    assert "rejectsUrl" in forced
    assert "not-an-email" in str(pipeline.report(upload_id))

    pipeline.deliver(messages[1:])  # late deliveries
    assert pipeline.status.get(OWNER, upload_id) == forced
    with pytest.raises(Conflict):
        pipeline.status.force_complete(ADMIN, upload_id)


def test_force_complete_plans_again_when_a_batch_lands_first(pipeline):
    upload_id, messages = processing(pipeline, 6)
    force_finish = pipeline.statuses.force_finish
    attempts = []

    def batch_lands_first(seen, **kwargs):
        if not attempts:
            pipeline.deliver(messages[:1])  # counted between the read and the close: this close must lose
        attempts.append(seen["completedBatches"])
        return force_finish(seen, **kwargs)

    pipeline.statuses.force_finish = batch_lands_first  # type: ignore[method-assign]
    view = pipeline.status.force_complete(ADMIN, upload_id)
    assert attempts == [0, 1]
    assert (view["created"], view["failed"], view["rows"]) == (3, 3, 6)
    assert_accounted(view)


def test_force_complete_gives_up_with_a_conflict_on_an_upload_that_keeps_changing(pipeline):
    upload_id, _ = processing(pipeline, 3)
    pipeline.statuses.force_finish = lambda seen, **kwargs: None  # type: ignore[method-assign]
    with pytest.raises(Conflict, match="changing right now"):
        pipeline.status.force_complete(ADMIN, upload_id)
    assert pipeline.record(upload_id)["status"] == "processing"

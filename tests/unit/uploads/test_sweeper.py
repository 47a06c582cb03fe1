"""UploadSweeper on the in-memory fakes and a clock that stands still: nothing stays non-final for ever."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from easycrm.observability import metrics
from easycrm.uploads.sweeper import SWEEPER

from tests.support.fake_pipeline import FakePipeline, assert_accounted, csv_bytes, emails

SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _metrics_cleared():
    yield
    metrics.clear_metrics()


@pytest.fixture
def pipeline() -> FakePipeline:
    return FakePipeline.build(batch_size=3)


def destination_record(key: str, error_message: str) -> dict:
    """What the splitter's on-failure destination receives once every attempt failed."""
    return {
        "requestPayload": {"Records": [{"s3": {"object": {"key": key.replace(" ", "+")}}}]},
        "responsePayload": {"errorType": "Sandbox.Timedout", "errorMessage": error_message},
    }


def test_an_upload_whose_file_never_arrived_fails_once_the_presigned_post_expired(pipeline):
    upload_id = pipeline.start("never.csv")
    bounds = pipeline.bounds()
    pipeline.clock.advance(bounds.arrival - SECOND)
    assert pipeline.sweeper().sweep() == {}
    pipeline.clock.advance(2 * SECOND)
    assert pipeline.sweeper().sweep() == {upload_id: "failed"}
    record = pipeline.record(upload_id)
    assert (record["rows"], record["forcedBy"]) == (0, SWEEPER)
    assert record["error"].startswith("The file never arrived")
    assert_accounted(record)
    assert pipeline.sweeper().sweep() == {}  # closed once


def test_a_stalled_upload_is_closed_with_its_unprocessed_rows_failed_and_reported(pipeline):
    upload_id = pipeline.upload("stalled.csv", csv_bytes(emails(7)))  # batches of 3: 3 + 3 + 1
    pipeline.split(upload_id)
    messages = pipeline.receive()  # taken off the queue: two of them are lost
    pipeline.deliver(messages[:1])
    processing = pipeline.bounds().processing
    pipeline.clock.advance(processing - SECOND)
    assert pipeline.sweeper().sweep() == {}
    pipeline.clock.advance(2 * SECOND)
    assert pipeline.sweeper().sweep() == {upload_id: "completed_with_errors"}

    record = pipeline.record(upload_id)
    assert (record["rows"], record["created"], record["failed"]) == (7, 3, 4)
    assert record["error"].startswith("Processing stopped making progress")
    assert_accounted(record)
    assert [row["reason"] for row in pipeline.report(upload_id)] == [
        f"4 rows were not processed and are counted as failed: {record['error']}"
    ]
    pipeline.deliver(messages[1:])  # they turn up after all
    assert pipeline.record(upload_id) == record


def test_an_upload_whose_batches_wait_in_the_queue_is_not_closed_before_the_retention_period(pipeline):
    upload_id = pipeline.upload("waiting.csv", csv_bytes(emails(4)))
    pipeline.split(upload_id)  # two batches queued, none received
    bounds = pipeline.bounds()
    pipeline.clock.advance(bounds.processing + timedelta(minutes=1))
    assert pipeline.sweeper().sweep() == {}
    assert pipeline.record(upload_id)["status"] == "processing"
    pipeline.clock.advance(bounds.retention - bounds.processing)
    assert pipeline.sweeper().sweep() == {upload_id: "completed_with_errors"}
    assert pipeline.record(upload_id)["failed"] == 4


def test_the_queue_is_asked_once_per_sweep_and_only_for_stalled_processing_uploads(pipeline):
    asked = []
    holds_messages = pipeline.queue.holds_messages
    pipeline.queue.holds_messages = lambda: asked.append(1) or holds_messages()  # type: ignore[method-assign]
    pipeline.start("never.csv")
    for name in ("a.csv", "b.csv"):
        pipeline.split(pipeline.upload(name, csv_bytes(emails(2))))
    pipeline.clock.advance(minutes=5)
    pipeline.sweeper().sweep()
    assert asked == []  # nothing has stalled yet
    pipeline.clock.advance(pipeline.bounds().processing)
    assert sorted(pipeline.sweeper().sweep().values()) == ["failed"]  # the queue still holds a.csv's and b.csv's
    assert asked == [1]


def test_a_file_whose_reading_never_finished_is_failed_with_nothing_imported(pipeline):
    upload_id = pipeline.upload("crashed.csv", csv_bytes(emails(4)))
    pipeline.statuses.mark_uploaded(upload_id, 100)  # the splitter took it, then died every attempt
    pipeline.clock.advance(pipeline.bounds().reading + SECOND)
    assert pipeline.sweeper().sweep() == {upload_id: "failed"}
    record = pipeline.record(upload_id)
    assert (record["rows"], record["error"]) == (
        0,
        "Reading this file stopped without finishing; nothing was imported.",
    )
    assert pipeline.split(upload_id) == "duplicate"


def test_a_splitter_that_failed_every_attempt_fails_its_upload_at_once_and_only_once(pipeline):
    upload_id = pipeline.upload("huge leads.xlsx", b"not read")
    pipeline.statuses.mark_uploaded(upload_id, 100)
    record = destination_record(pipeline.key(upload_id), "Task timed out after 900.00 seconds")
    assert pipeline.sweeper().split_failed(record) == {upload_id: "failed"}
    closed = pipeline.record(upload_id)
    assert (closed["rows"], closed["forcedBy"]) == (0, SWEEPER)
    assert closed["error"].startswith("Reading this file took longer than allowed")
    assert pipeline.sweeper().split_failed(copy.deepcopy(record)) == {}  # redelivered
    assert pipeline.record(upload_id) == closed


def test_a_destination_record_for_an_upload_already_queued_leaves_it_to_its_batches(pipeline):
    upload_id = pipeline.upload("queued.csv", csv_bytes(emails(2)))
    pipeline.split(upload_id)
    record = destination_record(pipeline.key(upload_id), "Runtime exited with error: signal: killed")
    assert pipeline.sweeper().split_failed(record) == {}
    pipeline.deliver(pipeline.receive())
    assert pipeline.record(upload_id)["status"] == "completed"


def test_a_destination_record_for_an_object_that_is_no_upload_is_ignored(pipeline):
    record = destination_record("reports/u1/rejected-rows.csv", "Task timed out")
    assert pipeline.sweeper().split_failed(record) == {}
    assert pipeline.sweeper().split_failed({}) == {}

"""No upload stays non-final: the sweeper (on a fixed clock), the splitter's on-failure destination, the
batch ledger past 100,000 batches, and batches wider than an SQS message — against moto, through the
real handlers."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import unique_email
from tests.integration.functions.test_pipeline_handlers import assert_accounted, csv_bytes
from tests.integration.functions.test_status_reader import call, status_of

FORCE = "/status/{uploadId}/force-complete"
ADMIN = {"sub": "admin-1", "email": "admin@example.com", "cognito:groups": "admins"}


def emails(count: int) -> list[list[str]]:
    return [["Email"]] + [[unique_email()] for _ in range(count)]


def sweeper_at(wiring, moment: datetime):
    from easycrm.adapters.batch_queue import BatchQueue
    from easycrm.uploads.start import PRESIGNED_POST_SECONDS
    from easycrm.uploads.sweeper import StallBounds, UploadSweeper

    bounds = StallBounds.from_settings(wiring.settings(), PRESIGNED_POST_SECONDS)
    queue = BatchQueue(wiring.settings().queue_url)
    sweeper = UploadSweeper(
        wiring.statuses(), wiring.accounting(), queue, bounds, wiring.undo_requests(), clock=lambda: moment
    )
    return sweeper, bounds


def updated_at(wiring, upload_id: str) -> datetime:
    return datetime.fromisoformat(wiring.statuses().get(upload_id)["updatedAt"].replace("Z", "+00:00"))


# the sweeper, on a fixed clock ------------------------------------------------------------------


def test_an_upload_whose_file_never_arrived_is_failed_once_the_presigned_post_expired(pipeline, wiring):
    upload_id = pipeline.start_upload("never.csv", 100)["uploadId"]
    started = updated_at(wiring, upload_id)
    early, bounds = sweeper_at(wiring, started + timedelta(minutes=10))
    assert upload_id not in early.sweep()
    assert status_of(pipeline.stack, upload_id)["status"] == "uploading"

    late, _ = sweeper_at(wiring, started + bounds.arrival + timedelta(seconds=1))
    assert late.sweep()[upload_id] == "failed"
    status = status_of(pipeline.stack, upload_id)
    assert (status["status"], status["rows"], status["progress"]) == ("failed", 0, 100)
    assert status["error"].startswith("The file never arrived")
    assert_accounted(status)


def test_a_stalled_upload_is_closed_with_its_unprocessed_rows_failed_and_reported(pipeline, wiring):
    upload_id = pipeline.upload("stalled.csv", csv_bytes(emails(7)))  # batches of 3: 3 + 3 + 1
    pipeline.split(upload_id, "stalled.csv")
    messages = sorted(pipeline.receive(), key=lambda message: json.loads(message["Body"])["batchIndex"])
    assert len(messages) == 3
    pipeline.process(messages[:1])
    pipeline.delete(messages)  # the other two are lost (dead-lettered without a last receive, say)
    stalled_since = updated_at(wiring, upload_id)

    _, bounds = sweeper_at(wiring, stalled_since)
    early, _ = sweeper_at(wiring, stalled_since + bounds.processing - timedelta(seconds=1))
    assert upload_id not in early.sweep()
    sweeper, _ = sweeper_at(wiring, stalled_since + bounds.processing + timedelta(seconds=1))
    assert sweeper.sweep()[upload_id] == "completed_with_errors"

    status = status_of(pipeline.stack, upload_id)
    assert (status["rows"], status["created"], status["failed"], status["progress"]) == (7, 3, 4, 100)
    assert status["error"].startswith("Processing stopped making progress")
    assert_accounted(status)
    report = requests.get(status["rejectsUrl"], timeout=30).content.decode("utf-8-sig")
    assert "4 rows were not processed and are counted as failed" in report

    assert pipeline.process(messages[1:]) == {"batchItemFailures": []}  # they turn up after all
    after = status_of(pipeline.stack, upload_id)
    assert (after["status"], after["created"], after["failed"]) == ("completed_with_errors", 3, 4)


def test_an_upload_whose_batches_wait_behind_others_is_not_closed_until_the_retention_period(pipeline, wiring):
    """Its batches sit in the queue (behind another upload's, say): that is waiting, not stalling."""
    upload_id = pipeline.upload("waiting.csv", csv_bytes(emails(4)))
    pipeline.split(upload_id, "waiting.csv")  # two batches queued, none received yet
    stalled_since = updated_at(wiring, upload_id)
    _, bounds = sweeper_at(wiring, stalled_since)
    busy, _ = sweeper_at(wiring, stalled_since + bounds.processing + timedelta(minutes=1))
    assert upload_id not in busy.sweep()
    assert status_of(pipeline.stack, upload_id)["status"] == "processing"
    expired, _ = sweeper_at(wiring, stalled_since + bounds.retention + timedelta(minutes=1))
    assert expired.sweep()[upload_id] == "completed_with_errors"
    pipeline.delete(pipeline.receive())


def test_a_file_whose_reading_never_finished_is_failed_with_nothing_imported(pipeline, wiring):
    upload_id = pipeline.upload("crashed.csv", csv_bytes(emails(4)))
    wiring.statuses().mark_uploaded(upload_id, 100)  # the splitter took it, then died every attempt
    sweeper, bounds = sweeper_at(wiring, updated_at(wiring, upload_id) + timedelta(hours=1))
    assert bounds.reading < timedelta(hours=1)
    assert sweeper.sweep()[upload_id] == "failed"
    status = status_of(pipeline.stack, upload_id)
    assert (status["rows"], status["created"], status["error"]) == (
        0,
        0,
        "Reading this file stopped without finishing; nothing was imported.",
    )
    assert pipeline.receive() == []


def test_the_scheduled_sweeper_function_closes_what_stalled(pipeline, wiring):
    """The real handler with the EventBridge event; the upload is made to look 30 minutes old."""
    upload_id = pipeline.start_upload("old.csv", 100)["uploadId"]
    old = (datetime.now(UTC) - timedelta(minutes=30)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    table = pipeline.stack.client("dynamodb")
    table.update_item(
        TableName=wiring.settings().status_table,
        Key={"uploadId": {"S": upload_id}},
        UpdateExpression="SET updatedAt = :old, createdAt = :old",
        ExpressionAttributeValues={":old": {"S": old}},
    )
    event = json.loads(Path("events/schedule-sweep.json").read_text())
    closed = pipeline.stack.function("upload_sweeper").invoke(event)["closed"]
    assert closed.get(upload_id) == "failed"
    assert status_of(pipeline.stack, upload_id)["error"].startswith("The file never arrived")


# the splitter's on-failure destination ---------------------------------------------------------


def destination_event(pipeline, upload_id: str, file_name: str, error_message: str) -> dict:
    event = json.loads(Path("events/sqs-split-failure.json").read_text())
    record = json.loads(event["Records"][0]["body"])
    record["requestPayload"] = pipeline.s3_event(upload_id, file_name)
    record["responsePayload"]["errorMessage"] = error_message
    event["Records"][0]["body"] = json.dumps(record)
    return event


def test_a_splitter_that_failed_every_attempt_fails_its_upload_at_once(pipeline, wiring):
    upload_id = pipeline.upload("huge.xlsx", b"not read")
    wiring.statuses().mark_uploaded(upload_id, 100)
    event = destination_event(pipeline, upload_id, "huge.xlsx", "Task timed out after 900.00 seconds")
    assert pipeline.stack.function("upload_sweeper").invoke(event) == {"closed": {upload_id: "failed"}}
    status = status_of(pipeline.stack, upload_id)
    assert (status["status"], status["rows"]) == ("failed", 0)
    assert status["error"].startswith("Reading this file took longer than allowed")
    again = pipeline.stack.function("upload_sweeper").invoke(copy.deepcopy(event))  # redelivered
    assert again == {"closed": {}}


def test_a_destination_record_for_an_upload_already_queued_leaves_it_to_its_batches(pipeline, wiring):
    upload_id = pipeline.upload("queued.csv", csv_bytes(emails(2)))
    pipeline.split(upload_id, "queued.csv")
    event = destination_event(pipeline, upload_id, "queued.csv", "Runtime exited with error: signal: killed")
    assert pipeline.stack.function("upload_sweeper").invoke(event) == {"closed": {}}
    messages = pipeline.receive()
    pipeline.process(messages)
    pipeline.delete(messages)
    assert status_of(pipeline.stack, upload_id)["status"] == "completed"


# force-complete in every state ------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["uploading", "uploaded", "processing"])
def test_force_complete_works_in_every_non_final_state(pipeline, wiring, stage):
    upload_id = pipeline.upload(f"{stage}.csv", csv_bytes(emails(4)))
    if stage == "uploaded":
        wiring.statuses().mark_uploaded(upload_id, 100)
    elif stage == "processing":
        pipeline.split(upload_id, f"{stage}.csv")
        pipeline.delete(pipeline.receive())  # queued, never processed
    assert status_of(pipeline.stack, upload_id)["status"] == stage
    code, body = call(pipeline.stack, "POST", FORCE, upload_id, claims=ADMIN)
    assert code == 200, body
    assert body["status"] in ("failed", "completed_with_errors") and body["progress"] == 100
    assert body["rows"] == (4 if stage == "processing" else 0)
    assert_accounted(body)


# the ledger at scale ----------------------------------------------------------------------------


def test_exactly_once_accounting_past_100000_batches_keeps_every_item_small(pipeline, wiring):
    """A 1,500,000-row upload in 150,000 batches: batches far apart are each counted once, redeliveries
    are refused, and no item grows with the number of batches."""
    from easycrm.uploads.states import BatchOutcome

    statuses, accounting = wiring.statuses(), wiring.accounting()
    upload_id = pipeline.upload("million.csv", b"Email\n")
    statuses.mark_uploaded(upload_id, 6)
    statuses.start_processing(upload_id, total_batches=150_000, rows=1_500_000, sheet_rows={}, warnings=[])
    indexes = [0, 1, 499, 500, 99_999, 100_000, 100_001, 149_999]
    for index in indexes:
        assert accounting.account_batch(upload_id, index, BatchOutcome(worksheet=None, created=9, rejected=1))
    for index in indexes:
        assert not accounting.account_batch(upload_id, index, BatchOutcome(worksheet=None, created=10))

    record = statuses.get(upload_id)
    assert (record["completedBatches"], record["created"], record["rejected"]) == (8, 72, 8)
    ledger = accounting.ledger.totals(upload_id, 150_000)  # 300 shards, 3 BatchGetItem calls
    assert (ledger.completed_batches, ledger.counts["created"]) == (8, 72)

    dynamodb = pipeline.stack.client("dynamodb")
    table = wiring.settings().status_table
    items = dynamodb.scan(
        TableName=table,
        FilterExpression="begins_with(uploadId, :id)",
        ExpressionAttributeValues={":id": {"S": upload_id}},
    )["Items"]
    assert len(items) == 1 + 5  # the upload and the shards of batches 0-499, 500, 99,999, 100,000-1, 149,999
    assert max(len(json.dumps(item)) for item in items) < 4_000

    code, forced = call(pipeline.stack, "POST", FORCE, upload_id, claims=ADMIN)
    assert code == 200
    assert (forced["rows"], forced["created"], forced["rejected"], forced["failed"]) == (1_500_000, 72, 8, 1_499_920)
    assert_accounted(forced)


# batches wider than an SQS message --------------------------------------------------------------


def test_a_702_column_survey_travels_through_s3_and_imports_whole(pipeline):
    """Headers of ~200 characters and rows of ~45 KB: three rows and the headers outgrow one message."""
    headers = [
        f"Q{number}: How likely are you to recommend our product to a colleague? " + "x" * 130 for number in range(700)
    ]
    headers[350:350] = ["Email", "Name"]
    rows = [headers] + [
        ["7"] * 350
        + [unique_email(), f"Person {row}"]
        + ["Somewhat likely, depending on the price and on the support we get from the team " * 2] * 350
        for row in range(12)
    ]
    upload_id = pipeline.upload("survey.csv", csv_bytes(rows))
    pipeline.split(upload_id, "survey.csv")
    messages = pipeline.receive()
    assert all(len(message["Body"].encode()) <= 256 * 1024 for message in messages)
    assert any("bodyKey" in json.loads(message["Body"]) for message in messages)
    assert pipeline.process(messages) == {"batchItemFailures": []}
    pipeline.delete(messages)
    status = status_of(pipeline.stack, upload_id)
    assert (status["status"], status["rows"], status["created"]) == ("completed", 12, 12)

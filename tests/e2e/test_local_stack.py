"""The local stack's event plumbing behaves like AWS: retries, visibility timeout and the DLQ."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from scripts.local_stack.apigw import proxy_event
from scripts.local_stack.stack import LocalStack
from tests.e2e.conftest import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def running_stack():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EASYCRM_SCHEDULE_SECONDS", "1")  # the sweeper's schedule, every second
        with LocalStack(parameter_overrides={"BatchVisibilityTimeoutSeconds": "1"}) as stack:
            stack.start_workers()
            yield stack


def test_failing_batch_is_retried_then_dead_lettered(running_stack):
    sqs = running_stack.client("sqs")
    sqs.send_message(QueueUrl=running_stack.queues["LeadProcessingQueue"], MessageBody="{not a batch")

    def dead_lettered():
        return sqs.receive_message(
            QueueUrl=running_stack.queues["LeadProcessingDLQ"], MessageSystemAttributeNames=["All"]
        ).get("Messages")

    [message] = wait_for(dead_lettered)
    assert message["Body"] == "{not a batch"
    assert int(message["Attributes"]["ApproximateReceiveCount"]) >= 3  # maxReceiveCount from the template


def test_presigned_post_upload_flows_through_s3_notification_to_completion(running_stack):
    from easycrm import wiring

    content = b"Email,Name\nflow.one@example.com,One\nflow.two@example.com,Two\nbad,Three\n"
    request = {"fileName": "flow test.csv", "fileSize": len(content), "contentType": "text/csv"}
    event = proxy_event("POST", "/upload", body=request, claims={"sub": "e2e-user"})
    started = json.loads(running_stack.function("file_upload").invoke(event)["body"])
    upload = started["upload"]
    posted = requests.post(upload["url"], data=upload["fields"], files={"file": ("flow test.csv", content)}, timeout=30)
    assert posted.status_code in (200, 204)
    record = wait_for(lambda: (r := wiring.statuses().get(started["uploadId"])) and r["status"] == "completed" and r)
    assert (record["rows"], record["created"], record["rejected"]) == (3, 2, 1)


def start_upload(stack, file_name: str, size: int) -> str:
    request = {"fileName": file_name, "fileSize": size, "contentType": "text/csv"}
    event = proxy_event("POST", "/upload", body=request, claims={"sub": "e2e-user"})
    return json.loads(stack.function("file_upload").invoke(event)["body"])["uploadId"]


def test_a_splitter_that_fails_every_attempt_reaches_its_destination_and_the_upload_ends(running_stack):
    """The file is gone when the splitter looks (S3 answers 404): the invocation fails three times, the
    local runtime sends Lambda's destination record to the template's queue, and the sweeper's SQS
    trigger ends the upload as failed."""
    from easycrm import wiring

    upload_id = start_upload(running_stack, "vanished.csv", 100)
    bucket = running_stack.template.physical["UploadBucket"]["Ref"]
    event = json.loads((REPO_ROOT / "events" / "s3-object-created.json").read_text())
    event["Records"][0]["s3"]["bucket"]["name"] = bucket
    event["Records"][0]["s3"]["object"]["key"] = f"uploads/{upload_id}/vanished.csv"
    sqs = running_stack.client("sqs")
    notifications = sqs.get_queue_url(QueueName=f"{bucket}-local-s3-events")["QueueUrl"]
    sqs.send_message(QueueUrl=notifications, MessageBody=json.dumps(event))

    record = wait_for(lambda: (r := wiring.statuses().get(upload_id)) and r["status"] == "failed" and r, timeout=60)
    assert (record["rows"], record["forcedBy"]) == (0, "easycrm:sweeper")
    assert record["error"].startswith("This file could not be read")


def test_the_scheduled_sweep_runs_and_ends_an_upload_whose_file_never_arrived(running_stack):
    from easycrm import wiring

    upload_id = start_upload(running_stack, "never.csv", 100)
    old = (datetime.now(UTC) - timedelta(minutes=30)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    running_stack.client("dynamodb").update_item(
        TableName=wiring.settings().status_table,
        Key={"uploadId": {"S": upload_id}},
        UpdateExpression="SET updatedAt = :old",
        ExpressionAttributeValues={":old": {"S": old}},
    )
    record = wait_for(lambda: (r := wiring.statuses().get(upload_id)) and r["status"] == "failed" and r)
    assert record["error"].startswith("The file never arrived")

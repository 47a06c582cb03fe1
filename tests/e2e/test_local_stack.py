"""The local stack's event plumbing behaves like AWS: retries, visibility timeout and the DLQ."""

from __future__ import annotations

import json
import time

import pytest
import requests

from scripts.local_stack.apigw import proxy_event
from scripts.local_stack.stack import LocalStack


@pytest.fixture(scope="module")
def running_stack():
    with LocalStack(parameter_overrides={"BatchVisibilityTimeoutSeconds": "1"}) as stack:
        stack.start_workers()
        yield stack


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


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

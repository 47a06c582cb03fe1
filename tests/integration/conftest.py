"""Handlers against an embedded moto server, created from template.yaml like the local stack."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import requests

from scripts.local_stack.apigw import proxy_event
from scripts.local_stack.stack import LocalStack

OWNER = {"sub": "owner-1", "email": "owner@example.com"}


@pytest.fixture(scope="session")
def stack():
    with LocalStack(parameter_overrides={"BatchSize": "3"}) as local:
        yield local


@pytest.fixture
def wiring(stack, monkeypatch):
    """The composition root, rebuilt after a test changes the environment."""
    from easycrm import wiring as root

    root.reset()
    yield root
    monkeypatch.undo()
    root.reset()


class Pipeline:
    """Drives the real handlers step by step: upload, S3 event, SQS batches."""

    def __init__(self, stack: LocalStack):
        self.stack = stack
        self.sqs = stack.client("sqs")
        self.queue_url = stack.queues["LeadProcessingQueue"]
        self.bucket = stack.template.physical["UploadBucket"]["Ref"]

    def start_upload(self, file_name: str, size: int, content_type: str = "", claims: dict = OWNER) -> dict:
        body = {"fileName": file_name, "fileSize": size, "contentType": content_type}
        response = self.stack.function("file_upload").invoke(proxy_event("POST", "/upload", body=body, claims=claims))
        return {"statusCode": response["statusCode"], **json.loads(response["body"])}

    def upload(self, file_name: str, content: bytes) -> str:
        started = self.start_upload(file_name, len(content))
        assert started["statusCode"] == 201, started
        posted = requests.post(
            started["upload"]["url"], data=started["upload"]["fields"], files={"file": (file_name, content)}, timeout=30
        )
        assert posted.status_code in (200, 204), posted.text
        return started["uploadId"]

    def s3_event(self, upload_id: str, file_name: str) -> dict:
        template = json.loads(Path("events/s3-object-created.json").read_text())
        record = template["Records"][0]
        record["s3"]["bucket"]["name"] = self.bucket
        record["s3"]["object"]["key"] = requests.utils.quote(f"uploads/{upload_id}/{file_name}", safe="/")
        return template

    def split(self, upload_id: str, file_name: str) -> dict:
        return self.stack.function("lead_splitter").invoke(self.s3_event(upload_id, file_name))

    def receive(self, max_messages: int = 10) -> list[dict]:
        messages = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
            ).get("Messages", [])
            messages.extend(batch)
            if not batch or len(messages) >= max_messages:
                return messages

    def delete(self, messages: list[dict]) -> None:
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def sqs_event(self, messages: list[dict], receive_count: int | None = None) -> dict:
        arn = self.stack.template.physical["LeadProcessingQueue"]["Arn"]
        records = []
        for message in messages:
            attributes = dict(message.get("Attributes", {}))
            if receive_count is not None:
                attributes["ApproximateReceiveCount"] = str(receive_count)
            records.append(
                {
                    "messageId": message.get("MessageId", str(uuid.uuid4())),
                    "receiptHandle": message.get("ReceiptHandle", "handle"),
                    "body": message["Body"],
                    "attributes": attributes,
                    "messageAttributes": {},
                    "md5OfBody": "",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": "us-east-1",
                }
            )
        return {"Records": records}

    def process(self, messages: list[dict], receive_count: int | None = None) -> dict:
        return self.stack.function("deepseek_caller").invoke(self.sqs_event(messages, receive_count))

    def run(self, file_name: str, content: bytes) -> str:
        """Upload, split and process everything queued; returns the upload id."""
        upload_id = self.upload(file_name, content)
        self.split(upload_id, file_name)
        messages = self.receive(max_messages=10_000)
        for start in range(0, len(messages), 10):
            result = self.process(messages[start : start + 10])
            assert result == {"batchItemFailures": []}
        self.delete(messages)
        return upload_id


@pytest.fixture
def pipeline(stack, wiring):
    pipe = Pipeline(stack)
    # Nothing left over from another test, in flight included: a received, undeleted message keeps the
    # queue busy, and the sweeper reads a busy queue as "still waiting".
    pipe.sqs.purge_queue(QueueUrl=pipe.queue_url)
    return pipe


def unique_email(label: str = "lead") -> str:
    return f"{label}.{uuid.uuid4().hex[:10]}@example.com"


def empty_leads_table(stack: LocalStack, prefix: str) -> str:
    """A new table shaped like the template's LeadsTable (keys and indexes), for tests that need to know
    every lead in it; returns its name."""
    properties = stack.template.resolve(stack.template.resources["LeadsTable"]["Properties"])
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    stack.client("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        **{key: properties[key] for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")},
    )
    return name

"""Event plumbing that AWS does for us: S3 notifications → Lambda, and SQS event source mappings."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import traceback
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from scripts.local_stack.template import ACCOUNT_ID, REGION

log = logging.getLogger("easycrm.local")

S3_EVENT_VISIBILITY_SECONDS = 2
LOCAL_CONCURRENCY = int(os.environ.get("EASYCRM_LOCAL_CONCURRENCY", "2"))
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_RATE_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class _Poller(threading.Thread):
    def __init__(self, stack, name: str):
        super().__init__(name=name, daemon=True)
        self.stack = stack
        self.sqs = stack.client("sqs")

    def run(self) -> None:
        while not self.stack.stop_event.is_set():
            try:
                self.poll_once()
            except BaseException:  # whatever a handler raises, the worker lives on
                if self.stack.stop_event.is_set():
                    return
                log.error("local worker %s: %s", self.name, traceback.format_exc())
                self.stack.stop_event.wait(1)

    def poll_once(self) -> None:
        raise NotImplementedError


class SqsEventSourceMapping(_Poller):
    """Polls a queue with the template's batch size and hands the messages to the function.

    Messages listed in `batchItemFailures` (or all, if the handler raises) stay on the queue and come
    back after the visibility timeout; SQS moves them to the DLQ after `maxReceiveCount` receives.
    """

    def __init__(self, stack, function, queue_logical_id: str, properties: dict, instance: int):
        super().__init__(stack, f"{function.spec.logical_id}-sqs-{instance}")
        self.function = function
        self.handler = function.load_handler(instance=f"worker{instance}")
        self.queue_url = stack.queues[queue_logical_id]
        self.queue_arn = stack.template.physical[queue_logical_id]["Arn"]
        self.batch_size = min(int(stack.template.resolve(properties.get("BatchSize", 10))), 10)
        self.reports_failures = "ReportBatchItemFailures" in properties.get("FunctionResponseTypes", [])

    def poll_once(self) -> None:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=1,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return
        event = {"Records": [self._record(message) for message in messages]}
        try:
            response = self.function.invoke(event, self.handler)
        except BaseException:  # as in Lambda, a crash fails the whole batch
            log.error(
                "%s failed; the batch returns after the visibility timeout:\n%s", self.name, traceback.format_exc()
            )
            return
        failed = set()
        if self.reports_failures and isinstance(response, dict):
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(position), "ReceiptHandle": message["ReceiptHandle"]}
                    for position, message in enumerate(done[start : start + 10])
                ],
            )

    def _record(self, message: dict) -> dict:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": REGION,
        }


class S3NotificationDelivery(_Poller):
    """S3 → Lambda is not available without Docker, so S3 notifies a local queue and this thread
    invokes the function with the S3 event, retrying like an asynchronous invocation; what fails every
    attempt goes to the function's on-failure destination, as Lambda sends it."""

    def __init__(self, stack, routes: list[tuple], queue_url: str):
        super().__init__(stack, "s3-notifications")
        self.routes = routes  # (bucket, prefix, suffix, function)
        self.queue_url = queue_url

    def poll_once(self) -> None:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])
        for message in messages:
            event = json.loads(message["Body"])
            attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            if self._deliver(event, attempt):
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _deliver(self, event: dict, attempt: int) -> bool:
        """True when the event is done with: delivered, or out of attempts (and sent to the destination)."""
        records = event.get("Records")
        if not records:  # s3:TestEvent and other non-object notifications
            return True
        done = True
        for bucket, prefix, suffix, function in self.routes:
            matching = [
                record
                for record in records
                if record["s3"]["bucket"]["name"] == bucket
                and unquote_plus(record["s3"]["object"]["key"]).startswith(prefix)
                and unquote_plus(record["s3"]["object"]["key"]).endswith(suffix)
            ]
            if not matching:
                continue
            request = {"Records": matching}
            try:
                function.invoke(request)
            except BaseException as error:  # a crashed invocation is retried, then given up
                log.error("%s failed on an S3 event:\n%s", function.spec.logical_id, traceback.format_exc())
                if attempt < function.spec.async_attempts:
                    done = False
                elif function.spec.on_failure_queue:
                    self._send_to_destination(function, request, error, attempt)
        return done

    def _send_to_destination(self, function, request: dict, error: BaseException, attempts: int) -> None:
        """The record Lambda sends to an on-failure destination after the last attempt."""
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function.spec.logical_id}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": request,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorType": type(error).__name__, "errorMessage": str(error)[:1000]},
        }
        queue_url = self.stack.queues[function.spec.on_failure_queue]
        self.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))


class ScheduledInvocation(threading.Thread):
    """An EventBridge schedule: invokes the function with a scheduled event at the template's rate, or
    every EASYCRM_SCHEDULE_SECONDS when that is set (the tests)."""

    def __init__(self, stack, function, properties: dict):
        super().__init__(name=f"{function.spec.logical_id}-schedule", daemon=True)
        self.stack = stack
        self.function = function
        override = os.environ.get("EASYCRM_SCHEDULE_SECONDS")
        self.period = float(override or _rate_seconds(stack.template.resolve(properties["Schedule"])))

    def run(self) -> None:
        while not self.stack.stop_event.wait(self.period):
            event = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": ACCOUNT_ID,
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": REGION,
                "resources": [],
                "detail": {},
            }
            try:
                self.function.invoke(event)
            except BaseException:  # the next tick tries again, as EventBridge would
                log.error("%s failed on its schedule:\n%s", self.function.spec.logical_id, traceback.format_exc())


def _rate_seconds(expression: str) -> int:
    match = _RATE.fullmatch(expression.strip())
    if not match:
        raise ValueError(f"the local stack runs schedules written as rate(N minutes|hours|days), not {expression!r}")
    return int(match.group(1)) * _RATE_UNIT_SECONDS[match.group(2).rstrip("s")]


def build_workers(stack) -> list[threading.Thread]:
    """One thread per S3 notification route, and per SQS mapping up to its MaximumConcurrency."""
    template = stack.template
    sqs, s3 = stack.client("sqs"), stack.client("s3")
    workers: list[threading.Thread] = []
    s3_routes: dict[str, list[tuple]] = {}
    for function in stack.functions.values():
        for event in function.spec.events:
            properties = event.properties
            if event.kind == "SQS":
                queue_logical_id = properties["Queue"]["Fn::GetAtt"][0]
                maximum = int(template.resolve(properties.get("ScalingConfig", {}).get("MaximumConcurrency", 2)))
                for instance in range(max(1, min(maximum, LOCAL_CONCURRENCY))):
                    workers.append(SqsEventSourceMapping(stack, function, queue_logical_id, properties, instance))
            elif event.kind == "Schedule":
                workers.append(ScheduledInvocation(stack, function, properties))
            elif event.kind == "S3":
                bucket = template.resolve(properties["Bucket"])
                rules = {
                    rule["Name"].lower(): rule["Value"]
                    for rule in properties.get("Filter", {}).get("S3Key", {}).get("Rules", [])
                }
                s3_routes.setdefault(bucket, []).append(
                    (bucket, rules.get("prefix", ""), rules.get("suffix", ""), function, properties["Events"])
                )
    for bucket, routes in s3_routes.items():
        queue_name = f"{bucket}-local-s3-events"[:80]
        queue_url = sqs.create_queue(
            QueueName=queue_name, Attributes={"VisibilityTimeout": str(S3_EVENT_VISIBILITY_SECONDS)}
        )["QueueUrl"]
        queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}"
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": queue_arn,
                        "Events": events if isinstance(events, list) else [events],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
                    }
                    for _, prefix, _, _, events in routes
                ]
            },
        )
        workers.append(S3NotificationDelivery(stack, [route[:4] for route in routes], queue_url))
    return workers

"""Event plumbing that AWS does for us: S3 notifications → Lambda, SQS event source mappings, schedules.

Each SQS event source mapping and each bucket's notification delivery runs in a process of its own,
like a separate Lambda container: the handlers use both cores, and none shares module state (Powertools
keeps some per process) with another. A worker finishes the invocation it is in and exits when the stack
stops, and exits by itself if the stack's process dies.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, unquote_plus

import boto3

from scripts.local_stack.template import ACCOUNT_ID, REGION, FunctionSpec

if TYPE_CHECKING:
    from scripts.local_stack.stack import LocalStack

log = logging.getLogger("easycrm.local")

S3_EVENT_VISIBILITY_SECONDS = 2
LOCAL_CONCURRENCY = int(os.environ.get("EASYCRM_LOCAL_CONCURRENCY", "4"))  # workers per SQS mapping
API_PROCESSES = int(os.environ.get("EASYCRM_API_PROCESSES", "3"))
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_RATE_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter, as a new Lambda container gets


# --- what runs in a worker process ------------------------------------------------------------------
@dataclass(frozen=True)
class SqsMapping:
    """An SQS event source: the queue, the function, and how the batches are handed over."""

    function: FunctionSpec
    queue_url: str
    queue_arn: str
    batch_size: int
    reports_failures: bool


@dataclass(frozen=True)
class S3Route:
    """One notification of a bucket: objects whose key has this prefix and suffix go to the function."""

    bucket: str
    prefix: str
    suffix: str
    event_patterns: tuple[str, ...]  # e.g. ("s3:ObjectCreated:*",)
    function: FunctionSpec

    def matches(self, record: dict) -> bool:
        key = unquote_plus(record["s3"]["object"]["key"])
        event_name = f"s3:{record.get('eventName', '')}"
        return (
            record["s3"]["bucket"]["name"] == self.bucket
            and key.startswith(self.prefix)
            and key.endswith(self.suffix)
            and any(fnmatchcase(event_name, pattern) for pattern in self.event_patterns)
        )


@dataclass(frozen=True)
class S3Delivery:
    """A bucket's notifications: the local queue S3 events wait in, and where they go."""

    queue_url: str
    routes: tuple[S3Route, ...]
    destination_urls: dict[str, str]  # on-failure destination queue logical id → URL


class _Worker:
    """The loop of a worker process: poll, invoke, settle, until told to stop."""

    def __init__(self, stop, name: str):
        self.stop = stop
        self.name = name
        self.sqs = boto3.session.Session().client("sqs", region_name=REGION)

    def run(self) -> None:
        _become_worker()
        os.nice(EVENT_WORKER_NICENESS)
        while not self.stop.is_set():
            try:
                self.poll_once()
            except BaseException:  # whatever a handler raises, the worker lives on
                if self.stop.is_set():
                    return
                log.error("local worker %s: %s", self.name, traceback.format_exc())
                self.stop.wait(1)

    def poll_once(self) -> None:
        raise NotImplementedError


class _SqsWorker(_Worker):
    """Polls a queue with the mapping's batch size and hands the messages to the function.

    Messages listed in `batchItemFailures` (or all, if the handler raises) stay on the queue and come
    back after the visibility timeout; SQS moves them to the DLQ after `maxReceiveCount` receives.
    """

    def __init__(self, stop, mapping: SqsMapping, instance: int):
        super().__init__(stop, f"{mapping.function.logical_id}-sqs-{instance}")
        self.mapping = mapping
        self.function = LocalFunction(mapping.function)

    def poll_once(self) -> None:
        mapping = self.mapping
        messages = self.sqs.receive_message(
            QueueUrl=mapping.queue_url,
            MaxNumberOfMessages=mapping.batch_size,
            WaitTimeSeconds=1,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return
        event = {"Records": [self._record(message) for message in messages]}
        try:
            response = self.function.invoke(event)
        except BaseException:  # as in Lambda, a crash fails the whole batch
            log.error(
                "%s failed; the batch returns after the visibility timeout:\n%s", self.name, traceback.format_exc()
            )
            return
        failed = set()
        if mapping.reports_failures and isinstance(response, dict):
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=mapping.queue_url,
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
            "eventSourceARN": self.mapping.queue_arn,
            "awsRegion": REGION,
        }


class _S3Worker(_Worker):
    """Invokes the functions a bucket notifies with each S3 event, retrying like an asynchronous
    invocation; what fails every attempt goes to the function's on-failure destination, as Lambda
    sends it."""

    def __init__(self, stop, delivery: S3Delivery):
        super().__init__(stop, "s3-notifications")
        self.delivery = delivery
        self.functions = {route.function.logical_id: LocalFunction(route.function) for route in delivery.routes}

    def poll_once(self) -> None:
        messages = self.sqs.receive_message(
            QueueUrl=self.delivery.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])
        for message in messages:
            event = json.loads(message["Body"])
            attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            if self._deliver(event, attempt):
                self.sqs.delete_message(QueueUrl=self.delivery.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _deliver(self, event: dict, attempt: int) -> bool:
        """True when the event is done with: delivered, or out of attempts (and sent to the destination)."""
        done = True
        for route in self.delivery.routes:
            matching = [record for record in event.get("Records", []) if route.matches(record)]
            if not matching:
                continue
            request = {"Records": matching}
            try:
                self.functions[route.function.logical_id].invoke(request)
            except BaseException as error:  # a crashed invocation is retried, then given up
                log.error("%s failed on an S3 event:\n%s", route.function.logical_id, traceback.format_exc())
                if attempt < route.function.async_attempts:
                    done = False
                elif route.function.on_failure_queue:
                    self._send_to_destination(route.function, route.function.on_failure_queue, request, error, attempt)
        return done

    def _send_to_destination(
        self, spec: FunctionSpec, destination: str, request: dict, error: BaseException, attempts: int
    ) -> None:
        """The record Lambda sends to the on-failure destination (a queue's logical id) after the last attempt."""
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{spec.logical_id}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": request,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorType": type(error).__name__, "errorMessage": str(error)[:1000]},
        }
        queue_url = self.delivery.destination_urls[destination]
        self.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))


def _run_sqs_worker(stop, mapping: SqsMapping, instance: int) -> None:
    _SqsWorker(stop, mapping, instance).run()


def _run_s3_worker(stop, delivery: S3Delivery) -> None:
    _S3Worker(stop, delivery).run()


# --- the handlers, as Lambda runs them ----------------------------------------------------------------
class LocalContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    def __init__(self, spec: FunctionSpec):
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = spec.memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{spec.logical_id}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = "local"
        self._timeout_ms = spec.timeout * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


class LocalFunction:
    """A function's handler in this process, loaded at its first invocation (its cold start).

    A named `instance` loads a separate copy of the handler's module, like a second container of the
    function in the same process (the dedup race test runs two side by side)."""

    def __init__(self, spec: FunctionSpec, instance: str | None = None):
        self.spec = spec
        self.instance = instance
        self._handler: Callable[[dict, LocalContext], Any] | None = None

    def _load(self) -> Callable[[dict, LocalContext], Any]:
        if self.instance is None:
            module = importlib.import_module(self.spec.module)
        else:
            found = importlib.util.find_spec(self.spec.module)
            if found is None or found.origin is None:
                raise ModuleNotFoundError(f"{self.spec.logical_id}: no module {self.spec.module}")
            name = f"{self.spec.module}__{self.instance}"
            module_spec = importlib.util.spec_from_file_location(name, Path(found.origin))
            if module_spec is None or module_spec.loader is None:
                raise ImportError(f"{self.spec.logical_id}: {found.origin} cannot be loaded as {name}")
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        return getattr(module, self.spec.handler)

    def invoke(self, event: dict) -> Any:
        handler = self._handler
        if handler is None:
            handler = self._handler = self._load()
        try:
            return handler(event, LocalContext(self.spec))
        finally:
            _discard_unpublished_metrics()


def _discard_unpublished_metrics() -> None:
    """Lambda flushes a function's metrics at the end of each invocation. Locally they are disabled, and
    Powertools then keeps them, so one process would pile up values until a metric reaches 100 and
    Powertools publishes it in the middle of a batch: drop them after every invocation instead."""
    from easycrm.observability import metrics

    metrics.clear_metrics()


_api_functions: dict[str, LocalFunction] = {}  # in an API worker process: the handlers it has loaded
# Event-source workers (the import) yield the cores to the services they wait on and to the API: on a
# busy 2-core machine a service that waits for a core holds up every worker waiting on its answer (a
# 10,000-row import with dynalite at a higher priority: 55 → 50 s, idle cores 0.30 → 0.21), and the web
# app stays quick while a file is imported.
EVENT_WORKER_NICENESS = 10


def _become_worker() -> None:
    """Set up a worker process: Ctrl-C is for the stack, which then stops its workers; and a worker whose
    stack died exits at once, mid-invocation if need be, as Lambda ends a container (else it would go on
    retrying calls to services that are gone)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def exit_when_orphaned() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=exit_when_orphaned, name="orphan-watch", daemon=True).start()


def _invoke_api_function(spec: FunctionSpec, event: dict) -> Any:
    function = _api_functions.get(spec.logical_id)
    if function is None:
        function = _api_functions[spec.logical_id] = LocalFunction(spec)
    return function.invoke(event)


class ApiFunctions:
    """The API's handlers in a few worker processes ("containers"): requests are served side by side, on
    both cores, and each process runs one invocation at a time, as a Lambda container does (Powertools
    keeps the current request in state every resolver of a process shares). As Lambda gives a request
    to the warm container that finished most recently, the idle process that served last takes the next
    one: requests in sequence find what the last one kept in memory (clients, the lead list's reads)."""

    def __init__(self, processes: int = API_PROCESSES):
        self._containers = [self._new_container() for _ in range(processes)]
        self._idle = list(self._containers)  # the most recently used last
        self._idle_changed = threading.Condition()

    @staticmethod
    def _new_container() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=1, mp_context=_SPAWN, initializer=_become_worker)

    def invoke(self, spec: FunctionSpec, event: dict) -> Any:
        with self._idle_changed:
            self._idle_changed.wait_for(lambda: bool(self._idle))
            container = self._idle.pop()
        try:
            return container.submit(_invoke_api_function, spec, event).result()
        except BrokenProcessPool:  # it died (as a container can): a fresh one takes its place
            replacement = self._new_container()
            self._containers[self._containers.index(container)] = replacement
            container = replacement
            raise
        finally:
            with self._idle_changed:
                self._idle.append(container)
                self._idle_changed.notify()

    def stop(self) -> None:
        for container in self._containers:
            container.shutdown(wait=True, cancel_futures=True)


# --- what runs in the stack's process -------------------------------------------------------------------
class S3NotificationRelay:
    """Turns the object changes s3rver reports into the buckets' notifications: each event a route
    wants is queued for its bucket's delivery worker, its key URL-encoded as S3 sends it."""

    def __init__(self, routes: list[S3Route], queue_urls: dict[str, str]):
        self.routes = routes
        self.queue_urls = queue_urls  # bucket → local events queue
        self.sqs = boto3.session.Session().client("sqs", region_name=REGION)

    def __call__(self, event: dict) -> None:
        for record in event.get("Records", []):
            record["s3"]["object"]["key"] = quote_plus(record["s3"]["object"]["key"], safe="/")
            record["eventSource"] = "aws:s3"
            if any(route.matches(record) for route in self.routes):
                bucket = record["s3"]["bucket"]["name"]
                self.sqs.send_message(QueueUrl=self.queue_urls[bucket], MessageBody=json.dumps({"Records": [record]}))


class ScheduledInvocation(threading.Thread):
    """An EventBridge schedule: invokes the function with a scheduled event at the template's rate, or
    every EASYCRM_SCHEDULE_SECONDS when that is set (the tests)."""

    def __init__(self, stop: threading.Event, function: LocalFunction, rate: str):
        super().__init__(name=f"{function.spec.logical_id}-schedule", daemon=True)
        self.stop = stop
        self.function = function
        override = os.environ.get("EASYCRM_SCHEDULE_SECONDS")
        self.period = float(override or _rate_seconds(rate))

    def run(self) -> None:
        while not self.stop.wait(self.period):
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


class Workers:
    """Every event source of the template, started together and stopped together."""

    def __init__(self, stack: LocalStack):
        self.stack = stack
        self._stop_processes = _SPAWN.Event()
        self._stop_threads = threading.Event()
        self._processes: list[multiprocessing.process.BaseProcess] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        stack, template = self.stack, self.stack.template
        routes: list[S3Route] = []
        for function in stack.functions.values():
            for event in function.spec.events:
                properties = event.properties
                if event.kind == "SQS":
                    self._start_sqs(function.spec, properties)
                elif event.kind == "Schedule":
                    rate = template.resolve(properties["Schedule"])
                    self._threads.append(ScheduledInvocation(self._stop_threads, LocalFunction(function.spec), rate))
                elif event.kind == "S3":
                    rules = {
                        rule["Name"].lower(): rule["Value"]
                        for rule in properties.get("Filter", {}).get("S3Key", {}).get("Rules", [])
                    }
                    events = properties["Events"]
                    routes.append(
                        S3Route(
                            bucket=template.resolve(properties["Bucket"]),
                            prefix=rules.get("prefix", ""),
                            suffix=rules.get("suffix", ""),
                            event_patterns=tuple(events if isinstance(events, list) else [events]),
                            function=function.spec,
                        )
                    )
        self._start_s3(routes)
        for thread in self._threads:
            thread.start()

    def _start_sqs(self, spec: FunctionSpec, properties: dict) -> None:
        template = self.stack.template
        queue_logical_id = properties["Queue"]["Fn::GetAtt"][0]
        mapping = SqsMapping(
            function=spec,
            queue_url=self.stack.queues[queue_logical_id],
            queue_arn=template.physical[queue_logical_id]["Arn"],
            batch_size=min(int(template.resolve(properties.get("BatchSize", 10))), 10),
            reports_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
        )
        maximum = int(template.resolve(properties.get("ScalingConfig", {}).get("MaximumConcurrency", 2)))
        for instance in range(max(1, min(maximum, LOCAL_CONCURRENCY))):
            self._spawn(_run_sqs_worker, mapping, instance)

    def _start_s3(self, routes: list[S3Route]) -> None:
        """One local queue and one delivery worker per notifying bucket, fed by the relay."""
        sqs = self.stack.client("sqs")
        queue_urls: dict[str, str] = {}
        for bucket in dict.fromkeys(route.bucket for route in routes):
            queue_urls[bucket] = sqs.create_queue(
                QueueName=f"{bucket}-local-s3-events"[:80],
                Attributes={"VisibilityTimeout": str(S3_EVENT_VISIBILITY_SECONDS)},
            )["QueueUrl"]
            bucket_routes = tuple(route for route in routes if route.bucket == bucket)
            destinations = {
                route.function.on_failure_queue: self.stack.queues[route.function.on_failure_queue]
                for route in bucket_routes
                if route.function.on_failure_queue
            }
            self._spawn(_run_s3_worker, S3Delivery(queue_urls[bucket], bucket_routes, destinations))
        self.stack.notify_s3(S3NotificationRelay(routes, queue_urls))

    def _spawn(self, target: Callable[..., None], *arguments: object) -> None:
        process = _SPAWN.Process(target=target, args=(self._stop_processes, *arguments), daemon=True)
        process.start()
        self._processes.append(process)

    def stop(self, timeout: float = 60) -> None:
        self._stop_processes.set()
        self._stop_threads.set()
        for process in self._processes:
            process.join(timeout=timeout)
            if process.is_alive():
                process.terminate()
        for thread in self._threads:
            thread.join(timeout=timeout)

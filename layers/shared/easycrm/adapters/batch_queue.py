"""Sends batch messages to SQS with SendMessageBatch, within SQS's count and size limits."""

from __future__ import annotations

import time

from easycrm.adapters import aws

MAX_ENTRIES = 10
MAX_REQUEST_BYTES = 250_000  # SQS allows 256 KiB for the whole request; keep a margin
MAX_MESSAGE_BYTES = MAX_REQUEST_BYTES  # a larger batch body goes to S3 and the message points at it
_SEND_ATTEMPTS = 5
_DEPTH_ATTRIBUTES = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


class MessageTooLarge(ValueError):
    pass


class BatchQueue:
    def __init__(self, queue_url: str):
        self._queue_url = queue_url
        self._sqs = aws.client("sqs")
        self._pending: list[tuple[str, str]] = []
        self._pending_bytes = 0

    def add(self, message_id: str, text: str) -> None:
        """Queue one JSON message body (sent in groups of up to 10 by flush)."""
        size = len(text.encode("utf-8"))
        if size > MAX_MESSAGE_BYTES:
            raise MessageTooLarge(f"message {message_id} is {size} bytes")
        if len(self._pending) == MAX_ENTRIES or self._pending_bytes + size > MAX_REQUEST_BYTES:
            self.flush()
        self._pending.append((message_id, text))
        self._pending_bytes += size

    def flush(self) -> None:
        entries = [{"Id": message_id, "MessageBody": text} for message_id, text in self._pending]
        self._pending, self._pending_bytes = [], 0
        for attempt in range(_SEND_ATTEMPTS):
            if not entries:
                return
            response = self._sqs.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            failed_ids = {failure["Id"] for failure in response.get("Failed", [])}
            entries = [entry for entry in entries if entry["Id"] in failed_ids]
            if entries:
                time.sleep(0.2 * 2**attempt)
        raise RuntimeError(f"SQS refused {len(entries)} batch messages after {_SEND_ATTEMPTS} attempts")

    def holds_messages(self) -> bool:
        """Whether any batch is still waiting, in flight or delayed (SQS's approximate counts)."""
        attributes = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=_DEPTH_ATTRIBUTES)
        return any(int(value) for value in attributes.get("Attributes", {}).values())

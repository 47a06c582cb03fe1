"""The local stack's moto server (SQS and Cognito), run as `python -m scripts.local_stack.moto_process`.

Prints `port N` once it listens on 127.0.0.1 and serves until its stdin closes (its parent stopped
or died), so no orphan is left behind.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server


# The functions below patch moto's SQS classes in place, deliberately: mypy refuses any assignment to a
# method or a read-only property of a class, hence the `type: ignore`s on those lines.
def _speed_up_moto_sqs_receive() -> None:
    """moto checks each received message's retention by building the queue's full attribute set,
    which counts every message in the queue: receiving from a queue of N messages costs O(N) per
    message, and a 50,000-row import (5,000 queued batches) slows to a crawl. Read the one attribute
    directly instead; the behaviour is unchanged."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def is_message_valid_based_on_retention_period(self, queue_name, message) -> bool:
        retention_seconds = int(self.get_queue(queue_name).message_retention_period)
        return retention_seconds + message.sent_timestamp / 1000 > unix_time()

    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )


def _speed_up_moto_sqs_counts() -> None:
    """moto recounts a queue's messages whenever it builds the queue's attributes, which it does for every
    message sent, in three passes that each read the clock (through datetime) once per message: sending N
    batches cost O(N²) clock reads. Each count now reads the clock once; the numbers are the same."""
    from moto.sqs.models import Message, Queue

    def now_ms() -> float:
        return time.time() * 1000

    def visible(self) -> bool:
        return now_ms() > self.visible_at

    def delayed(self) -> bool:
        return now_ms() < self.delayed_until

    def messages(self) -> list:
        now = now_ms()
        return [message for message in self._messages if now > message.visible_at and not now < message.delayed_until]

    def approximate_number_of_messages(self) -> int:
        return len(self.messages)

    def approximate_number_of_messages_delayed(self) -> int:
        now = now_ms()
        return sum(1 for message in self._messages if now < message.delayed_until)

    def approximate_number_of_messages_not_visible(self) -> int:
        now = now_ms()
        return sum(1 for message in self._messages if not now > message.visible_at)

    Message.visible = property(visible)  # type: ignore[method-assign, assignment]
    Message.delayed = property(delayed)  # type: ignore[method-assign, assignment]
    Queue.messages = property(messages)  # type: ignore[method-assign, assignment]
    Queue.approximate_number_of_messages = property(  # type: ignore[method-assign, assignment]
        approximate_number_of_messages
    )
    Queue.approximate_number_of_messages_delayed = property(  # type: ignore[method-assign, assignment]
        approximate_number_of_messages_delayed
    )
    Queue.approximate_number_of_messages_not_visible = property(  # type: ignore[method-assign, assignment]
        approximate_number_of_messages_not_visible
    )


def _make_moto_sqs_thread_safe() -> None:
    """moto's SQS queue is a list that DeleteMessage rebuilds while SendMessage appends to it under a lock
    the rebuild does not take: a message sent during a delete can vanish (a 50,000-row import lost 5 of
    its 5,000 batches). Deleting and receiving take the queue's lock too; a long poll's wait releases it."""
    from moto.sqs.models import Queue, SQSBackend

    delete_message = Queue.delete_message
    receive_message = SQSBackend.receive_message

    def locked_delete_message(self, receipt_handle):
        with self._messages_lock:
            return delete_message(self, receipt_handle)

    def locked_receive_message(self, queue_name, *args, **kwargs):
        with self.get_queue(queue_name)._messages_lock:
            return receive_message(self, queue_name, *args, **kwargs)

    Queue.delete_message = locked_delete_message  # type: ignore[method-assign]
    SQSBackend.receive_message = locked_receive_message  # type: ignore[method-assign]


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 so boto3 reuses its connections instead of opening one per call; without Nagle's
    algorithm, or each answer's body (written after its headers) would wait 40 ms for a delayed ACK."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _speed_up_moto_sqs_receive()
    _speed_up_moto_sqs_counts()
    _make_moto_sqs_thread_safe()
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_KeepAliveHandler)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    print(f"port {server.server_address[1]}", flush=True)
    sys.stdin.read()  # returns at EOF: the parent is gone
    server.shutdown()


if __name__ == "__main__":
    main()

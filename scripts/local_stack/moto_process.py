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

COUNT_SECONDS = 1.0  # how long a queue's approximate message counts are reused


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

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period


def _speed_up_moto_sqs_counts() -> None:
    """moto recounts a queue's messages whenever it builds the queue's attributes, which it does for every
    message sent (three passes over the queue, each asking the clock per message): sending N batches costs
    O(N²). SQS's counts are approximate (AWS: eventually consistent, up to a minute late), so a count
    is kept for a second; a message's visibility and delay are checked against one cheap clock read."""
    from moto.sqs.models import Message, Queue

    def visible(self) -> bool:
        return time.time() * 1000 > self.visible_at

    def delayed(self) -> bool:
        return time.time() * 1000 < self.delayed_until

    Message.visible = property(visible)
    Message.delayed = property(delayed)

    for name in (
        "approximate_number_of_messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    ):
        count = getattr(Queue, name).fget

        def recent_count(self, count=count, name=name) -> int:
            counted = self.__dict__.setdefault("_recent_counts", {})
            now = time.monotonic()
            if name not in counted or now - counted[name][0] > COUNT_SECONDS:
                counted[name] = (now, count(self))
            return counted[name][1]

        setattr(Queue, name, property(recent_count))


class _KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 so boto3 reuses its connections instead of opening one per call."""

    protocol_version = "HTTP/1.1"


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _speed_up_moto_sqs_receive()
    _speed_up_moto_sqs_counts()
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_KeepAliveHandler)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    print(f"port {server.server_address[1]}", flush=True)
    sys.stdin.read()  # returns at EOF: the parent is gone
    server.shutdown()


if __name__ == "__main__":
    main()

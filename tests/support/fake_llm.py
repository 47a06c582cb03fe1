"""A scriptable OpenAI-compatible chat server on 127.0.0.1, so LLM code is tested over real HTTP.

    with FakeLlmServer() as server:
        server.script([Reply.error(429, retry_after="1"), Reply.blank(), Reply.well()])
        client = DeepSeekClient(base_url=server.base_url, ...)
        ...
        assert server.requests[-1].body["thinking"] == {"type": "disabled"}

Each request takes the next scripted `Reply`; once the script runs out, every request gets the
server's default reply (`Reply.well()` unless given). Every request is recorded.
"""

from __future__ import annotations

import json
import string
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from easycrm.models import INDUSTRIES


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any

    def message(self, role: str) -> str:
        """The content of the first chat message with `role`."""
        return next(m["content"] for m in self.body["messages"] if m["role"] == role)

    @property
    def system(self) -> str:
        return self.message("system")

    @property
    def user(self) -> str:
        return self.message("user")


@dataclass(frozen=True)
class Reply:
    """What the server does with one request: wait, then answer `status` with chat `content` or an error."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    content: Callable[[RecordedRequest], str] | None = None
    error_message: str = "error"

    @classmethod
    def well(cls) -> Reply:
        """What a careful model answers: each value re-cased (an industry from the list, a name split before
        its last word), and no suggestion for a header."""
        return cls.values(lambda field, values: None)

    @classmethod
    def values(cls, edit: Callable[[str, list[Any]], list[Any] | None]) -> Reply:
        """The careful answer to a request for values, after `edit(field, answers)` changed the answers in
        place (or returned new ones)."""

        def content(request: RecordedRequest) -> str:
            document = json.loads(request.user)
            if "columns" in document:
                return json.dumps({"columns": []})
            answers = [_tidied(document["field"], value) for value in document["values"]]
            edited = edit(document["field"], answers)
            return json.dumps({"values": answers if edited is None else edited})

        return cls(content=content)

    @classmethod
    def slow(cls, seconds: float) -> Reply:
        """The well-behaved answer, after `seconds` (longer than the client's timeout to force one)."""
        return cls(delay_seconds=seconds, content=cls.well().content)

    @classmethod
    def error(cls, status: int, *, retry_after: str | None = None, message: str = "error") -> Reply:
        """An HTTP error with an OpenAI-style error body and, optionally, a Retry-After header."""
        headers = {} if retry_after is None else {"Retry-After": retry_after}
        return cls(status=status, headers=headers, error_message=message)

    @classmethod
    def text(cls, content: str) -> Reply:
        """A successful completion whose message content is exactly `content`."""
        return cls(content=lambda request: content)

    @classmethod
    def answer(cls, answer: Any) -> Reply:
        """A successful completion whose message content is `answer` as JSON."""
        return cls.text(json.dumps(answer))

    @classmethod
    def blank(cls) -> Reply:
        return cls.text("")

    @classmethod
    def broken_json(cls) -> Reply:
        return cls.text('{"leads": [{"i": 0, "name": ')


class FakeLlmServer:
    """An OpenAI-compatible `POST /chat/completions` endpoint on a free port of 127.0.0.1."""

    def __init__(self, default: Reply | None = None) -> None:
        self._default = default or Reply.well()
        self._script: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._in_flight = 0
        self.most_in_flight = 0  # the most requests it was answering at one moment
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-llm", daemon=True
        )

    @property
    def base_url(self) -> str:
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def script(self, replies: Iterable[Reply]) -> None:
        """Queue replies for the next requests, in order."""
        with self._lock:
            self._script.extend(replies)

    def __enter__(self) -> FakeLlmServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()  # wakes slow replies so shutdown does not wait for them
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            return self._script.popleft() if self._script else self._default


def _handler_for(server: FakeLlmServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            request = RecordedRequest("POST", self.path, dict(self.headers.items()), body)
            reply = server._next_reply(request)
            with server._lock:
                server._in_flight += 1
                server.most_in_flight = max(server.most_in_flight, server._in_flight)
            try:
                stopping = server._stopping.wait(reply.delay_seconds)
            finally:
                with server._lock:
                    server._in_flight -= 1
            if stopping:
                return
            if self.path != "/chat/completions":
                self._send(404, {}, _error_body("not found"))
            elif reply.status != 200 or reply.content is None:
                self._send(reply.status, reply.headers, _error_body(reply.error_message))
            else:
                model = body.get("model", "") if isinstance(body, dict) else ""
                self._send(200, reply.headers, _completion(model, reply.content(request)))

        def _send(self, status: int, headers: dict[str, str], body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                for name, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timed out) before the answer was ready

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests assert on recorded requests, not on access logs."""

    return Handler


def _completion(model: str, content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},  # callers count characters
    }


def _error_body(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "fake_error", "code": None}}


def _tidied(field: str, value: str) -> Any:
    """What a careful model makes of one value: capitalized words, a listed industry, a name's split."""
    if field == "name":
        *first, last = value.split()
        return [" ".join(first), last]
    if field == "industry":
        return next((known for known in INDUSTRIES if value.casefold() in known.casefold()), value)
    return string.capwords(value)

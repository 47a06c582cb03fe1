"""DeepSeekClient against a real HTTP server: request shape, retries, backoff and error mapping."""

from __future__ import annotations

import logging
import socket

import pytest
from easycrm.adapters.deepseek import DeepSeekClient
from easycrm.errors import LlmAuthError, LlmBalanceExhausted, LlmError, LlmRequestRejected, LlmUnavailable
from easycrm.settings import Settings

from tests.support.fake_llm import FakeLlmServer, Reply

API_KEY = "sk-test-7f3a9c0b1d2e4f5a"
ANSWER = {"ok": True, "items": [1, 2]}


@pytest.fixture
def server():
    with FakeLlmServer(default=Reply.answer(ANSWER)) as server:
        yield server


@pytest.fixture
def delays() -> list[float]:
    """The backoff delays the client asked for, recorded instead of slept."""
    return []


@pytest.fixture
def make_client(server, delays):
    def make(**overrides) -> DeepSeekClient:
        options = {
            "base_url": server.base_url,
            "api_key": API_KEY,
            "model": "deepseek-v4-flash",
            "timeout_seconds": 2.0,
            "max_retries": 3,
            "sleep": delays.append,
        }
        return DeepSeekClient(**{**options, **overrides})

    return make


def ask(client: DeepSeekClient) -> dict:
    return client.complete_json(system='Answer in json, e.g. {"ok": true}.', user='{"question": "ok?"}')


def test_returns_the_answer_of_a_json_mode_request_without_thinking(server, make_client):
    answer = make_client().complete_json(system="Reply in json.", user="data", max_tokens=321)

    assert answer == ANSWER
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/chat/completions")
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.body["model"] == "deepseek-v4-flash"
    assert request.body["thinking"] == {"type": "disabled"}
    assert request.body["response_format"] == {"type": "json_object"}
    assert request.body["max_tokens"] == 321
    assert (request.system, request.user) == ("Reply in json.", "data")


def test_from_settings_uses_the_deepseek_settings(server):
    settings = Settings(
        llm_provider="deepseek",
        deepseek_api_key=API_KEY,
        deepseek_base_url=server.base_url,
        deepseek_model="deepseek-v4-pro",
        deepseek_max_retries=0,
    )
    server.script([Reply.error(503)])

    with pytest.raises(LlmUnavailable):
        ask(DeepSeekClient.from_settings(settings))

    [request] = server.requests
    assert request.body["model"] == "deepseek-v4-pro"
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(server, make_client, delays, status):
    server.script([Reply.error(status)])

    assert ask(make_client()) == ANSWER
    assert len(server.requests) == 2
    assert len(delays) == 1


@pytest.mark.parametrize(
    "reply",
    [Reply.blank(), Reply.broken_json(), Reply.text("[1, 2]"), Reply.text("   ")],
    ids=["blank", "broken-json", "not-an-object", "whitespace"],
)
def test_unusable_answers_are_retried(server, make_client, reply):
    server.script([reply])

    assert ask(make_client()) == ANSWER
    assert len(server.requests) == 2


def test_gives_up_with_llm_unavailable_after_max_retries(server, make_client, delays):
    server.script([Reply.error(503)] * 4)

    with pytest.raises(LlmUnavailable, match=r"HTTP 503.*4 attempt"):
        ask(make_client(max_retries=3))

    assert len(server.requests) == 4
    assert len(delays) == 3


def test_backoff_uses_full_jitter_in_a_growing_capped_window(server, make_client, delays):
    server.script([Reply.error(500)] * 5)

    with pytest.raises(LlmUnavailable):
        ask(make_client(max_retries=4, backoff_base_seconds=0.5, backoff_max_seconds=1.5))

    windows = [0.5, 1.0, 1.5, 1.5]
    assert all(0 <= delay <= window for delay, window in zip(delays, windows, strict=True))


def test_retry_after_is_honoured(server, make_client, delays):
    server.script([Reply.error(429, retry_after="2")])

    assert ask(make_client(backoff_base_seconds=0.5)) == ANSWER
    [delay] = delays
    assert 2 <= delay <= 2.5


def test_retry_after_is_capped(server, make_client, delays):
    server.script([Reply.error(429, retry_after="3600")])

    ask(make_client(backoff_max_seconds=20))

    assert delays == [20]


def test_retry_after_as_a_date_falls_back_to_backoff(server, make_client, delays):
    server.script([Reply.error(503, retry_after="Wed, 21 Oct 2026 07:28:00 GMT")])

    ask(make_client(backoff_base_seconds=0.5))

    [delay] = delays
    assert 0 <= delay <= 0.5


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, LlmRequestRejected), (422, LlmRequestRejected), (401, LlmAuthError), (402, LlmBalanceExhausted)],
)
def test_errors_that_a_retry_cannot_fix_are_raised_at_once(server, make_client, delays, status, error):
    server.script([Reply.error(status)])

    with pytest.raises(error, match=f"HTTP {status}"):
        ask(make_client())

    assert len(server.requests) == 1
    assert delays == []


def test_a_rejected_request_says_why(server, make_client):
    server.script([Reply.error(400, message="response_format json_object needs the word json in the prompt")])

    with pytest.raises(LlmRequestRejected, match="needs the word json"):
        ask(make_client())


def test_other_statuses_are_plain_llm_errors_without_retry(server, make_client):
    server.script([Reply.error(404)])

    with pytest.raises(LlmError, match="HTTP 404") as raised:
        ask(make_client())

    assert type(raised.value) is LlmError
    assert len(server.requests) == 1


def test_a_timeout_is_retried(server, make_client):
    server.script([Reply.slow(5)])

    assert ask(make_client(timeout_seconds=0.3)) == ANSWER
    assert len(server.requests) == 2


def test_timeouts_on_every_attempt_make_the_service_unavailable(server, make_client):
    server.script([Reply.slow(5)] * 2)

    with pytest.raises(LlmUnavailable, match="timed out"):
        ask(make_client(timeout_seconds=0.3, max_retries=1))


def test_a_refused_connection_is_retried_then_unavailable(make_client, delays):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with pytest.raises(LlmUnavailable, match="connection failed"):
        ask(make_client(base_url=f"http://127.0.0.1:{closed_port}", max_retries=2))

    assert len(delays) == 2


def test_retries_are_logged_as_warnings_on_the_easycrm_llm_logger(server, make_client, caplog):
    server.script([Reply.error(503)])

    with caplog.at_level(logging.WARNING, logger="easycrm.llm"):
        ask(make_client())

    [record] = [r for r in caplog.records if r.name == "easycrm.llm"]
    assert record.levelno == logging.WARNING
    assert "HTTP 503" in record.getMessage()


def test_the_api_key_never_shows_in_errors_logs_or_repr(server, make_client, caplog):
    server.script(
        [Reply.error(429), Reply.slow(5), Reply.error(401)]
        + [Reply.error(400, message=f"Invalid key {API_KEY} for this request")]
        + [Reply.error(500)] * 2
    )
    client = make_client(timeout_seconds=0.3, max_retries=1)
    messages = []

    with caplog.at_level(logging.DEBUG):
        for _ in range(4):
            with pytest.raises(LlmError) as raised:
                ask(client)
            messages.append(str(raised.value))

    assert len(server.requests) == 6
    assert "***" in messages[2]
    assert all(API_KEY not in message for message in messages)
    assert API_KEY not in caplog.text
    assert API_KEY not in repr(client)

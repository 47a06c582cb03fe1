"""ValueAdvisor with the DeepSeek client over real HTTP to the tests' OpenAI-compatible server: the request
shape, back-off, fallback, and what the upload says when the model is unavailable."""

from __future__ import annotations

import json

import pytest
from easycrm.adapters.deepseek import DeepSeekClient
from easycrm.importing.value_advice import DistinctValues, ValueAdvisor, cache_key, improved_values

from tests.support.fake_llm import FakeLlmServer, Reply
from tests.support.fake_pipeline import FakePipeline, csv_bytes
from tests.support.fakes import FakeValueCache

API_KEY = "sk-test-0a1b2c3d4e5f"


@pytest.fixture
def server():
    with FakeLlmServer() as server:
        yield server


@pytest.fixture
def delays() -> list[float]:
    return []


def client(server: FakeLlmServer, delays: list[float], retries: int = 2) -> DeepSeekClient:
    return DeepSeekClient(
        base_url=server.base_url,
        api_key=API_KEY,
        model="deepseek-v4-flash",
        timeout_seconds=2.0,
        max_retries=retries,
        sleep=delays.append,
    )


def distinct(**fields: list[str]) -> DistinctValues:
    values = DistinctValues()
    for name, items in fields.items():
        for item in items:
            values.add({name: item})
    return values


def test_one_short_json_mode_request_per_field_and_only_values_travel(server, delays):
    cache = FakeValueCache()
    report = ValueAdvisor(client(server, delays), cache, concurrency=2).resolve(
        distinct(company=["acme inc", "globex gmbh"], industry=["consulting"])
    )
    assert (report.calls, report.improved) == (2, 3)
    bodies = [request.body for request in server.requests]
    assert all(body["response_format"] == {"type": "json_object"} for body in bodies)
    assert all(body["thinking"] == {"type": "disabled"} for body in bodies)
    assert all(len(request.system) < 1_000 and "json" in request.system for request in server.requests)
    sent = sorted(
        (json.loads(request.user)["field"], json.loads(request.user)["values"]) for request in server.requests
    )
    assert sent == [("company", ["acme inc", "globex gmbh"]), ("industry", ["consulting"])]
    assert cache.items[cache_key("company", "acme inc")] == "Acme Inc"
    assert cache.items[cache_key("industry", "consulting")] == "Consulting"


def test_a_429_is_waited_out_as_retry_after_says_and_then_answered(server, delays):
    server.script([Reply.error(429, retry_after="3"), Reply.well()])
    cache = FakeValueCache()
    report = ValueAdvisor(client(server, delays), cache).resolve(distinct(title=["vp sales"]))
    assert (report.calls, report.failed_calls, len(delays)) == (1, 0, 1)
    assert 3.0 <= delays[0] <= 4.0  # Retry-After, plus a little jitter
    assert improved_values(cache, [{"title": "vp sales"}]) == [{"title": "Vp Sales"}]


@pytest.mark.parametrize("failure", [Reply.error(503), Reply.broken_json(), Reply.blank()])
def test_a_model_that_keeps_failing_leaves_the_rule_values_and_caches_nothing(server, delays, failure):
    server.script([failure] * 3)
    cache = FakeValueCache()
    report = ValueAdvisor(client(server, delays), cache).resolve(distinct(source=["trade show"]))
    assert (report.calls, report.failed_calls, report.stopped, cache.items) == (1, 1, None, {})
    assert len(server.requests) == 3  # the first try and two retries
    assert improved_values(cache, [{"source": "trade show"}]) == [{"source": "trade show"}]


def test_the_upload_says_when_the_model_was_unavailable_or_out_of_balance(server, delays):
    pipeline = FakePipeline.build(batch_size=10)
    splitter = pipeline.splitter()
    splitter.value_advisor = ValueAdvisor(client(server, delays, retries=0), pipeline.value_cache)
    rows = [["Email", "Company"], ["ada@example.com", "acme inc"]]

    server.script([Reply.error(503)])
    upload_id = pipeline.upload("down.csv", csv_bytes(rows))
    assert splitter.split(pipeline.key(upload_id)) == "split"
    pipeline.deliver(pipeline.receive())
    record = pipeline.record(upload_id)
    assert (record["status"], record["created"]) == ("completed", 1)
    assert record["llmError"].startswith("The AI service failed 1 of 1 requests")

    server.script([Reply.error(402, message="Insufficient Balance")])
    broke = pipeline.upload("broke.csv", csv_bytes(rows))
    splitter.split(pipeline.key(broke))
    assert "balance" in pipeline.record(broke)["llmError"].lower()

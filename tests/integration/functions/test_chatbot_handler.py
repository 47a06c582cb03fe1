"""The chatbot handler as deployed: wiring, the chat's own DeepSeek budget, and upload ownership.

The chat service's behaviour is tested in test_chat_*; these tests check what the handler adds.
"""

from __future__ import annotations

import json

from scripts.local_stack.apigw import proxy_event
from tests.integration.conftest import OWNER
from tests.support.fake_llm import Reply

GROUP_BY_SOURCE = {"action": "group_by", "group_by": "source", "top": 3}


def ask(stack, message: str, claims: dict | None = OWNER, history: list | None = None) -> tuple[int, dict]:
    event = proxy_event("POST", "/chatbot", body={"message": message, "history": history or []}, claims=claims)
    response = stack.function("chatbot").invoke(event)
    return response["statusCode"], json.loads(response["body"])


def use_deepseek(monkeypatch, wiring, server) -> None:
    monkeypatch.setenv("LLM_PROVIDER", "deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test-chat-handler")
    monkeypatch.setenv("DEEPSEEK_BASE_URL", server.base_url)
    wiring.reset()


def test_offline_by_default(stack, wiring):
    status, body = ask(stack, "leads by source")
    assert status == 200
    assert body["interpreter"] == "offline"
    assert body["query"]["group_by"] == "source"


def test_deepseek_translates_when_configured(stack, wiring, monkeypatch, fake_llm):
    use_deepseek(monkeypatch, wiring, fake_llm)
    fake_llm.script([Reply.answer({"query": GROUP_BY_SOURCE}), Reply.answer({"cannot_answer": "no wording"})])
    status, body = ask(stack, "Where do our leads come from?")
    assert status == 200, body
    assert body["interpreter"] == "deepseek"
    assert body["query"]["group_by"] == "source" and body["query"]["top"] == 3
    assert "Where do our leads come from?" in json.dumps(fake_llm.requests[0].body)
    assert "sk-test-chat-handler" in fake_llm.requests[0].headers.get("Authorization", "")


def test_a_failing_model_is_asked_once_then_the_offline_parser_answers(stack, wiring, monkeypatch, fake_llm):
    """The chat's model calls are not retried (API Gateway gives up after 29 s); the answer still comes."""
    use_deepseek(monkeypatch, wiring, fake_llm)
    monkeypatch.setenv("DEEPSEEK_MAX_RETRIES", "4")  # the pipeline's setting does not apply to the chat
    wiring.reset()
    fake_llm.script([Reply.error(503), Reply.error(503), Reply.error(503)])
    status, body = ask(stack, "leads by source")
    assert status == 200, body
    assert len(fake_llm.requests) == 1
    assert body["interpreter"] == "offline" and body["query"]["group_by"] == "source"
    assert body["note"]


def test_signed_out_is_401_and_a_bad_body_is_400(stack, wiring):
    status, body = ask(stack, "leads by source", claims=None)
    assert status == 401 and body["error"]["code"] == "UNAUTHORIZED"
    event = proxy_event("POST", "/chatbot", body={"history": []}, claims=OWNER)
    response = stack.function("chatbot").invoke(event)
    assert response["statusCode"] == 400
    assert "message" in json.loads(response["body"])["error"]["message"]

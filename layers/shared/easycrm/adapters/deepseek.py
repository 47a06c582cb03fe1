"""A small client for DeepSeek's OpenAI-compatible chat API that answers with JSON objects.

It retries only what can succeed later (rate limits, server errors, timeouts, blank or broken
answers) and turns everything else into an `LlmError` whose message is safe to show a user: the API
key never appears in an exception or a log line.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import requests

from easycrm.errors import LlmAuthError, LlmBalanceExhausted, LlmError, LlmRequestRejected, LlmUnavailable
from easycrm.settings import Settings

logger = logging.getLogger("easycrm.llm")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
CONNECT_TIMEOUT_SECONDS = 5.0
_PROVIDER_MESSAGE_MAX_LENGTH = 200


class _TransientFailure(Exception):
    """One attempt failed in a way a later attempt may not."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class DeepSeekClient:
    """Sends one system + user message pair and returns the model's answer as a parsed JSON object."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout_seconds: float = 30.0,
        max_retries: int = 4,
        backoff_base_seconds: float = 0.5,
        backoff_max_seconds: float = 20.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/chat/completions"
        self._api_key = api_key
        self.model = model
        self._timeout = (min(CONNECT_TIMEOUT_SECONDS, timeout_seconds), timeout_seconds)
        self._max_retries = max_retries
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self._session = session or requests.Session()
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings) -> DeepSeekClient:
        return cls(
            base_url=settings.deepseek_base_url,
            api_key=settings.deepseek_api_key,
            model=settings.deepseek_model,
            timeout_seconds=settings.deepseek_timeout_seconds,
            max_retries=settings.deepseek_max_retries,
        )

    def __repr__(self) -> str:
        return f"DeepSeekClient(url={self._url!r}, model={self.model!r})"

    def complete_json(self, *, system: str, user: str, max_tokens: int = 4096) -> dict[str, Any]:
        """The JSON object in `choices[0].message.content`, after up to `max_retries` retries."""
        payload = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "response_format": {"type": "json_object"},
            "thinking": {"type": "disabled"},
            "max_tokens": max_tokens,
            "stream": False,
        }
        attempts = self._max_retries + 1
        for attempt in itertools.count(1):
            try:
                return self._attempt(payload)
            except _TransientFailure as failure:
                if attempt == attempts:
                    raise LlmUnavailable(
                        f"The AI service is unavailable ({failure.reason}) after {attempts} attempt(s)."
                    ) from None
                delay = self._backoff(attempt, failure.retry_after)
                logger.warning(
                    "DeepSeek attempt %d/%d failed (%s); retrying in %.2f s", attempt, attempts, failure.reason, delay
                )
                self._sleep(delay)
        raise AssertionError("unreachable: itertools.count never ends, and the last attempt returns or raises")

    def _attempt(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._session.post(
                self._url,
                json=payload,
                headers={"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"},
                timeout=self._timeout,
            )
        except requests.Timeout as exc:
            raise _TransientFailure(f"timed out: {type(exc).__name__}") from None
        except requests.RequestException as exc:
            raise _TransientFailure(f"connection failed: {type(exc).__name__}") from None
        self._raise_for_status(response)
        return _json_object_from(response)

    def _raise_for_status(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 200:
            return
        if status in RETRYABLE_STATUSES:
            raise _TransientFailure(f"HTTP {status}", _retry_after_seconds(response))
        if status == 402:
            raise LlmBalanceExhausted("The AI service balance is exhausted (HTTP 402).")
        if status == 401:
            raise LlmAuthError("The AI service refused the API key (HTTP 401).")
        detail = self._provider_message(response)
        if status in (400, 422):
            raise LlmRequestRejected(f"The AI service rejected the request (HTTP {status}){detail}.")
        raise LlmError(f"The AI service answered HTTP {status}{detail}.")

    def _provider_message(self, response: requests.Response) -> str:
        """The provider's own error text, shortened and with the key scrubbed, to help fix a bad request."""
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            return ""
        if not isinstance(message, str) or not message.strip():
            return ""
        if self._api_key:
            message = message.replace(self._api_key, "***")
        return f": {message.strip()[:_PROVIDER_MESSAGE_MAX_LENGTH]}"

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter (sleep a random part of an exponentially growing window), or Retry-After plus jitter."""
        if retry_after is not None:
            return min(self._backoff_max, retry_after + random.uniform(0, self._backoff_base))
        return random.uniform(0, min(self._backoff_max, self._backoff_base * 2 ** (attempt - 1)))


def _retry_after_seconds(response: requests.Response) -> float | None:
    """Retry-After in seconds; the HTTP-date form is ignored in favour of our own backoff."""
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _json_object_from(response: requests.Response) -> dict[str, Any]:
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise _TransientFailure("malformed response") from None
    if not isinstance(content, str) or not content.strip():
        raise _TransientFailure("blank answer")
    try:
        answer = json.loads(content)
    except ValueError:
        raise _TransientFailure("answer was not valid JSON") from None
    if not isinstance(answer, dict):
        raise _TransientFailure("answer was not a JSON object")
    return answer

"""Fixtures shared by the integration and end-to-end suites."""

from __future__ import annotations

import pytest

from tests.support.fake_llm import FakeLlmServer


@pytest.fixture
def fake_llm():
    with FakeLlmServer() as server:
        yield server

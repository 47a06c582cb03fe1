"""Which template path a request takes, and API Gateway's limits on a request."""

from __future__ import annotations

import pytest

from scripts.local_stack.routes import (
    GATEWAY_REFUSALS,
    MAX_HEAD_BYTES,
    MAX_REQUEST_BYTES,
    MAX_URL_CHARS,
    Route,
    _path_pattern,
)


@pytest.mark.parametrize(
    ("resource", "path", "parameters"),
    [
        ("/upload", "/upload", {}),
        ("/status/{uploadId}", "/status/abc", {"uploadId": "abc"}),
        ("/status/{uploadId}/cancel", "/status/a%20b/cancel", {"uploadId": "a b"}),
        ("/files/{proxy+}", "/files/a/b.csv", {"proxy": "a/b.csv"}),
    ],
)
def test_template_paths_match_and_give_path_parameters(resource, path, parameters):
    pattern, _ = _path_pattern(resource)
    assert Route("GET", resource, pattern, function=None).match(path) == parameters


@pytest.mark.parametrize(
    ("resource", "path"),
    [("/status/{uploadId}", "/status/a/b"), ("/status/{uploadId}", "/status/"), ("/upload", "/uploads")],
)
def test_template_paths_refuse_other_paths(resource, path):
    pattern, _ = _path_pattern(resource)
    assert pattern.fullmatch(path) is None


def test_literal_segments_rank_before_parameters():
    literal, parameter, greedy = (
        _path_pattern(path)[1] for path in ("/leads/export", "/leads/{leadId}", "/leads/{p+}")
    )
    assert literal < parameter < greedy


def test_api_gateway_limits_are_the_documented_ones():
    assert (MAX_REQUEST_BYTES, MAX_URL_CHARS, MAX_HEAD_BYTES) == (10 * 1024 * 1024, 8192, 10240)
    assert all(code.isupper() and message.endswith(".") for code, message in GATEWAY_REFUSALS.values())

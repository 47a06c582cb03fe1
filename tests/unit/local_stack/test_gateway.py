"""The local gateway's pure parts: which template path a request takes, which web-app file it gets, and
what the OpenAPI document says the gateway itself answers."""

from __future__ import annotations

import pytest

from scripts.local_stack.gateway import (
    DOCUMENTED_REFUSALS,
    GATEWAY_REFUSALS,
    MAX_HEAD_BYTES,
    MAX_REQUEST_BYTES,
    MAX_URL_CHARS,
    Gateway,
    Route,
    _path_pattern,
    content_security_policy,
    frontend_reply,
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


@pytest.fixture
def frontend(tmp_path):
    root = tmp_path / "frontend"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>app</title>")
    (root / "assets" / "app.js").write_text("console.log('hi')")
    (root / "assets" / "style.css").write_text("body {}")
    (root / "logo.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/assets/app.js", "javascript; charset=utf-8"),
        ("/assets/style.css", "text/css; charset=utf-8"),
        ("/logo.svg", "image/svg+xml; charset=utf-8"),
    ],
)
def test_frontend_files_are_served_with_their_content_type_and_policy(frontend, path, content_type):
    policy = content_security_policy("http://127.0.0.1:5999")
    reply = frontend_reply(frontend, path, policy)
    assert reply.status == 200
    headers = dict(reply.headers)
    assert headers["Content-Type"].endswith(content_type)
    assert headers["Content-Security-Policy"] == policy
    assert headers["X-Frame-Options"] == "DENY"


def test_the_page_may_only_reach_itself_and_the_storage_endpoint():
    directives = dict(
        part.strip().split(" ", 1) for part in content_security_policy("http://127.0.0.1:5999").split(";")
    )
    assert directives["connect-src"] == "'self' http://127.0.0.1:5999"
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/link.txt", "/missing.js", "/a%00b"]
)
def test_nothing_outside_the_frontend_folder_is_served(frontend, path):
    assert frontend_reply(frontend, path, "default-src 'self'").status == 404


def test_a_missing_frontend_folder_gives_a_placeholder_page(tmp_path):
    reply = frontend_reply(tmp_path / "frontend", "/", "default-src 'self'")
    assert reply.status == 200
    assert b"no <code>frontend/</code> folder" in reply.body
    assert frontend_reply(tmp_path / "frontend", "/app.js", "default-src 'self'").status == 404


def test_api_gateway_limits_are_the_documented_ones():
    assert (MAX_REQUEST_BYTES, MAX_URL_CHARS, MAX_HEAD_BYTES) == (10 * 1024 * 1024, 8192, 10240)
    assert all(code.isupper() and message.endswith(".") for code, message in GATEWAY_REFUSALS.values())


def test_the_gateway_documents_its_own_answers_on_every_operation():
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    document = {
        "paths": {
            "/upload": {
                "post": {"responses": {"201": {"description": "ok"}, "413": {"description": "FILE_TOO_LARGE."}}}
            },
            "/leads": {"get": {"responses": {"200": {"description": "ok"}}}},
        }
    }
    Gateway._add_gateway_responses(document)
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            assert {str(status) for status in (*DOCUMENTED_REFUSALS, 502)} <= set(responses)
            assert responses["414"] == {"description": "URI_TOO_LONG: " + GATEWAY_REFUSALS[414][1], "content": error}
    upload_413 = document["paths"]["/upload"]["post"]["responses"]["413"]["description"]
    assert upload_413.startswith("FILE_TOO_LARGE.") and "REQUEST_TOO_LARGE" in upload_413

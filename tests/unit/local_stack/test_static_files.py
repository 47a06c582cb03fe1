"""Which web-app file a request gets, with which headers, and never one outside the folder."""

from __future__ import annotations

import pytest

from scripts.local_stack.static_files import content_security_policy, frontend_reply


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

"""The web app's files: those of the `frontend/` folder and never anything outside it, with the security
headers CloudFront sends in AWS (template.yaml's WebAppSecurityHeaders); a page saying what is missing
when there is no such folder."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote

from scripts.local_stack.reply import Reply

PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Easy CRM</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>Easy CRM</h1>
<p>The API is running, but there is no <code>frontend/</code> folder to serve the web app from.</p>
<p>API: <code>/api</code> &middot; description: <a href="/openapi.json">/openapi.json</a>
&middot; sign-in settings: <a href="/config.json">/config.json</a></p>
</body></html>
"""


def content_security_policy(storage_origin: str) -> str:
    """The policy CloudFront sends with the web app (template.yaml, WebAppSecurityHeaders), except that
    the page reaches S3 at the local moto server instead of `https://*.amazonaws.com`."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {storage_origin}; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'none'; object-src 'none'"
    )


def frontend_reply(root: Path, path: str, policy: str) -> Reply:
    """A file of the web app's folder (index.html for a folder), never anything outside it."""
    root = root.resolve()
    not_found = Reply(404, [("Content-Type", "text/plain; charset=utf-8")], b"Not found")
    if not root.is_dir():
        if path in ("/", "/index.html"):
            return Reply(200, [("Content-Type", "text/html; charset=utf-8")], PLACEHOLDER_PAGE.encode())
        return not_found
    try:
        file = (root / unquote(path).lstrip("/")).resolve()
        if file.is_dir():
            file = file / "index.html"
        if not (file.is_relative_to(root) and file.is_file()):
            return not_found
    except (OSError, ValueError):  # e.g. a NUL byte in the path
        return not_found
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in (
        "application/javascript",
        "application/json",
        "image/svg+xml",
    ):
        content_type += "; charset=utf-8"
    headers = [
        ("Content-Type", content_type),
        ("Cache-Control", "no-cache"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", policy),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
    ]
    return Reply(200, headers, file.read_bytes())

"""What the local gateway sends back for one request: a status, its headers and a body."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


def json_reply(status: int, document: object, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status, [("Content-Type", "application/json"), *(headers or {}).items()], json.dumps(document).encode()
    )

"""Which lead a row belongs to: one normalized email (or, without one, one E.164 phone) is one lead.

The lead's id is derived from that key, so a single conditional write on the lead item decides
"new or existing" atomically; no query-then-put race is possible.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from easycrm.models import PHONE_UNPARSEABLE


def dedup_key(lead: dict[str, str]) -> str | None:
    email = lead.get("email")
    if email:
        return f"email:{email}"
    phone = lead.get("phone")
    if phone and phone != PHONE_UNPARSEABLE:
        return f"phone:{phone}"
    return None


def lead_id_for(key: str) -> str:
    """Stable, URL-safe id that does not expose the email in links and logs."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class SourceRef:
    """One spreadsheet row that contributed to a lead."""

    upload_id: str
    file_name: str
    worksheet: str | None
    row: int

    def token(self) -> str:
        """Canonical text form, stored in a string set so a redelivered row adds nothing."""
        return json.dumps(
            {"uploadId": self.upload_id, "fileName": self.file_name, "worksheet": self.worksheet, "row": self.row},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @staticmethod
    def parse(token: str) -> dict:
        return json.loads(token)

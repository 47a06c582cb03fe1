"""The messages of the undo queue: one that lists an upload's leads, then one per batch of them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

MESSAGE_VERSION = 1
PLAN, BATCH = "plan", "batch"


class InvalidUndoMessage(ValueError):
    pass


@dataclass(frozen=True)
class UndoMessage:
    kind: str  # PLAN: list the upload's leads and send the batches; BATCH: undo these leads
    upload_id: str
    batch_index: int = 0
    lead_ids: list[str] = field(default_factory=list)

    @staticmethod
    def plan(upload_id: str) -> UndoMessage:
        return UndoMessage(PLAN, upload_id)

    @property
    def message_id(self) -> str:
        return f"{self.kind}{self.batch_index}"

    def to_text(self) -> str:
        body: dict = {"v": MESSAGE_VERSION, "kind": self.kind, "uploadId": self.upload_id}
        if self.kind == BATCH:
            body.update(batchIndex=self.batch_index, leadIds=self.lead_ids)
        return json.dumps(body, separators=(",", ":"))

    @staticmethod
    def from_body(body: object) -> UndoMessage:
        if not isinstance(body, dict) or body.get("v") != MESSAGE_VERSION or body.get("kind") not in (PLAN, BATCH):
            raise InvalidUndoMessage("not an undo message of this version")
        upload_id = body.get("uploadId")
        if not isinstance(upload_id, str) or not upload_id:
            raise InvalidUndoMessage("uploadId is missing")
        if body["kind"] == PLAN:
            return UndoMessage.plan(upload_id)
        index, lead_ids = body.get("batchIndex"), body.get("leadIds")
        if not isinstance(index, int) or index < 0 or not isinstance(lead_ids, list):
            raise InvalidUndoMessage("a batch needs batchIndex and leadIds")
        if not all(isinstance(lead_id, str) for lead_id in lead_ids):
            raise InvalidUndoMessage("leadIds must be strings")
        return UndoMessage(BATCH, upload_id, index, lead_ids)

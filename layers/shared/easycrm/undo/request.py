"""Asking for an upload to be undone (POST /uploads/{uploadId}/undo).

The owner may undo their finished imports, admins anyone's; another user's upload answers like a missing
one (404). The work itself runs on the undo queue (easycrm.undo.worker).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from easycrm.errors import Conflict, NotFound
from easycrm.models import Caller
from easycrm.ports import BatchSender, UploadRecords
from easycrm.undo.messages import UndoMessage
from easycrm.uploads.states import IMPORT_ENDS, UploadState

ALREADY = {
    UploadState.UNDOING: "This import is being undone already.",
    UploadState.UNDONE: "This import has been undone already.",
}
NOT_FINISHED = "This import has not finished yet: cancel it, or wait until it ends, then undo it."
NOTHING_IMPORTED = "Nothing of this import reached the leads: there is nothing to undo."
CHANGING = "This upload is changing right now. Please try again."
NOT_QUEUED = "The undo could not be queued; nothing was undone. Please try again."
# = UndoQueue's VisibilityTimeout in template.yaml: how long one delivery of an undo message may run.
UNDO_MESSAGE_SECONDS = 900


def may_undo(caller: Caller, record: dict, window_days: int, now: datetime) -> bool:
    """Whether this caller may undo this upload now (what the web app offers)."""
    return (caller.is_admin or record.get("owner") == caller.sub) and _refusal(record, window_days, now) is None


def _refusal(record: dict, window_days: int, now: datetime) -> str | None:
    status = record.get("status")
    if status in ALREADY:
        return ALREADY[UploadState(status)]
    if status not in IMPORT_ENDS:
        return NOT_FINISHED
    if status == UploadState.FAILED and not (record.get("created") or record.get("updated")):
        return NOTHING_IMPORTED
    oldest = (now - timedelta(days=window_days)).isoformat(timespec="milliseconds")
    if str(record.get("createdAt", "")) < oldest.replace("+00:00", "Z"):
        # Each lead forgets what an import changed after this long (easycrm.undo.entries).
        return f"Imports can be undone for {window_days} days; this one is older."
    return None


class UndoRequests:
    def __init__(
        self,
        statuses: UploadRecords,
        queue: BatchSender,
        window_days: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.statuses = statuses
        self.queue = queue
        self.window_days = window_days
        self.clock = clock

    def request(self, caller: Caller, upload_id: str) -> dict:
        """undoing, and the plan queued; the record as it is then."""
        record = self.statuses.get(upload_id)
        if record is None or not (caller.is_admin or record.get("owner") == caller.sub):
            raise NotFound("There is no such upload.")
        refusal = _refusal(record, self.window_days, self.clock())
        if refusal:
            raise Conflict(refusal)
        started = self.statuses.start_undo(upload_id, seen_status=record["status"], requested_by=caller.email)
        if started is None:
            raise Conflict(CHANGING)
        try:
            self._send_plan(upload_id)
        except Exception:
            self.statuses.withdraw_undo(upload_id, NOT_QUEUED)
            raise
        return started

    def resume(self, record: dict) -> bool:
        """Send a stalled undo's plan again (its messages were lost: a local restart, a crash between
        counting and finishing): the plan sends the batches of the list it stored, and every lead and
        batch already done counts as before. False when the undo moved meanwhile."""
        if self.statuses.touch_undo(record["uploadId"], record["updatedAt"]) is None:
            return False
        self._send_plan(record["uploadId"])
        return True

    def _send_plan(self, upload_id: str) -> None:
        message = UndoMessage.plan(upload_id)
        self.queue.add(message.message_id, message.to_text())
        self.queue.flush()

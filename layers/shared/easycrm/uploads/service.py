"""What the status API does with an upload: show it, list them, cancel it, force it to an end.

Uploads belong to their owner: another user's upload answers exactly like a missing one (404), so upload
ids cannot be probed. Only force-complete reaches past ownership, and only for admins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from easycrm.errors import Conflict, Forbidden, InvalidInput, NotFound
from easycrm.models import Caller
from easycrm.ports import Files, UploadRecords
from easycrm.undo.request import may_undo
from easycrm.uploads.accounting import UploadAccounting
from easycrm.uploads.states import COUNTERS, UploadState, is_final, progress_percent, undo_progress_percent

PUBLIC_FIELDS: tuple[str, ...] = (
    "uploadId",
    "owner",
    "fileName",
    "fileSize",
    "status",
    "createdAt",
    "updatedAt",
    "finishedAt",
    "totalBatches",
    "completedBatches",
    "rows",
    *COUNTERS,
    "worksheets",
    "error",
    "rejectsKey",
    "llmError",
    "forcedBy",
    "forcedAt",
    "warnings",
    "review",
    "mappingConfirmed",
    "ownerEmail",
)
REJECTS_DOWNLOAD_NAME = "rejected-rows.csv"
CLOSE_ATTEMPTS = 3
FORCED_MESSAGES = {
    UploadState.UPLOADING: "An administrator closed this upload: its file never arrived.",
    UploadState.UPLOADED: "An administrator closed this upload while its file was being read; nothing was imported.",
    UploadState.NEEDS_REVIEW: "An administrator closed this upload while its columns awaited review; nothing was "
    "imported.",
    UploadState.PROCESSING: "An administrator force-completed this upload.",
}
CANCELLED_BEFORE_READING = "Cancelled before the file was read: nothing was imported."


def _not_found() -> NotFound:
    return NotFound("There is no such upload.")


def _already_finished() -> Conflict:
    return Conflict("This upload has already finished.")


class UploadStatusService:
    def __init__(
        self,
        statuses: UploadRecords,
        files: Files,
        accounting: UploadAccounting,
        undo_window_days: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.statuses = statuses
        self.files = files
        self.accounting = accounting
        self.undo_window_days = undo_window_days
        self.clock = clock

    def list_uploads(self, caller: Caller, limit: int, scope: str | None = None) -> list[dict]:
        """The caller's uploads (scope `mine`, the default), or the whole team's (`team`: the import
        history), newest first. Leads are the team's, so where they came from is too; acting on an upload
        stays with its owner and admins."""
        if scope not in (None, "mine", "team"):
            raise InvalidInput("scope must be mine or team.", "INVALID_SCOPE")
        if scope == "team":
            records = self.statuses.list_for_team(limit)
        else:
            records = self.statuses.list_for_owner(caller.sub, limit)
        return [self.view(caller, record) for record in records]

    def get(self, caller: Caller, upload_id: str) -> dict:
        return self.view(caller, self._owned(caller, upload_id, admins_too=True))

    def cancel(self, caller: Caller, upload_id: str) -> dict:
        """Ask for a cancel; the pipeline honours it batch by batch and ends the upload as cancelled.

        Before its batches are queued (the file has not arrived, or is still being read) there is no batch
        left to notice the request, so the upload ends at once with 0 rows; a splitter still reading the
        file then finds it final and queues nothing.
        """
        if is_final(self._owned(caller, upload_id)["status"]):
            raise _already_finished()
        record = self.statuses.request_cancel(upload_id)
        if record is None:
            raise _already_finished()
        if record.get("totalBatches") is None:
            # Records are never deleted: when the close lost a race, the record is read as it is now.
            record = cast(
                dict,
                self.statuses.close_unsplit(upload_id, UploadState.CANCELLED, error=CANCELLED_BEFORE_READING)
                or self.statuses.get(upload_id),
            )
        return self.view(caller, record)

    def force_complete(self, caller: Caller, upload_id: str) -> dict:
        """Admins end a stuck upload of anyone's, in any state that is not final.

        The rows no batch accounted for count as failed (cancelled, if a cancel was asked); before the
        file was queued it ends as failed with 0 rows, and a splitter still reading it queues nothing.
        """
        record = self.statuses.get(upload_id)
        if record is None or not (caller.is_admin or record["owner"] == caller.sub):
            raise _not_found()
        if not caller.is_admin:
            raise Forbidden("Only administrators can force-complete an upload.")
        for _ in range(CLOSE_ATTEMPTS):
            if is_final(record["status"]):
                raise _already_finished()
            why = FORCED_MESSAGES.get(record["status"], FORCED_MESSAGES[UploadState.PROCESSING])
            closed = self.accounting.close(record, closed_by=caller.sub, why=why)
            if closed is not None:
                return self.view(caller, closed)
            record = cast(dict, self.statuses.get(upload_id))  # a batch or a cancel got in first: plan again
        raise Conflict("This upload is changing right now. Please try again.")

    def _owned(self, caller: Caller, upload_id: str, *, admins_too: bool = False) -> dict:
        """The caller's upload; with `admins_too`, anyone's for an admin (who may undo it and follow that)."""
        record = self.statuses.get(upload_id)
        if record is None or not (record.get("owner") == caller.sub or (admins_too and caller.is_admin)):
            raise _not_found()
        return record

    def view(self, caller: Caller, record: dict) -> dict:
        """The record as the API shows it to this caller: public fields, progress, whether the caller may
        undo it, the undo's counts and progress, and (to its owner and admins) a link to the rejected rows."""
        view = {field: record[field] for field in PUBLIC_FIELDS if field in record}
        view["cancelRequested"] = bool(record.get("cancelRequested"))
        view["progress"] = progress_percent(record)
        view["canUndo"] = may_undo(caller, record, self.undo_window_days, self.clock())
        if "undo" in record:
            undo = {name: value for name, value in record["undo"].items() if name != "from"}
            undo["progress"] = undo_progress_percent(record)
            view["undo"] = undo
        acts_on_it = record.get("owner") == caller.sub or caller.is_admin
        if record.get("rejectsKey") and acts_on_it:
            view["rejectsUrl"] = self.files.presigned_get(record["rejectsKey"], download_name=REJECTS_DOWNLOAD_NAME)
        return view

"""What the status API does with an upload: show it, list them, cancel it, force it to an end.

Uploads belong to their owner: another user's upload answers exactly like a missing one (404), so upload
ids cannot be probed. Only force-complete reaches past ownership, and only for admins.
"""

from __future__ import annotations

from typing import cast

from easycrm.errors import Conflict, Forbidden, NotFound
from easycrm.models import Caller
from easycrm.ports import Files, UploadRecords
from easycrm.uploads.accounting import UploadAccounting
from easycrm.uploads.states import COUNTERS, UploadState, is_final, progress_percent

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
    def __init__(self, statuses: UploadRecords, files: Files, accounting: UploadAccounting):
        self.statuses = statuses
        self.files = files
        self.accounting = accounting

    def list_uploads(self, caller: Caller, limit: int) -> list[dict]:
        """The caller's uploads, newest first."""
        return [self._view(record) for record in self.statuses.list_for_owner(caller.sub, limit)]

    def get(self, caller: Caller, upload_id: str) -> dict:
        return self._view(self._owned(caller, upload_id))

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
        return self._view(record)

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
                return self._view(closed)
            record = cast(dict, self.statuses.get(upload_id))  # a batch or a cancel got in first: plan again
        raise Conflict("This upload is changing right now. Please try again.")

    def _owned(self, caller: Caller, upload_id: str) -> dict:
        record = self.statuses.get(upload_id)
        if record is None or record.get("owner") != caller.sub:
            raise _not_found()
        return record

    def _view(self, record: dict) -> dict:
        """The record as the API shows it: public fields, progress, a link to the rejected rows."""
        view = {field: record[field] for field in PUBLIC_FIELDS if field in record}
        view["cancelRequested"] = bool(record.get("cancelRequested"))
        view["progress"] = progress_percent(record)
        if record.get("rejectsKey"):
            view["rejectsUrl"] = self.files.presigned_get(record["rejectsKey"], download_name=REJECTS_DOWNLOAD_NAME)
        return view

"""What the status API does with an upload: show it, list them, cancel it, force it to an end.

Uploads belong to their owner: another user's upload answers exactly like a missing one (404), so upload
ids cannot be probed. Only force-complete reaches past ownership, and only for admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from easycrm.api import ApiError, Caller
from easycrm.files import FileStore
from easycrm.repositories.status import StatusRepository
from easycrm.status import COUNTERS, UploadState, final_state, is_final, progress_percent

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
)
REJECTS_DOWNLOAD_NAME = "rejected-rows.csv"
FORCE_ATTEMPTS = 3
NEVER_ARRIVED_MESSAGE = "An administrator closed this upload: its file never arrived."


def _not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "There is no such upload.")


def _already_finished() -> ApiError:
    return ApiError(409, "CONFLICT", "This upload has already finished.")


@dataclass(frozen=True)
class ForcedFinish:
    """How a stuck upload ends: its unaccounted rows go to one counter, per worksheet too."""

    state: UploadState
    counter: str
    missing: int
    sheet_missing: dict[str, int]


def _unaccounted(counts: dict) -> int:
    return max(0, int(counts.get("rows", 0)) - sum(int(counts.get(counter, 0)) for counter in COUNTERS))


def plan_forced_finish(record: dict) -> ForcedFinish:
    """Rows no batch accounted for count as failed, or as cancelled when the owner had asked to cancel."""
    counter = "cancelled" if record.get("cancelRequested") else "failed"
    missing = _unaccounted(record)
    per_sheet = {sheet: _unaccounted(counts) for sheet, counts in (record.get("worksheets") or {}).items()}
    sheet_missing = {sheet: count for sheet, count in per_sheet.items() if count}
    state = final_state({**record, counter: int(record.get(counter, 0)) + missing})
    return ForcedFinish(state=state, counter=counter, missing=missing, sheet_missing=sheet_missing)


class UploadStatusService:
    def __init__(self, statuses: StatusRepository, files: FileStore):
        self.statuses = statuses
        self.files = files

    def list_uploads(self, caller: Caller, limit: int) -> list[dict]:
        """The caller's uploads, newest first."""
        return [self._view(record) for record in self.statuses.list_for_owner(caller.sub, limit)]

    def get(self, caller: Caller, upload_id: str) -> dict:
        return self._view(self._owned(caller, upload_id))

    def cancel(self, caller: Caller, upload_id: str) -> dict:
        """Ask for a cancel; the pipeline honours it batch by batch and ends the upload as cancelled.

        An upload whose file has not arrived has no batch left to notice the request, so it ends at once
        with 0 rows; if the splitter took the file in the meantime, the splitter honours the request.
        """
        if is_final(self._owned(caller, upload_id)["status"]):
            raise _already_finished()
        record = self.statuses.request_cancel(upload_id)
        if record is None:
            raise _already_finished()
        if record["status"] == UploadState.UPLOADING:
            record = self.statuses.close_before_arrival(upload_id, UploadState.CANCELLED) or self.statuses.get(
                upload_id
            )
        return self._view(record)

    def force_complete(self, caller: Caller, upload_id: str) -> dict:
        """Admins end a stuck upload of anyone's; the rows still unaccounted count as failed.

        A file that never arrived ends as failed with 0 rows. A file still being split is refused (409):
        its rows are not known yet, so they could not be accounted for honestly.
        """
        record = self.statuses.get(upload_id)
        if record is None or not (caller.is_admin or record["owner"] == caller.sub):
            raise _not_found()
        if not caller.is_admin:
            raise ApiError(403, "FORBIDDEN", "Only administrators can force-complete an upload.")
        for _ in range(FORCE_ATTEMPTS):
            if is_final(record["status"]):
                raise _already_finished()
            closed = self._force(record, caller.sub)
            if closed is not None:
                return self._view(closed)
            record = self.statuses.get(upload_id)  # a batch or a cancel got in first: plan again
        raise ApiError(409, "CONFLICT", "This upload is changing right now. Please try again.")

    def _force(self, record: dict, admin: str) -> dict | None:
        upload_id = record["uploadId"]
        if record.get("totalBatches") is None:
            if record["status"] != UploadState.UPLOADING:
                raise ApiError(409, "CONFLICT", "This upload's file is still being read. Please try again later.")
            return self.statuses.close_before_arrival(
                upload_id, UploadState.FAILED, error=NEVER_ARRIVED_MESSAGE, forced_by=admin
            )
        plan = plan_forced_finish(record)
        return self.statuses.force_finish(
            record,
            state=plan.state,
            counter=plan.counter,
            missing=plan.missing,
            sheet_missing=plan.sheet_missing,
            rejects_key=self.files.assemble_rejects_report(upload_id),
            forced_by=admin,
        )

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

"""The review of a mapping: the owner sees how each column of each sheet would be read, and fixes it.

An upload started with `review` is read once by the splitter, which stores the proposal (every sheet's
columns with a field, a confidence, a reason and sample values) and leaves the upload `needs_review`.
`show` answers it; `confirm` checks the owner's choices against it, moves the upload back to `uploaded`
(one conditional write: of two confirmations one wins), remembers the choices for the team under each
sheet's header signature, and stores the confirmed mapping, whose arrival in S3 starts the import.

A sheet or column the confirmation does not mention keeps its proposed mapping; `field: null` means
"don't import" (not even into notes); a sheet with `include: false` is not read and counts nothing.
"""

from __future__ import annotations

from typing import Any

from easycrm.adapters.dynamodb_items import utc_now_iso
from easycrm.adapters.file_store import CONFIRMATION, PROPOSAL
from easycrm.errors import Conflict, InvalidInput, NotFound
from easycrm.models import LEAD_FIELDS, Caller
from easycrm.ports import Files, SavedMappings, UploadRecords
from easycrm.uploads.states import UploadState, is_final

NOT_IN_REVIEW = "This upload is not waiting for a review of its columns."
NO_PROPOSAL = "This upload has no mapping to review yet: its file has not been read."
ENDED_UNREVIEWED = "This upload ended before its columns could be reviewed; see its status for why."
SHOWN_SHEET_KEYS = ("worksheet", "headerRow", "include", "rows", "columns")


def _sheet_key(name: str | None) -> str:
    return name or ""


class MappingReview:
    def __init__(self, statuses: UploadRecords, files: Files, saved_mappings: SavedMappings):
        self.statuses = statuses
        self.files = files
        self.saved_mappings = saved_mappings

    def show(self, caller: Caller, upload_id: str) -> dict:
        """The proposed mapping, while and after the upload awaits review (409 before it was proposed)."""
        record = self._owned(caller, upload_id)
        proposal = self.files.get_review_document(upload_id, PROPOSAL)
        if proposal is None:
            if not record.get("review"):
                raise Conflict(NOT_IN_REVIEW)
            raise Conflict(ENDED_UNREVIEWED if is_final(record["status"]) else NO_PROPOSAL)
        return {
            "uploadId": upload_id,
            "status": record["status"],
            "fields": list(LEAD_FIELDS),
            "sheets": [{key: sheet[key] for key in SHOWN_SHEET_KEYS} for sheet in proposal["sheets"]],
            "warnings": proposal.get("warnings", []),
        }

    def confirm(self, caller: Caller, upload_id: str, request: dict[str, Any]) -> dict:
        """Start the import with the owner's mapping; the upload's record as it is now."""
        record = self._owned(caller, upload_id)
        if record["status"] != UploadState.NEEDS_REVIEW:
            raise Conflict(NOT_IN_REVIEW)
        proposal = self.files.get_review_document(upload_id, PROPOSAL)
        if proposal is None:
            raise Conflict(NO_PROPOSAL)
        sheets = confirmed_sheets(proposal, request)
        started = self.statuses.confirm_review(upload_id)
        if started is None:
            raise Conflict(NOT_IN_REVIEW)  # a cancel, the expiry or another confirmation got in first
        for sheet, choice in zip(proposal["sheets"], sheets, strict=True):
            if choice["include"] and sheet.get("signature"):
                columns = {int(index): name for index, name in choice["columns"].items()}
                self.saved_mappings.save(sheet["signature"], sheet["headers"], columns, caller.sub)
        self.files.put_review_document(
            upload_id, CONFIRMATION, {"sheets": sheets, "confirmedBy": caller.sub, "confirmedAt": utc_now_iso()}
        )
        return started

    def _owned(self, caller: Caller, upload_id: str) -> dict:
        record = self.statuses.get(upload_id)
        if record is None or record.get("owner") != caller.sub:
            raise NotFound("There is no such upload.")
        return record


def confirmed_sheets(proposal: dict, request: dict[str, Any]) -> list[dict]:
    """The proposal with the owner's choices applied, one entry per proposed sheet, in the proposal's
    order: {worksheet, include, columns: {index: field or None}}. Raises InvalidInput naming what is wrong."""
    proposed = {_sheet_key(sheet["worksheet"]): sheet for sheet in proposal["sheets"]}
    chosen: dict[str, dict] = {}
    for entry in request.get("sheets") or []:
        key = _sheet_key(entry.get("worksheet"))
        if key not in proposed:
            names = ", ".join(repr(name) for name in proposed) or "none"
            raise InvalidInput(
                f"There is no worksheet {key!r} in this file (worksheets: {names}).", "UNKNOWN_WORKSHEET"
            )
        if key in chosen:
            raise InvalidInput(f"Worksheet {key!r} is listed twice.", "DUPLICATE_WORKSHEET")
        chosen[key] = entry
    sheets = []
    for key, sheet in proposed.items():
        entry = chosen.get(key, {})
        columns = {str(column["index"]): column["field"] for column in sheet["columns"]}
        for column in entry.get("columns") or []:
            index, name = column.get("index"), column.get("field")
            if str(index) not in columns:
                raise InvalidInput(
                    f"Worksheet {key!r} has no column {index!r} (columns 0 to {len(columns) - 1}).", "UNKNOWN_COLUMN"
                )
            if name is not None and name not in LEAD_FIELDS:
                raise InvalidInput(
                    f"{name!r} is not a lead field. Use one of: {', '.join(LEAD_FIELDS)}, or null to leave the "
                    "column out.",
                    "UNKNOWN_FIELD",
                )
            columns[str(index)] = name
        sheets.append({"worksheet": key, "include": bool(entry.get("include", sheet["include"])), "columns": columns})
    if not any(sheet["include"] for sheet in sheets):
        raise InvalidInput("Include at least one worksheet: nothing would be imported.", "NOTHING_INCLUDED")
    return sheets

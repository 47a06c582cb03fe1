"""Upload states and the arithmetic of progress, free of any storage concern."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class UploadState(StrEnum):
    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    NEEDS_REVIEW = "needs_review"  # the proposed mapping waits for the owner (uploads.review)
    PROCESSING = "processing"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNDOING = "undoing"  # the owner or an admin asked to undo the finished import (easycrm.undo)
    UNDONE = "undone"


# Where an import ends; an undo starts from one of these.
IMPORT_ENDS = frozenset(
    {UploadState.COMPLETED, UploadState.COMPLETED_WITH_ERRORS, UploadState.FAILED, UploadState.CANCELLED}
)
# Past the import: nothing of the import pipeline may act on the upload any more. `undoing` counts, since
# its import is over; the undo has its own progress and ends in `undone`.
FINAL_STATES = IMPORT_ENDS | {UploadState.UNDOING, UploadState.UNDONE}
COUNTERS: tuple[str, ...] = ("created", "updated", "rejected", "failed", "cancelled")
# What an undo did with the leads the upload touched (easycrm.undo.revert.LeadOutcome), and the leads of
# undo batches that ran out of retries.
UNDO_COUNTERS: tuple[str, ...] = ("deleted", "restored", "conflicts", "failed")


@dataclass
class BatchOutcome:
    """What became of every row of one batch; the counts add up to the batch's rows."""

    worksheet: str | None
    created: int = 0
    updated: int = 0
    rejected: int = 0
    failed: int = 0
    cancelled: int = 0
    rejects: list[dict] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}

    @property
    def rows(self) -> int:
        return sum(self.counts().values())


def is_final(state: str | None) -> bool:
    return state in FINAL_STATES


def progress_percent(record: dict) -> int:
    """0-100; 100 only once the upload is final, so a client can stop polling at 100."""
    if is_final(record.get("status")):
        return 100
    total = record.get("totalBatches")
    if not total:
        return 0
    return min(99, int(100 * int(record.get("completedBatches", 0)) / int(total)))


def undo_progress_percent(record: dict) -> int:
    """0-100 for an undo; 100 only once the upload is undone."""
    if record.get("status") == UploadState.UNDONE:
        return 100
    total = record.get("undoBatches")
    if not total:
        return 0
    return min(99, int(100 * int(record.get("undoCompletedBatches", 0)) / int(total)))


def final_state(record: dict) -> UploadState:
    """The state a fully accounted upload ends in."""
    if record.get("cancelRequested"):
        return UploadState.CANCELLED
    if int(record.get("failed", 0)) > 0:
        return UploadState.COMPLETED_WITH_ERRORS
    return UploadState.COMPLETED

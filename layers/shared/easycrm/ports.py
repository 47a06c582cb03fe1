"""The ports: what the import pipeline and the status API need from storage, the queue and the model.

The services (importing.importer, importing.splitter, uploads.accounting, uploads.service, uploads.sweeper)
depend on these small Protocols only. The adapters (easycrm.adapters.*) satisfy them structurally, without
naming them, and mypy checks that where the composition root (wiring.py) hands an adapter to a service;
tests/support/fakes.py holds in-memory versions with the same semantics for fast unit tests. Each docstring
states the contract the adapters guarantee and a fake must keep.

An upload record is a plain dict with JSON-friendly values (ints, not Decimals): uploadId, owner, fileName,
fileSize, objectKey, status, createdAt, updatedAt (ISO-8601 UTC text with a Z, which sorts as time),
rows, completedBatches and the counters created, updated, rejected, failed and cancelled; once the file is
split also totalBatches and worksheets ({name: {"rows": n, <counter>: n, ...}}); and, when they apply,
cancelRequested, llmError, error, warnings, unsentRows, rejectsKey, finishedAt, forcedBy and forcedAt.
Every change that returns `dict | None` is one atomic conditional write: it returns the whole record as
written, or None when its condition did not hold and nothing at all was written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO, Protocol

from easycrm.importing.dedup import SourceRef
from easycrm.undo.revert import LeadOutcome
from easycrm.uploads.states import BatchOutcome, UploadState


class UploadRecords(Protocol):
    """One record per upload, changed only by conditional writes, so that concurrent writers (batches,
    a cancel, the splitter, the sweeper, an admin) never lose an update and exactly one closer wins.

    Each change applies only from the state it expects (below), none of them from a final state
    (completed, completed_with_errors, failed, cancelled) except `force_finish`, which trusts the caller to
    pass a record it read as not final. Records are never deleted. A non-final record is listed by
    `open_uploads`.
    """

    # reads ----------------------------------------------------------------------------------------
    def get(self, upload_id: str) -> dict | None:
        """The record (a strongly consistent read), or None when there is none."""
        ...

    def get_processing_state(self, upload_id: str) -> dict | None:
        """Only what a batch needs: uploadId, status and, when set, cancelRequested and llmError."""
        ...

    def list_for_owner(self, owner: str, limit: int = 50) -> list[dict]:
        """The owner's records, newest (createdAt) first, at most `limit`."""
        ...

    def list_for_team(self, limit: int = 50) -> list[dict]:
        """Every user's records, newest (createdAt) first, at most `limit`."""
        ...

    def open_uploads(self, updated_before: str) -> list[dict]:
        """Every record that is not final and whose updatedAt sorts before `updated_before`, with at least
        uploadId and updatedAt (the sweeper reads each one again before it acts)."""
        ...

    # the splitter ---------------------------------------------------------------------------------
    def mark_uploaded(self, upload_id: str, file_size: int) -> dict | None:
        """uploading → uploaded with the file's size; only from `uploading`."""
        ...

    def await_review(self, upload_id: str) -> dict | None:
        """uploaded → needs_review: the proposed mapping waits for the owner; only from `uploaded`, before
        totalBatches was set and before a mapping was confirmed (a redelivered S3 event asks nothing twice)."""
        ...

    def confirm_review(self, upload_id: str) -> dict | None:
        """needs_review → uploaded with mappingConfirmed set: the splitter may now read the file with the
        confirmed mapping; only from `needs_review`, so of two confirmations exactly one applies."""
        ...

    def start_processing(
        self, upload_id: str, *, total_batches: int, rows: int, sheet_rows: dict[str, int], warnings: list[str]
    ) -> dict | None:
        """uploaded → processing with totalBatches, rows and a zeroed worksheets entry per sheet (and the
        reader's warnings, if any); only from `uploaded` and only if totalBatches was never set, so a
        redelivered S3 event cannot split the file twice, and a cancel or forced close that got in first
        (see `close_unsplit`) makes this return None: then nothing may be queued."""
        ...

    def stop_sending(
        self,
        upload_id: str,
        *,
        planned_batches: int,
        sent_batches: int,
        unsent_rows: int,
        unsent_sheet_rows: dict[str, int],
    ) -> dict | None:
        """A cancel stopped the sending: totalBatches becomes `sent_batches`, the unsent rows are added to
        `cancelled` (and per worksheet) and kept as unsentRows, once: only while `processing` and while
        totalBatches is still `planned_batches`."""
        ...

    # the batches ----------------------------------------------------------------------------------
    def add_batch_counts(self, upload_id: str, outcome: BatchOutcome) -> dict | None:
        """Mirror a batch the ledger has just counted: completedBatches + 1 and the outcome's counts added
        (per worksheet too); only while `processing`, so a batch arriving after the close changes nothing.
        Not idempotent by itself: call it once per batch the ledger accepted."""
        ...

    def finalize(self, upload_id: str, state: UploadState, rejects_key: str | None) -> dict | None:
        """processing → `state` (final), with finishedAt and the report's key; only while `processing` and
        once completedBatches equals totalBatches, so of all who observe the last batch exactly one wins."""
        ...

    def record_llm_error(self, upload_id: str, message: str) -> None:
        """Remember why the model stopped for this upload; the first reason stays."""
        ...

    # cancelling and closing -----------------------------------------------------------------------
    def request_cancel(self, upload_id: str) -> dict | None:
        """Set cancelRequested; only on an existing record that is not final."""
        ...

    def close_unsplit(
        self, upload_id: str, state: UploadState, *, error: str | None = None, forced_by: str | None = None
    ) -> dict | None:
        """End an upload before it was split: `state`, finishedAt, the error (and forcedBy/forcedAt), with
        rows and counters left at 0; only on an existing, non-final record without totalBatches. It races
        `start_processing`: exactly one of the two applies."""
        ...

    def force_finish(
        self,
        seen: dict,
        *,
        state: UploadState,
        counts: dict[str, int],
        sheet_counts: dict[str, dict[str, int]],
        rejects_key: str | None,
        forced_by: str,
        error: str,
    ) -> dict | None:
        """Close a split upload with these counts (they replace the mirrored ones), completedBatches set to
        totalBatches, worksheets replaced by `sheet_counts` (when given), forcedBy/forcedAt and the error;
        only if status and completedBatches are still those of `seen`, so counts computed from a state that
        has moved on since are never written."""
        ...

    # undo (easycrm.undo): from a state where the import ended to undoing to undone ----------------
    def start_undo(self, upload_id: str, *, seen_status: str, requested_by: str) -> dict | None:
        """`seen_status` → undoing with `undo` {deleted, restored, conflicts, failed: 0, requestedBy,
        requestedAt, from}; None when the status is no longer `seen_status`. Listed by `open_uploads`
        until `finish_undo` or `withdraw_undo`."""
        ...

    def touch_undo(self, upload_id: str, seen_updated_at: str) -> dict | None:
        """Move an undoing record's updatedAt on, if it is still `seen_updated_at` (one resumer wins)."""
        ...

    def withdraw_undo(self, upload_id: str, error: str) -> dict | None:
        """undoing → the state it came from, with `undo.error`, while no undo batch was planned."""
        ...

    def plan_undo(self, upload_id: str, *, batches: int, plan_key: str) -> dict | None:
        """Record the undo's batches and where its list of leads is; None once planned (or not undoing)."""
        ...

    def add_undo_batch(self, upload_id: str, batch_index: int, counts: dict[str, int]) -> dict | None:
        """Add one undo batch's counts once per batch index; the new record, or None when it was counted
        before or the upload is not undoing."""
        ...

    def finish_undo(self, upload_id: str) -> dict | None:
        """undoing → undone once every planned batch is counted (exactly one caller wins)."""
        ...


class LedgerCounts(Protocol):
    """What the ledger counted for an upload. `counts` and each per-worksheet Counter answer 0 for a
    counter no batch added to; a worksheet with nothing counted may be missing from `sheet_counts`."""

    @property
    def completed_batches(self) -> int: ...

    @property
    def counts(self) -> Counter[str]: ...

    @property
    def sheet_counts(self) -> Mapping[str, Counter[str]]: ...


class Ledger(Protocol):
    """The batch ledger, the source of truth for exactly-once accounting."""

    def record(self, upload_id: str, batch_index: int, outcome: BatchOutcome) -> bool:
        """Count the batch's outcome (its counters, per worksheet too) atomically, at most once per
        (upload, batch index): True when this call counted it, False when it had been counted before,
        whatever the outcome says this time."""
        ...

    def totals(self, upload_id: str, total_batches: int) -> LedgerCounts:
        """The sum of every batch counted with an index below `total_batches` (rounded up to the ledger's
        shard size: batches are never counted past it), read consistently."""
        ...


class LeadStore(Protocol):
    """Where standardized leads are merged, one lead per dedup key."""

    def merge_rows(self, rows: Iterable[tuple[str, dict[str, str], SourceRef]]) -> list[bool]:
        """Create or merge each (dedup key, lead, source row) in order; per row, whether it created the lead.

        Each row is one atomic write, so two batches racing on one key give one lead. Non-empty values
        overwrite, missing ones never erase, an unparseable phone never replaces a number, and the source
        row is added to the lead's sources once: merging the same row again changes nothing but the
        values, and the row that created a lead reports created=True again when it is redelivered.
        """
        ...


class UndoableLeads(Protocol):
    """The leads, as an undo sees them (easycrm.undo.revert)."""

    def leads_of_upload(self, upload_id: str) -> list[str]:
        """The ids of every lead the upload still contributes to."""
        ...

    def revert_upload(self, upload_id: str, lead_ids: list[str]) -> list[LeadOutcome]:
        """Take the upload's changes back from each lead, each lead exactly once however often this is
        called; per lead, its outcome (the same on a repeated call)."""
        ...


class Files(Protocol):
    """The object store: uploaded files, batch bodies too large for a message, rejected-rows reports."""

    def size_of(self, key: str) -> int:
        """The object's size in bytes."""
        ...

    def download(self, key: str, target: BinaryIO) -> None:
        """Write the object's bytes to `target`."""
        ...

    def put_batch_body(self, upload_id: str, batch_index: int, body: dict) -> str:
        """Store a batch message's body; returns its key, which starts with `batches/<upload_id>/`."""
        ...

    def get_batch_body(self, key: str) -> dict:
        """The body `put_batch_body` stored under `key`."""
        ...

    def put_review_document(self, upload_id: str, name: str, document: dict) -> str:
        """Store a JSON document of the upload's review (`proposal` or `confirmed`, file_store's names);
        returns its key. Storing `confirmed` notifies the splitter."""
        ...

    def get_review_document(self, upload_id: str, name: str) -> dict | None:
        """The document `put_review_document` stored, or None when there is none."""
        ...

    def write_reject_part(self, upload_id: str, part: str, rejects: list[dict]) -> None:
        """One part of the upload's rejected-rows report (worksheet, row, reason, values per entry),
        overwritten when written again under the same name, so a redelivered batch never lists a row twice."""
        ...

    def assemble_rejects_report(self, upload_id: str) -> str | None:
        """Join every part, in part-name order, into one CSV report (formulas neutralized); its key, or None
        when there is no part."""
        ...

    def presigned_get(self, key: str, *, expires_in: int = 900, download_name: str | None = None) -> str:
        """A time-limited download link for the object."""
        ...

    def put_undo_plan(self, upload_id: str, plan_id: str, lead_ids: list[str]) -> str:
        """Store the list of leads an undo works through; returns its key."""
        ...

    def get_undo_plan(self, key: str) -> list[str]:
        """The list `put_undo_plan` stored under `key`."""
        ...


class SavedMappings(Protocol):
    """The team's confirmed column mappings, by header signature (importing.mapping.header_signature)."""

    def get(self, signature: str) -> dict[int, str | None] | None:
        """The columns' fields (None: not imported) last confirmed for these headers, or None."""
        ...

    def save(self, signature: str, headers: list[str], columns: dict[int, str | None], saved_by: str) -> None:
        """Remember a confirmed mapping for these headers, replacing an earlier one."""
        ...


class BatchSender(Protocol):
    """Sends batch messages to the processing queue, buffered."""

    def add(self, message_id: str, text: str) -> None:
        """Buffer one message body (JSON text; at most the queue's message size, else it raises); a full
        buffer is sent first. `message_id` only needs to be unique among the buffered messages."""
        ...

    def flush(self) -> None:
        """Send every buffered message, retrying what the queue refused; raises when some cannot be sent."""
        ...


class BatchBacklog(Protocol):
    """The processing queue, as the sweeper watches it."""

    def holds_messages(self) -> bool:
        """Whether any batch message is still waiting, in flight or delayed (an approximate answer)."""
        ...


class LanguageModel(Protocol):
    """A chat model that answers a system + user message pair with one JSON object."""

    def complete_json(self, *, system: str, user: str, max_tokens: int = 4096) -> dict[str, Any]:
        """The model's answer as a parsed JSON object. Raises easycrm.errors.LlmError (safe to show): the
        subclasses LlmBalanceExhausted and LlmAuthError mean further calls are pointless."""
        ...

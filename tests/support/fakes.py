"""In-memory fakes of the adapters: one per port of easycrm.ports, with the adapters' semantics.

    FakeUploadRecords  UploadRecords  (adapters/upload_repository.py, the ProcessingStatus table)
    FakeLedger         Ledger         (adapters/batch_ledger.py, the ledger shards in that table)
    FakeLeadStore      LeadStore      (adapters/lead_repository.py), and the chatbot's LeadSource
    FakeFiles          Files          (adapters/file_store.py, S3)
    FakeBatchQueue     BatchSender and BatchBacklog (adapters/batch_queue.py, SQS)
    FakeLanguageModel  LanguageModel  (adapters/deepseek.py)

Each conditional write checks the same condition as the adapter's DynamoDB expression and, when it does
not hold, writes nothing and returns None; a write that DynamoDB would refuse as invalid (an update of a
worksheet path that does not exist) raises RequestRefused and writes nothing either. Values come back as
copies, as a fresh read would. The fakes take the adapters' own constants and pure helpers (shard size,
key formats, the CSV encoder, `to_lead`), so their data looks exactly like the real thing. They are for
tests driven from one thread: every call is atomic because nothing runs beside it.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from easycrm.adapters.batch_ledger import SHARD_BATCHES, LedgerTotals, shard_key
from easycrm.adapters.batch_queue import MAX_ENTRIES, MAX_MESSAGE_BYTES, MAX_REQUEST_BYTES, MessageTooLarge
from easycrm.adapters.file_store import (
    BATCH_BODY_KEY,
    REJECT_COLUMNS,
    REJECT_PARTS_PREFIX,
    REJECTS_REPORT_KEY,
    UNDO_PLAN_KEY,
    review_key,
)
from easycrm.adapters.lead_repository import to_lead
from easycrm.importing.dedup import SourceRef, lead_id_for
from easycrm.leads.queries import LeadQuery, sort_value
from easycrm.leads.safe_csv import SafeCsvEncoder
from easycrm.leads.writes import plan_merge
from easycrm.undo.revert import LeadOutcome, plan_revert
from easycrm.uploads.states import COUNTERS, FINAL_STATES, UNDO_COUNTERS, BatchOutcome, UploadState

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
OPEN_KEY = "open"
_SHEET_PREFIX = "sheet#"  # the ledger's per-worksheet counters: `sheet#<counter>#<worksheet>`


def iso(moment: datetime) -> str:
    """A moment as every item stores it (adapters.dynamodb_items.utc_now_iso): UTC, milliseconds, a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeClock:
    """A clock that stands still until a test moves it; callable like the sweeper's clock."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self.now += delta if delta is not None else timedelta(**parts)
        return self.now

    def iso(self) -> str:
        return iso(self.now)


class ConditionalCheckFailed(Exception):
    """What DynamoDB raises for a failed condition on a write the adapter does not turn into None (create)."""


class RequestRefused(Exception):
    """A request DynamoDB would refuse as invalid (ValidationException): nothing was written."""


# --- UploadRecords ---------------------------------------------------------------------------------


class FakeUploadRecords:
    """The ProcessingStatus table's upload items. `items` holds them as stored, `openKey` included (it puts
    an upload in the sparse open-uploads index while it is not final)."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        self.items: dict[str, dict] = {}
        self._created: dict[str, int] = {}  # creation order: ties on createdAt list newest first

    # reads ----------------------------------------------------------------------------------------
    def get(self, upload_id: str) -> dict | None:
        item = self.items.get(upload_id)
        return _public(item) if item else None

    def get_processing_state(self, upload_id: str) -> dict | None:
        item = self.items.get(upload_id)
        if item is None:
            return None
        return {
            name: copy.deepcopy(item[name])
            for name in ("uploadId", "status", "cancelRequested", "llmError")
            if name in item
        }

    def list_for_owner(self, owner: str, limit: int = 50) -> list[dict]:
        return [_public(item) for item in self._by_owner(owner)[:limit]]

    def list_for_team(self, limit: int = 50) -> list[dict]:
        every = sorted(
            self.items.values(), key=lambda item: (item["createdAt"], self._created[item["uploadId"]]), reverse=True
        )
        return [_public(item) for item in every[:limit]]

    def upload_names_for_owner(self, owner: str) -> list[dict]:
        return [{"uploadId": item["uploadId"], "fileName": item["fileName"]} for item in self._by_owner(owner)]

    def open_uploads(self, updated_before: str) -> list[dict]:
        """The open-uploads index (KEYS_ONLY): uploadId and updatedAt, oldest first."""
        entries = [item for item in self.items.values() if "openKey" in item and item["updatedAt"] < updated_before]
        return [
            {"uploadId": item["uploadId"], "updatedAt": item["updatedAt"]} for item in sorted(entries, key=_updated)
        ]

    def _by_owner(self, owner: str) -> list[dict]:
        mine = [item for item in self.items.values() if item.get("owner") == owner]
        return sorted(mine, key=lambda item: (item["createdAt"], self._created[item["uploadId"]]), reverse=True)

    # writes ---------------------------------------------------------------------------------------
    def create(
        self,
        *,
        upload_id: str,
        owner: str,
        file_name: str,
        file_size: int,
        object_key: str,
        review: bool = False,
        owner_email: str = "",
    ) -> dict:
        if upload_id in self.items:
            raise ConditionalCheckFailed(f"upload {upload_id} exists")
        now = self.clock.iso()
        item = {
            "uploadId": upload_id,
            "owner": owner,
            **({"ownerEmail": owner_email} if owner_email else {}),
            "fileName": file_name,
            "fileSize": file_size,
            "objectKey": object_key,
            "status": UploadState.UPLOADING.value,
            "createdAt": now,
            "updatedAt": now,
            "completedBatches": 0,
            "rows": 0,
            "worksheets": {},
            "openKey": OPEN_KEY,
            **dict.fromkeys(COUNTERS, 0),
            **({"review": True} if review else {}),
        }
        self.items[upload_id] = item
        self._created[upload_id] = len(self._created)
        return copy.deepcopy(item)

    def mark_uploaded(self, upload_id: str, file_size: int) -> dict | None:
        def change(item: dict) -> None:
            item.update(status=UploadState.UPLOADED.value, fileSize=file_size)

        return self._update(upload_id, lambda item: item.get("status") == UploadState.UPLOADING, change)

    def await_review(self, upload_id: str) -> dict | None:
        def change(item: dict) -> None:
            item["status"] = UploadState.NEEDS_REVIEW.value

        def condition(item: dict) -> bool:
            return (
                item.get("status") == UploadState.UPLOADED
                and "totalBatches" not in item
                and "mappingConfirmed" not in item
            )

        return self._update(upload_id, condition, change)

    def confirm_review(self, upload_id: str) -> dict | None:
        def change(item: dict) -> None:
            item.update(status=UploadState.UPLOADED.value, mappingConfirmed=True)

        return self._update(upload_id, lambda item: item.get("status") == UploadState.NEEDS_REVIEW, change)

    def mark_processing(self, upload_id: str) -> dict | None:
        def change(item: dict) -> None:
            item["status"] = UploadState.PROCESSING.value

        ready = (UploadState.UPLOADING, UploadState.UPLOADED)
        return self._update(upload_id, lambda item: item.get("status") in ready, change)

    def start_processing(
        self, upload_id: str, *, total_batches: int, rows: int, sheet_rows: dict[str, int], warnings: list[str]
    ) -> dict | None:
        def change(item: dict) -> None:
            item.update(status=UploadState.PROCESSING.value, totalBatches=total_batches, rows=rows)
            item["worksheets"] = {sheet: {**_zero_sheet(), "rows": count} for sheet, count in sheet_rows.items()}
            if warnings:
                item["warnings"] = list(warnings)

        def condition(item: dict) -> bool:
            return item.get("status") == UploadState.UPLOADED and "totalBatches" not in item

        return self._update(upload_id, condition, change)

    def stop_sending(
        self,
        upload_id: str,
        *,
        planned_batches: int,
        sent_batches: int,
        unsent_rows: int,
        unsent_sheet_rows: dict[str, int],
    ) -> dict | None:
        def change(item: dict) -> None:
            item.update(totalBatches=sent_batches, unsentRows=unsent_rows)
            for sheet, count in unsent_sheet_rows.items():
                worksheet = _existing(item, "worksheets", sheet)
                worksheet["cancelled"] = _existing(worksheet, "cancelled") + count
                worksheet["unsentRows"] = count
            item["cancelled"] = item.get("cancelled", 0) + unsent_rows

        def condition(item: dict) -> bool:
            return item.get("status") == UploadState.PROCESSING and item.get("totalBatches") == planned_batches

        return self._update(upload_id, condition, change)

    def add_batch_counts(self, upload_id: str, outcome: BatchOutcome) -> dict | None:
        def change(item: dict) -> None:
            item["completedBatches"] = item.get("completedBatches", 0) + 1
            for counter, count in outcome.counts().items():
                if not count:
                    continue
                item[counter] = item.get(counter, 0) + count
                if outcome.worksheet is not None:
                    worksheet = _existing(item, "worksheets", outcome.worksheet)
                    worksheet[counter] = _existing(worksheet, counter) + count

        return self._update(upload_id, lambda item: item.get("status") == UploadState.PROCESSING, change)

    def finalize(self, upload_id: str, state: UploadState, rejects_key: str | None) -> dict | None:
        def change(item: dict) -> None:
            item.update(status=state.value, finishedAt=item["updatedAt"])
            if rejects_key:
                item["rejectsKey"] = rejects_key
            item.pop("openKey", None)

        def condition(item: dict) -> bool:
            return (
                item.get("status") == UploadState.PROCESSING
                and "totalBatches" in item
                and item.get("completedBatches") == item["totalBatches"]
            )

        return self._update(upload_id, condition, change)

    def request_cancel(self, upload_id: str) -> dict | None:
        def change(item: dict) -> None:
            item["cancelRequested"] = True

        return self._update(upload_id, lambda item: item.get("status") not in FINAL_STATES, change)

    def close_unsplit(
        self, upload_id: str, state: UploadState, *, error: str | None = None, forced_by: str | None = None
    ) -> dict | None:
        def change(item: dict) -> None:
            item.update(status=state.value, finishedAt=item["updatedAt"])
            if error:
                item["error"] = error
            if forced_by:
                item.update(forcedBy=forced_by, forcedAt=item["updatedAt"])
            item.pop("openKey", None)

        def condition(item: dict) -> bool:
            return "totalBatches" not in item and item.get("status") not in FINAL_STATES

        return self._update(upload_id, condition, change)

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
        def change(item: dict) -> None:
            now = item["updatedAt"]
            item.update(status=state.value, finishedAt=now, forcedBy=forced_by, forcedAt=now, error=error)
            item["completedBatches"] = _existing(item, "totalBatches")
            item.update(counts)
            if sheet_counts:
                item["worksheets"] = copy.deepcopy(sheet_counts)
            if rejects_key:
                item["rejectsKey"] = rejects_key
            item.pop("openKey", None)

        def condition(item: dict) -> bool:
            return item.get("status") == seen["status"] and item.get("completedBatches") == seen.get(
                "completedBatches", 0
            )

        return self._update(seen["uploadId"], condition, change)

    def record_llm_error(self, upload_id: str, message: str) -> None:
        """Unconditional, like the adapter's UpdateItem: on a missing upload it creates a bare item."""
        item = self.items.setdefault(upload_id, {"uploadId": upload_id})
        item.setdefault("llmError", message)
        item["updatedAt"] = self.clock.iso()

    # undo ----------------------------------------------------------------------------------------
    def start_undo(self, upload_id: str, *, seen_status: str, requested_by: str) -> dict | None:
        def change(item: dict) -> None:
            item["status"] = UploadState.UNDOING.value
            item["openKey"] = OPEN_KEY
            item["undo"] = {
                **dict.fromkeys(UNDO_COUNTERS, 0),
                "requestedBy": requested_by,
                "requestedAt": self.clock.iso(),
                "from": seen_status,
            }

        return self._update(upload_id, lambda item: item.get("status") == seen_status, change)

    def withdraw_undo(self, upload_id: str, error: str) -> dict | None:
        def change(item: dict) -> None:
            item["status"] = item["undo"]["from"]
            item["undo"]["error"] = error
            item.pop("openKey", None)

        return self._update(
            upload_id, lambda item: item.get("status") == UploadState.UNDOING and "undoBatches" not in item, change
        )

    def touch_undo(self, upload_id: str, seen_updated_at: str) -> dict | None:
        def condition(item: dict) -> bool:
            return item.get("status") == UploadState.UNDOING and item.get("updatedAt") == seen_updated_at

        return self._update(upload_id, condition, lambda item: None)

    def plan_undo(self, upload_id: str, *, batches: int, plan_key: str) -> dict | None:
        def change(item: dict) -> None:
            item.update(undoBatches=batches, undoCompletedBatches=0, undoPlanKey=plan_key)

        return self._update(
            upload_id, lambda item: item.get("status") == UploadState.UNDOING and "undoBatches" not in item, change
        )

    def add_undo_batch(self, upload_id: str, batch_index: int, counts: dict[str, int]) -> dict | None:
        def change(item: dict) -> None:
            item["undoCompletedBatches"] = item.get("undoCompletedBatches", 0) + 1
            item["undoDoneBatches"] = item.get("undoDoneBatches", set()) | {batch_index}
            for counter, count in counts.items():
                item["undo"][counter] += count

        def condition(item: dict) -> bool:
            return item.get("status") == UploadState.UNDOING and batch_index not in item.get("undoDoneBatches", ())

        return self._update(upload_id, condition, change)

    def finish_undo(self, upload_id: str) -> dict | None:
        def change(item: dict) -> None:
            item["status"] = UploadState.UNDONE.value
            item["undo"]["finishedAt"] = self.clock.iso()
            item.pop("openKey", None)

        def condition(item: dict) -> bool:
            return item.get("status") == UploadState.UNDOING and item.get("undoCompletedBatches") == item.get(
                "undoBatches"
            )

        return self._update(upload_id, condition, change)

    def _update(self, upload_id: str, condition: Callable[[dict], bool], change: Callable[[dict], None]) -> dict | None:
        """A conditional UpdateItem with ReturnValues=ALL_NEW: every condition of the adapter's writes fails
        on a missing item. The change is made on a copy and kept only if it completes."""
        item = self.items.get(upload_id)
        if item is None or not condition(item):
            return None
        updated = copy.deepcopy(item)
        updated["updatedAt"] = self.clock.iso()
        change(updated)
        self.items[upload_id] = updated
        return _public(updated)


def _public(item: dict) -> dict:
    return copy.deepcopy({key: value for key, value in item.items() if key not in ("openKey", "undoDoneBatches")})


def _updated(item: dict) -> str:
    return item["updatedAt"]


def _zero_sheet() -> dict[str, int]:
    return {"rows": 0, **dict.fromkeys(COUNTERS, 0)}


def _existing(container: dict, *path: str) -> Any:
    """A document path an update expression reads (`a.b = a.b + :n`): DynamoDB refuses one that is missing."""
    value: Any = container
    for name in path:
        if not isinstance(value, dict) or name not in value:
            raise RequestRefused(f"The document path {'.'.join(path)} is invalid for update")
        value = value[name]
    return value


# --- Ledger ----------------------------------------------------------------------------------------


class FakeLedger:
    """The batch ledger: shard items `<uploadId>#batches#<n>` of SHARD_BATCHES batches each, as stored."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        self.shards: dict[str, dict] = {}
        self.refused: list[tuple[str, int]] = []  # (uploadId, batchIndex) of every redelivery turned away

    def record(self, upload_id: str, batch_index: int, outcome: BatchOutcome) -> bool:
        key = shard_key(upload_id, batch_index // SHARD_BATCHES)
        shard = self.shards.get(key)
        if shard is not None and batch_index in shard["doneBatches"]:
            self.refused.append((upload_id, batch_index))
            return False
        shard = copy.deepcopy(shard) if shard else {"uploadId": key, "doneBatches": set(), "completedBatches": 0}
        shard["doneBatches"].add(batch_index)
        shard["completedBatches"] += 1
        shard["updatedAt"] = self.clock.iso()
        for counter, count in outcome.counts().items():
            if not count:
                continue
            shard[counter] = shard.get(counter, 0) + count
            if outcome.worksheet is not None:
                name = f"{_SHEET_PREFIX}{counter}#{outcome.worksheet}"
                shard[name] = shard.get(name, 0) + count
        self.shards[key] = shard
        return True

    def totals(self, upload_id: str, total_batches: int) -> LedgerTotals:
        totals = LedgerTotals()
        for shard in range(-(-total_batches // SHARD_BATCHES)):
            item = self.shards.get(shard_key(upload_id, shard))
            if item is None:
                continue
            totals.completed_batches += item["completedBatches"]
            for counter in COUNTERS:
                totals.counts[counter] += item.get(counter, 0)
            for name, value in item.items():
                if name.startswith(_SHEET_PREFIX):
                    counter, _, worksheet = name[len(_SHEET_PREFIX) :].partition("#")
                    totals.sheet_counts.setdefault(worksheet, Counter())[counter] += value
        return totals

    def counted(self, upload_id: str) -> set[int]:
        """The indexes of the upload's batches the ledger has counted (a test's view, not a port method)."""
        prefix = shard_key(upload_id, 0).rpartition("#")[0] + "#"
        return {index for key, shard in self.shards.items() if key.startswith(prefix) for index in shard["doneBatches"]}


# --- LeadStore (and the chatbot's LeadSource) ------------------------------------------------------


class FakeLeadStore:
    """The Leads table. `leads` is every lead as LeadRepository.to_lead returns it (in the order they were
    first stored or given); `items` holds the merged ones as stored. Leads given to the constructor are
    read-only: merge into leads this store created.

    As the chatbot's LeadSource it answers `matching` with every lead whatever the query (the executor checks
    each filter itself), and records what was asked: `queries` (matching) and `whole_list_reads` (count,
    find, field_values).
    """

    def __init__(self, leads: Iterable[dict] = (), *, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        self.leads: list[dict] = list(leads)
        self.items: dict[str, dict] = {}
        self.lead_count = len(self.leads)  # the counter item: +1 per lead a merge inserted
        self.revision = 0  # moves with every call of merge_rows
        self.merged: list[tuple[str, SourceRef]] = []  # (dedup key, source) of every row merged, redeliveries too
        self.merge_error: Exception | None = None  # set it and every row's write raises it (a broken table)
        self.keep_since = ""  # undo entries first written before this are dropped (the undo window's start)
        self.queries: list[LeadQuery] = []
        self.whole_list_reads: list[str] = []

    # LeadStore ------------------------------------------------------------------------------------
    def merge_rows(self, rows: Iterable[tuple[str, dict[str, str], SourceRef]]) -> list[bool]:
        created: list[bool] = []
        inserted = 0
        merged = False
        try:
            for key, lead, source in rows:
                merged = True
                row_created, row_inserted = self._merge(key, lead, source)
                created.append(row_created)
                inserted += row_inserted
        finally:  # the counter is written even when a later row failed, as the repository does
            if merged:
                self.lead_count += inserted
                self.revision += 1
        return created

    def _merge(self, key: str, lead: dict[str, str], source: SourceRef) -> tuple[bool, bool]:
        """The repository's write, worked out by the same plan_merge, applied to the stored dict."""
        if self.merge_error is not None:
            raise self.merge_error
        lead_id = lead_id_for(key)
        if lead_id not in self.items and any(view["leadId"] == lead_id for view in self.leads):
            raise AssertionError(f"lead {lead_id} was given to the fake, not merged: it cannot be merged into")
        plan = plan_merge(self.items.get(lead_id), key, lead, source, now=self.clock.iso(), keep_since=self.keep_since)
        self._store(lead_id, plan.write.applied_to(self.items.get(lead_id)))
        self.merged.append((key, source))
        return plan.created, plan.inserted

    # UndoableLeads -------------------------------------------------------------------------------
    def leads_of_upload(self, upload_id: str) -> list[str]:
        return [lead_id for lead_id, item in self.items.items() if upload_id in item.get("uploadIds", ())]

    def revert_upload(self, upload_id: str, lead_ids: list[str]) -> list[LeadOutcome]:
        outcomes = []
        for lead_id in lead_ids:
            plan = plan_revert(self.items.get(lead_id), upload_id, lead_id=lead_id, now=self.clock.iso())
            if plan.write is not None:
                self._store(lead_id, plan.write.applied_to(self.items.get(lead_id)))
                self.lead_count -= plan.write.delete_item
            outcomes.append(plan.outcome)
        self.revision += 1
        return outcomes

    def _store(self, lead_id: str, item: dict | None) -> None:
        if item is None:
            self.items.pop(lead_id, None)
            self.leads = [view for view in self.leads if view["leadId"] != lead_id]
        else:
            self.items[lead_id] = item
            self._show(to_lead(item))

    def _show(self, view: dict) -> None:
        for position, shown in enumerate(self.leads):
            if shown["leadId"] == view["leadId"]:
                self.leads[position] = view
                return
        self.leads.append(view)

    # reads, as LeadRepository answers them -----------------------------------------------------
    def get(self, lead_id: str) -> dict | None:
        return next((copy.deepcopy(view) for view in self.leads if view["leadId"] == lead_id), None)

    def scan_all(self) -> Iterator[dict]:
        return iter(copy.deepcopy(self.leads))

    def by_email(self, email: str) -> dict | None:
        """The lead with this (normalized) email: a test's shortcut."""
        return next((copy.deepcopy(view) for view in self.leads if view.get("email") == email), None)

    # LeadSource (the chatbot's executor) -----------------------------------------------------------
    def matching(self, query: LeadQuery) -> Iterator[dict]:
        """Every lead for every query: the executor checks each filter itself."""
        self.queries.append(query)
        return iter(self.leads)

    def count(self) -> int:
        self.whole_list_reads.append("count")
        return self.lead_count

    def find(self, query: LeadQuery) -> tuple[list[dict], int]:
        """A page of the whole list in the lead table's order: (sort value, leadId)."""
        assert not query.filtered, "the executor only asks for pages of the whole list"
        self.whole_list_reads.append("find")

        def order(lead: dict) -> tuple[str, str]:
            value = lead.get("createdAt") if query.sort_by == "createdAt" else sort_value(lead.get(query.sort_by))
            return str(value or ""), lead["leadId"]

        ordered = sorted(self.leads, key=order, reverse=query.descending)
        return ordered[query.offset : query.offset + query.page_size], len(self.leads)

    def field_values(self, fields: tuple[str, ...]) -> list[dict]:
        self.whole_list_reads.append("field_values")
        return [{field: lead[field] for field in fields if field in lead} for lead in self.leads]


# --- Files -----------------------------------------------------------------------------------------


class NoSuchKey(KeyError):
    """S3 answers 404 for a missing object."""


class FakeFiles:
    """The upload bucket: `objects` maps each key to its bytes."""

    def __init__(self, bucket: str = "fake-uploads") -> None:
        self.bucket = bucket
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        """Store an object, as a browser's presigned POST (or any other writer) would."""
        self.objects[key] = bytes(data)

    def presigned_post(self, key: str, *, max_bytes: int, expires_in: int) -> dict:
        return {"url": f"https://{self.bucket}.s3.fake/", "fields": {"key": key, "max-bytes": str(max_bytes)}}

    def put_undo_plan(self, upload_id: str, plan_id: str, lead_ids: list[str]) -> str:
        key = UNDO_PLAN_KEY.format(upload_id=upload_id, plan_id=plan_id)
        self.objects[key] = json.dumps(lead_ids).encode("utf-8")
        return key

    def get_undo_plan(self, key: str) -> list[str]:
        return json.loads(self._object(key))

    def presigned_get(self, key: str, *, expires_in: int = 900, download_name: str | None = None) -> str:
        link = f"https://{self.bucket}.s3.fake/{key}?expires={expires_in}"
        return f"{link}&download={download_name}" if download_name else link

    def size_of(self, key: str) -> int:
        return len(self._object(key))

    def download(self, key: str, target: BinaryIO) -> None:
        target.write(self._object(key))

    def write_reject_part(self, upload_id: str, part: str, rejects: list[dict]) -> None:
        key = f"{REJECT_PARTS_PREFIX.format(upload_id=upload_id)}{part}.csv"
        encoder = SafeCsvEncoder(REJECT_COLUMNS)
        self.objects[key] = b"".join(
            encoder.encode([reject.get("worksheet") or "", reject["row"], reject["reason"], reject["values"]])
            for reject in rejects
        )

    def assemble_rejects_report(self, upload_id: str) -> str | None:
        prefix = REJECT_PARTS_PREFIX.format(upload_id=upload_id)
        keys = sorted(key for key in self.objects if key.startswith(prefix))
        if not keys:
            return None
        chunks = ["\ufeff".encode() + SafeCsvEncoder().encode(REJECT_COLUMNS)]
        chunks.extend(self.objects[key] for key in keys)
        report_key = REJECTS_REPORT_KEY.format(upload_id=upload_id)
        self.objects[report_key] = b"".join(chunks)
        return report_key

    def put_batch_body(self, upload_id: str, batch_index: int, body: dict) -> str:
        key = BATCH_BODY_KEY.format(upload_id=upload_id, batch_index=batch_index)
        self.objects[key] = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return key

    def get_batch_body(self, key: str) -> dict:
        return json.loads(self._object(key))

    def put_review_document(self, upload_id: str, name: str, document: dict) -> str:
        key = review_key(upload_id, name)
        self.objects[key] = json.dumps(document, ensure_ascii=False).encode("utf-8")
        return key

    def get_review_document(self, upload_id: str, name: str) -> dict | None:
        key = review_key(upload_id, name)
        return json.loads(self.objects[key]) if key in self.objects else None

    def report_rows(self, key: str) -> list[dict[str, str]]:
        """The rows of a CSV report as {column: cell} (a test's view, not a port method)."""
        return list(csv.DictReader(io.StringIO(self._object(key).decode("utf-8-sig"))))

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(key for key in self.objects if key.startswith(prefix))

    def _object(self, key: str) -> bytes:
        try:
            return self.objects[key]
        except KeyError:
            raise NoSuchKey(key) from None


# --- SavedMappings ----------------------------------------------------------------------------------


class FakeSavedMappings:
    """The ColumnMappings table: `items` maps a header signature to what was saved for it."""

    def __init__(self) -> None:
        self.items: dict[str, dict] = {}

    def get(self, signature: str) -> dict[int, str | None] | None:
        item = self.items.get(signature)
        return dict(item["columns"]) if item else None

    def save(self, signature: str, headers: list[str], columns: dict[int, str | None], saved_by: str) -> None:
        self.items[signature] = {"headers": list(headers), "columns": dict(columns), "savedBy": saved_by}


# --- ValueCache -------------------------------------------------------------------------------------


class FakeValueCache:
    """The value cache table: `items` maps a cache key to its checked answer; `reads` counts get_many calls."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.reads = 0

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        self.reads += 1
        return {key: self.items[key] for key in keys if key in self.items}

    def put_many(self, answers: Mapping[str, str]) -> None:
        self.items.update(answers)


# --- BatchSender and BatchBacklog --------------------------------------------------------------------


class FakeBatchQueue:
    """The processing queue. add/flush buffer and send like the adapter (at most MAX_ENTRIES messages and
    MAX_REQUEST_BYTES a request); what was sent waits in `messages` until a test receives it."""

    def __init__(self) -> None:
        self.messages: list[str] = []  # sent, not yet received, in order
        self.requests: list[list[str]] = []  # each SendMessageBatch request's message ids
        self._pending: list[tuple[str, str]] = []
        self._pending_bytes = 0

    def add(self, message_id: str, text: str) -> None:
        size = len(text.encode("utf-8"))
        if size > MAX_MESSAGE_BYTES:
            raise MessageTooLarge(f"message {message_id} is {size} bytes")
        if len(self._pending) == MAX_ENTRIES or self._pending_bytes + size > MAX_REQUEST_BYTES:
            self.flush()
        self._pending.append((message_id, text))
        self._pending_bytes += size

    def flush(self) -> None:
        if self._pending:
            self.requests.append([message_id for message_id, _ in self._pending])
            self.messages.extend(text for _, text in self._pending)
        self._pending, self._pending_bytes = [], 0

    def holds_messages(self) -> bool:
        return bool(self.messages)

    def receive(self) -> list[dict]:
        """Every message sent and not yet received, as parsed JSON bodies (the queue is then empty)."""
        bodies = [json.loads(text) for text in self.messages]
        self.messages = []
        return bodies


# --- LanguageModel -----------------------------------------------------------------------------------

Reply = dict | Exception | Callable[[dict], dict]


class FakeLanguageModel:
    """Answers each request with the next scripted reply: a JSON object, an exception to raise, or a function
    of the request's user document. Without a script it answers every lead unchanged. `requests` holds the
    user documents asked, in order."""

    def __init__(self, replies: Iterable[Reply] = ()) -> None:
        self.script: deque[Reply] = deque(replies)
        self.requests: list[dict] = []
        self.systems: list[str] = []

    def complete_json(self, *, system: str, user: str, max_tokens: int = 4096) -> dict[str, Any]:
        document = json.loads(user)
        self.requests.append(document)
        self.systems.append(system)
        reply = self.script.popleft() if self.script else None
        if reply is None:
            return {"leads": document.get("leads", [])}
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(document)
        return copy.deepcopy(reply)

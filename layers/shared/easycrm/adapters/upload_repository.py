"""ProcessingStatus table: one item per upload, changed only by conditional writes.

Exactly-once accounting lives in the batch ledger (batch_ledger.py); the upload item mirrors it batch by
batch for progress and live counts, and every write that closes an upload is conditional on the state
it was computed from, so exactly one closer wins. While an upload is not final its item carries
`openKey`, which puts it in the sparse `open-uploads` index that the sweeper reads.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from easycrm.adapters import aws
from easycrm.adapters.dynamodb_items import plain, typed, untyped, utc_now_iso
from easycrm.uploads.states import COUNTERS, FINAL_STATES, UNDO_COUNTERS, BatchOutcome, UploadState

OWNER_INDEX = "owner-createdAt-index"
TEAM_INDEX = "team-createdAt-index"  # every upload of the team, newest first (the import history)
TEAM_KEY = "team"
OPEN_INDEX = "open-uploads"
OPEN_KEY = "open"
_ZERO_SHEET = {"rows": 0, **dict.fromkeys(COUNTERS, 0)}


def _conditional_check_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class UploadRepository:
    def __init__(self, table_name: str):
        self._table = aws.dynamodb_table(table_name)
        self._client = aws.dynamodb_client()  # every batch reads and updates its upload: see aws.dynamodb_client
        self._table_name = table_name

    def _update(self, upload_id: str, **kwargs) -> dict | None:
        """UpdateItem that returns the new item, or None when its condition does not hold."""
        kwargs["ExpressionAttributeValues"] = typed(kwargs["ExpressionAttributeValues"])
        try:
            response = self._client.update_item(
                TableName=self._table_name, Key=typed({"uploadId": upload_id}), ReturnValues="ALL_NEW", **kwargs
            )
        except ClientError as error:
            if _conditional_check_failed(error):
                return None
            raise
        return _public(untyped(response["Attributes"]))

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
        now = utc_now_iso()
        item = {
            "uploadId": upload_id,
            "owner": owner,
            "teamKey": TEAM_KEY,
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
            **({"ownerEmail": owner_email} if owner_email else {}),
        }
        self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(uploadId)")
        return item

    def get(self, upload_id: str) -> dict | None:
        item = self._table.get_item(Key={"uploadId": upload_id}, ConsistentRead=True).get("Item")
        return _public(item) if item else None

    def get_processing_state(self, upload_id: str) -> dict | None:
        """What a batch needs to know, read without the rest of the record (worksheets, errors)."""
        item = self._client.get_item(
            TableName=self._table_name,
            Key=typed({"uploadId": upload_id}),
            ProjectionExpression="uploadId, #status, cancelRequested, llmError",
            ExpressionAttributeNames={"#status": "status"},
            ConsistentRead=True,
        ).get("Item")
        return _public(untyped(item)) if item else None

    def mark_uploaded(self, upload_id: str, file_size: int) -> dict | None:
        return self._update(
            upload_id,
            UpdateExpression="SET #status = :uploaded, fileSize = :size, updatedAt = :now",
            ConditionExpression="#status = :uploading",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":uploaded": UploadState.UPLOADED.value,
                ":uploading": UploadState.UPLOADING.value,
                ":size": file_size,
                ":now": utc_now_iso(),
            },
        )

    def await_review(self, upload_id: str) -> dict | None:
        return self._update(
            upload_id,
            UpdateExpression="SET #status = :review, updatedAt = :now",
            ConditionExpression=(
                "#status = :uploaded AND attribute_not_exists(totalBatches) AND attribute_not_exists(mappingConfirmed)"
            ),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":review": UploadState.NEEDS_REVIEW.value,
                ":uploaded": UploadState.UPLOADED.value,
                ":now": utc_now_iso(),
            },
        )

    def confirm_review(self, upload_id: str) -> dict | None:
        return self._update(
            upload_id,
            UpdateExpression="SET #status = :uploaded, mappingConfirmed = :yes, updatedAt = :now",
            ConditionExpression="#status = :review",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":review": UploadState.NEEDS_REVIEW.value,
                ":uploaded": UploadState.UPLOADED.value,
                ":yes": True,
                ":now": utc_now_iso(),
            },
        )

    def mark_processing(self, upload_id: str) -> dict | None:
        return self._update(
            upload_id,
            UpdateExpression="SET #status = :processing, updatedAt = :now",
            ConditionExpression="#status IN (:uploading, :uploaded)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":processing": UploadState.PROCESSING.value,
                ":uploading": UploadState.UPLOADING.value,
                ":uploaded": UploadState.UPLOADED.value,
                ":now": utc_now_iso(),
            },
        )

    def start_processing(
        self, upload_id: str, *, total_batches: int, rows: int, sheet_rows: dict[str, int], warnings: list[str]
    ) -> dict | None:
        """The file was read whole: record what will be queued, before the first batch is sent.

        None when the upload was closed (cancelled or forced) while its file was being read.
        """
        sets = ["#status = :processing", "totalBatches = :total", "#rows = :rows", "worksheets = :sheets"]
        values: dict = {
            ":processing": UploadState.PROCESSING.value,
            ":uploaded": UploadState.UPLOADED.value,
            ":total": total_batches,
            ":rows": rows,
            ":sheets": {sheet: {**_ZERO_SHEET, "rows": count} for sheet, count in sheet_rows.items()},
            ":now": utc_now_iso(),
        }
        if warnings:
            sets.append("warnings = :warnings")
            values[":warnings"] = warnings
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)}, updatedAt = :now",
            ConditionExpression="#status = :uploaded AND attribute_not_exists(totalBatches)",
            ExpressionAttributeNames={"#status": "status", "#rows": "rows"},
            ExpressionAttributeValues=values,
        )

    def stop_sending(
        self,
        upload_id: str,
        *,
        planned_batches: int,
        sent_batches: int,
        unsent_rows: int,
        unsent_sheet_rows: dict[str, int],
    ) -> dict | None:
        """A cancel stopped the splitter: the batches never sent are counted as cancelled, once.

        `unsentRows` keeps them apart from the batches' own counts, which the ledger holds.
        """
        sets = ["totalBatches = :sent", "unsentRows = :unsent", "updatedAt = :now"]
        names = {"#status": "status"}
        values: dict = {
            ":planned": planned_batches,
            ":sent": sent_batches,
            ":unsent": unsent_rows,
            ":processing": UploadState.PROCESSING.value,
            ":now": utc_now_iso(),
        }
        for position, (sheet, count) in enumerate(unsent_sheet_rows.items()):
            names[f"#ws{position}"] = sheet
            values[f":wsunsent{position}"] = count
            path = f"worksheets.#ws{position}"
            sets.append(f"{path}.cancelled = {path}.cancelled + :wsunsent{position}")
            sets.append(f"{path}.unsentRows = :wsunsent{position}")
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)} ADD cancelled :unsent",
            ConditionExpression="#status = :processing AND totalBatches = :planned",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def add_batch_counts(self, upload_id: str, outcome: BatchOutcome) -> dict | None:
        """Mirror a batch the ledger just counted onto the upload; None once the upload is closed."""
        names = {"#status": "status"}
        values: dict = {":one": 1, ":processing": UploadState.PROCESSING.value, ":now": utc_now_iso()}
        adds = ["completedBatches :one"]
        sets = ["updatedAt = :now"]
        if outcome.worksheet is not None:
            names["#ws"] = outcome.worksheet
        for counter, count in outcome.counts().items():
            if not count:
                continue
            values[f":{counter}"] = count
            adds.append(f"{counter} :{counter}")
            if outcome.worksheet is not None:
                sets.append(f"worksheets.#ws.{counter} = worksheets.#ws.{counter} + :{counter}")
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)} ADD {', '.join(adds)}",
            ConditionExpression="#status = :processing",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def finalize(self, upload_id: str, state: UploadState, rejects_key: str | None) -> dict | None:
        """Close a fully accounted upload; the condition lets exactly one finisher win."""
        sets = ["#status = :final", "updatedAt = :now", "finishedAt = :now"]
        values = {":final": state.value, ":processing": UploadState.PROCESSING.value, ":now": utc_now_iso()}
        if rejects_key:
            sets.append("rejectsKey = :rejects")
            values[":rejects"] = rejects_key
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)} REMOVE openKey",
            ConditionExpression="#status = :processing AND completedBatches = totalBatches",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )

    def request_cancel(self, upload_id: str) -> dict | None:
        return self._update(
            upload_id,
            UpdateExpression="SET cancelRequested = :yes, updatedAt = :now",
            ConditionExpression=f"attribute_exists(uploadId) AND NOT (#status IN ({_FINAL_PLACEHOLDERS}))",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":yes": True, ":now": utc_now_iso(), **_final_state_values()},
        )

    def close_unsplit(
        self, upload_id: str, state: UploadState, *, error: str | None = None, forced_by: str | None = None
    ) -> dict | None:
        """End an upload before any batch was queued (file missing, unreadable, or still being read).

        Nothing was queued, so there is nothing to count: rows stay 0. The condition races the
        splitter's start_processing: exactly one of them applies, and a splitter that loses stops
        without queueing anything; a file arriving later finds the upload final and is ignored.
        """
        sets = ["#status = :final", "updatedAt = :now", "finishedAt = :now"]
        names = {"#status": "status"}
        values = {":final": state.value, ":now": utc_now_iso(), **_final_state_values()}
        if error:
            sets.append("#error = :message")
            names["#error"] = "error"
            values[":message"] = error
        if forced_by:
            sets.extend(["forcedBy = :by", "forcedAt = :now"])
            values[":by"] = forced_by
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)} REMOVE openKey",
            ConditionExpression=(
                "attribute_exists(uploadId) AND attribute_not_exists(totalBatches) "
                f"AND NOT (#status IN ({_FINAL_PLACEHOLDERS}))"
            ),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

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
        """Close a split upload whose batches stopped coming, with `counts` (the ledger's, plus the rows
        never processed); None when the upload changed since `seen` was read.

        The condition on status and completedBatches makes the write apply only to the state the counts
        were computed from; a batch counted later is refused by the mirror's own condition.
        """
        sets = ["#status = :final", "updatedAt = :now", "finishedAt = :now", "forcedBy = :by", "forcedAt = :now"]
        sets += ["completedBatches = totalBatches", "#error = :error"]
        names = {"#status": "status", "#error": "error"}
        values: dict = {
            ":final": state.value,
            ":seen": seen["status"],
            ":completed": seen.get("completedBatches", 0),
            ":by": forced_by,
            ":error": error,
            ":now": utc_now_iso(),
        }
        for counter, count in counts.items():
            sets.append(f"{counter} = :{counter}")
            values[f":{counter}"] = count
        if sheet_counts:
            sets.append("worksheets = :sheets")
            values[":sheets"] = sheet_counts
        if rejects_key:
            sets.append("rejectsKey = :rejects")
            values[":rejects"] = rejects_key
        return self._update(
            seen["uploadId"],
            UpdateExpression=f"SET {', '.join(sets)} REMOVE openKey",
            ConditionExpression="#status = :seen AND completedBatches = :completed",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def open_uploads(self, updated_before: str) -> list[dict]:
        """Every upload that is not final and has not changed since `updated_before` (the sweeper's work)."""
        return self._query_all(
            IndexName=OPEN_INDEX,
            KeyConditionExpression=Key("openKey").eq(OPEN_KEY) & Key("updatedAt").lt(updated_before),
        )

    def record_llm_error(self, upload_id: str, message: str) -> None:
        """Remember why the LLM stopped for this upload (first reason wins)."""
        self._table.update_item(
            Key={"uploadId": upload_id},
            UpdateExpression="SET llmError = if_not_exists(llmError, :message), updatedAt = :now",
            ExpressionAttributeValues={":message": message, ":now": utc_now_iso()},
        )

    def list_for_owner(self, owner: str, limit: int = 50) -> list[dict]:
        response = self._table.query(
            IndexName=OWNER_INDEX,
            KeyConditionExpression=Key("owner").eq(owner),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_public(item) for item in response.get("Items", [])]

    def list_for_team(self, limit: int = 50) -> list[dict]:
        response = self._table.query(
            IndexName=TEAM_INDEX,
            KeyConditionExpression=Key("teamKey").eq(TEAM_KEY),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_public(item) for item in response.get("Items", [])]

    # undo (easycrm.undo) ---------------------------------------------------------------------------
    def start_undo(self, upload_id: str, *, seen_status: str, requested_by: str) -> dict | None:
        """`seen_status` → undoing, the undo's counters at 0; None when the upload changed since it was read."""
        now = utc_now_iso()
        undo = {**dict.fromkeys(UNDO_COUNTERS, 0), "requestedBy": requested_by, "requestedAt": now, "from": seen_status}
        return self._update(
            upload_id,
            UpdateExpression="SET #status = :undoing, #undo = :undo, updatedAt = :now, openKey = :open",
            ConditionExpression="#status = :seen",
            ExpressionAttributeNames={"#status": "status", "#undo": "undo"},
            ExpressionAttributeValues={
                ":undoing": UploadState.UNDOING.value,
                ":seen": seen_status,
                ":undo": undo,
                ":now": now,
                ":open": OPEN_KEY,  # listed for the sweeper (and a local restart) until it ends
            },
        )

    def touch_undo(self, upload_id: str, seen_updated_at: str) -> dict | None:
        """Mark a stalled undo as being resumed; None when it moved since `seen_updated_at` (or ended), so
        of two sweepers only one resumes it."""
        return self._update(
            upload_id,
            UpdateExpression="SET updatedAt = :now",
            ConditionExpression="#status = :undoing AND updatedAt = :seen",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":undoing": UploadState.UNDOING.value,
                ":seen": seen_updated_at,
                ":now": utc_now_iso(),
            },
        )

    def withdraw_undo(self, upload_id: str, error: str) -> dict | None:
        """An undo that could not start (its work was never queued or planned): back to the state it left,
        with the reason, so it can be asked again."""
        record = self.get(upload_id)
        if record is None or record.get("status") != UploadState.UNDOING or "undoBatches" in record:
            return None
        return self._update(
            upload_id,
            UpdateExpression="SET #status = :previous, #undo.#error = :error, updatedAt = :now REMOVE openKey",
            ConditionExpression="#status = :undoing AND attribute_not_exists(undoBatches)",
            ExpressionAttributeNames={"#status": "status", "#undo": "undo", "#error": "error"},
            ExpressionAttributeValues={
                ":previous": record["undo"]["from"],
                ":undoing": UploadState.UNDOING.value,
                ":error": error,
                ":now": utc_now_iso(),
            },
        )

    def plan_undo(self, upload_id: str, *, batches: int, plan_key: str) -> dict | None:
        """Record the undo's batches before the first is sent; None when another delivery planned first."""
        return self._update(
            upload_id,
            UpdateExpression="SET undoBatches = :batches, undoCompletedBatches = :zero, undoPlanKey = :key, "
            "updatedAt = :now",
            ConditionExpression="#status = :undoing AND attribute_not_exists(undoBatches)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":batches": batches,
                ":zero": 0,
                ":key": plan_key,
                ":undoing": UploadState.UNDOING.value,
                ":now": utc_now_iso(),
            },
        )

    def add_undo_batch(self, upload_id: str, batch_index: int, counts: dict[str, int]) -> dict | None:
        """Count one undo batch exactly once: its index joins `undoDoneBatches` in the same conditional write
        that adds its counts; None when it was counted before (or the undo is over)."""
        adds = ["undoCompletedBatches :one", "undoDoneBatches :batch"]
        names = {"#status": "status", "#undo": "undo"}
        values: dict = {
            ":one": 1,
            ":batch": {batch_index},
            ":index": batch_index,
            ":undoing": UploadState.UNDOING.value,
            ":now": utc_now_iso(),
        }
        sets = ["updatedAt = :now"]
        for position, counter in enumerate(UNDO_COUNTERS):
            if counts.get(counter):
                names[f"#c{position}"] = counter
                values[f":c{position}"] = counts[counter]
                sets.append(f"#undo.#c{position} = #undo.#c{position} + :c{position}")
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)} ADD {', '.join(adds)}",
            ConditionExpression="#status = :undoing AND NOT contains(undoDoneBatches, :index)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def finish_undo(self, upload_id: str) -> dict | None:
        """undoing → undone once every batch is counted; the condition lets exactly one finisher win."""
        return self._update(
            upload_id,
            UpdateExpression="SET #status = :undone, #undo.finishedAt = :now, updatedAt = :now REMOVE openKey",
            ConditionExpression="#status = :undoing AND undoCompletedBatches = undoBatches",
            ExpressionAttributeNames={"#status": "status", "#undo": "undo"},
            ExpressionAttributeValues={
                ":undone": UploadState.UNDONE.value,
                ":undoing": UploadState.UNDOING.value,
                ":now": utc_now_iso(),
            },
        )

    def upload_names_for_owner(self, owner: str) -> list[dict]:
        """Every upload of the owner as `{uploadId, fileName}`, newest first (all pages, little data)."""
        return self._query_all(
            IndexName=OWNER_INDEX,
            KeyConditionExpression=Key("owner").eq(owner),
            ScanIndexForward=False,
            ProjectionExpression="uploadId, fileName",
        )

    def _query_all(self, **kwargs) -> list[dict]:
        """Every page of a query, as public records."""
        items: list[dict] = []
        while True:
            response = self._table.query(**kwargs)
            items.extend(_public(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _final_state_values() -> dict[str, str]:
    return {f":s{position}": state.value for position, state in enumerate(sorted(FINAL_STATES))}


_FINAL_PLACEHOLDERS = ", ".join(_final_state_values())


_BOOKKEEPING = frozenset({"openKey", "teamKey", "undoDoneBatches"})


def _public(item: dict) -> dict:
    """The record as the rest of the code sees it: plain numbers, no index or undo bookkeeping."""
    return plain({key: value for key, value in item.items() if key not in _BOOKKEEPING})

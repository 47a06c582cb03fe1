"""ProcessingStatus table: one item per upload, changed only by conditional writes.

Exactly-once accounting: each batch adds its index to the `doneBatches` number set in the same
conditional UpdateItem that adds its counts, so a redelivered batch is refused by DynamoDB itself.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from easycrm import aws
from easycrm.clock import utc_now_iso
from easycrm.repositories._items import plain
from easycrm.status import COUNTERS, FINAL_STATES, BatchOutcome, UploadState

OWNER_INDEX = "owner-createdAt-index"
_ZERO_SHEET = {"rows": 0, **dict.fromkeys(COUNTERS, 0)}


def _conditional_check_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class StatusRepository:
    def __init__(self, table_name: str):
        self._table = aws.dynamodb_table(table_name)

    def _update(self, upload_id: str, **kwargs) -> dict | None:
        """UpdateItem that returns the new item, or None when its condition does not hold."""
        try:
            response = self._table.update_item(Key={"uploadId": upload_id}, ReturnValues="ALL_NEW", **kwargs)
        except ClientError as error:
            if _conditional_check_failed(error):
                return None
            raise
        return _public(response["Attributes"])

    def create(self, *, upload_id: str, owner: str, file_name: str, file_size: int, object_key: str) -> dict:
        now = utc_now_iso()
        item = {
            "uploadId": upload_id,
            "owner": owner,
            "fileName": file_name,
            "fileSize": file_size,
            "objectKey": object_key,
            "status": UploadState.UPLOADING.value,
            "createdAt": now,
            "updatedAt": now,
            "completedBatches": 0,
            "rows": 0,
            "worksheets": {},
            **dict.fromkeys(COUNTERS, 0),
        }
        self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(uploadId)")
        return item

    def get(self, upload_id: str) -> dict | None:
        item = self._table.get_item(Key={"uploadId": upload_id}, ConsistentRead=True).get("Item")
        return _public(item) if item else None

    def get_processing_state(self, upload_id: str) -> dict | None:
        """What a batch needs to know, read without the upload's (large) set of finished batches."""
        item = self._table.get_item(
            Key={"uploadId": upload_id},
            ProjectionExpression="uploadId, #status, cancelRequested, llmError",
            ExpressionAttributeNames={"#status": "status"},
            ConsistentRead=True,
        ).get("Item")
        return _public(item) if item else None

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

    def fail(self, upload_id: str, message: str) -> dict | None:
        """The whole file is unusable: end the upload with a message a user understands."""
        return self._update(
            upload_id,
            UpdateExpression="SET #status = :failed, #error = :message, updatedAt = :now, finishedAt = :now",
            ConditionExpression="attribute_exists(uploadId) AND NOT (#status IN (:s0, :s1, :s2, :s3))",
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":failed": UploadState.FAILED.value,
                ":message": message,
                ":now": utc_now_iso(),
                **_final_state_values(),
            },
        )

    def open_sheet(self, upload_id: str, worksheet: str) -> None:
        self._table.update_item(
            Key={"uploadId": upload_id},
            UpdateExpression="SET worksheets.#ws = if_not_exists(worksheets.#ws, :zero), updatedAt = :now",
            ExpressionAttributeNames={"#ws": worksheet},
            ExpressionAttributeValues={":zero": dict(_ZERO_SHEET), ":now": utc_now_iso()},
        )

    def set_totals(
        self,
        upload_id: str,
        *,
        total_batches: int,
        rows: int,
        sheet_rows: dict[str, int],
        unsent_rows: int,
        unsent_sheet_rows: dict[str, int],
    ) -> dict | None:
        """Record what the splitter queued; only the first complete split may do so."""
        sets = ["totalBatches = :total", "#rows = :rows", "updatedAt = :now"]
        adds = ["cancelled :unsent"]
        names = {"#rows": "rows"}
        values = {":total": total_batches, ":rows": rows, ":unsent": unsent_rows, ":now": utc_now_iso()}
        for position, (sheet, count) in enumerate(sheet_rows.items()):
            names[f"#ws{position}"] = sheet
            values[f":wsrows{position}"] = count
            sets.append(f"worksheets.#ws{position}.#rows = :wsrows{position}")
            unsent = unsent_sheet_rows.get(sheet, 0)
            if unsent:
                values[f":wsunsent{position}"] = unsent
                sets.append(
                    f"worksheets.#ws{position}.cancelled = worksheets.#ws{position}.cancelled + :wsunsent{position}"
                )
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)} ADD {', '.join(adds)}",
            ConditionExpression="attribute_exists(uploadId) AND attribute_not_exists(totalBatches)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def account_batch(self, upload_id: str, batch_index: int, outcome: BatchOutcome) -> dict | None:
        """Add one batch's counts exactly once; None when this batch was already counted."""
        names: dict[str, str] = {}
        values: dict = {":batch": {batch_index}, ":index": batch_index, ":one": 1, ":now": utc_now_iso()}
        adds = ["doneBatches :batch", "completedBatches :one"]
        sets = ["updatedAt = :now"]
        for counter, count in outcome.counts().items():
            values[f":{counter}"] = count
            adds.append(f"{counter} :{counter}")
            if outcome.worksheet is not None:
                sets.append(f"worksheets.#ws.{counter} = worksheets.#ws.{counter} + :{counter}")
        if outcome.worksheet is not None:
            names["#ws"] = outcome.worksheet
        kwargs = {"ExpressionAttributeNames": names} if names else {}
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)} ADD {', '.join(adds)}",
            ConditionExpression="attribute_exists(uploadId) AND NOT contains(doneBatches, :index)",
            ExpressionAttributeValues=values,
            **kwargs,
        )

    def finalize(self, upload_id: str, state: UploadState, rejects_key: str | None) -> dict | None:
        """Close a fully accounted upload; the condition lets exactly one finisher win."""
        sets = ["#status = :final", "updatedAt = :now", "finishedAt = :now"]
        values = {
            ":final": state.value,
            ":processing": UploadState.PROCESSING.value,
            ":uploaded": UploadState.UPLOADED.value,
            ":now": utc_now_iso(),
        }
        if rejects_key:
            sets.append("rejectsKey = :rejects")
            values[":rejects"] = rejects_key
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)}",
            ConditionExpression="#status IN (:processing, :uploaded) AND completedBatches = totalBatches",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )

    def request_cancel(self, upload_id: str) -> dict | None:
        return self._update(
            upload_id,
            UpdateExpression="SET cancelRequested = :yes, updatedAt = :now",
            ConditionExpression="attribute_exists(uploadId) AND NOT (#status IN (:s0, :s1, :s2, :s3))",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":yes": True, ":now": utc_now_iso(), **_final_state_values()},
        )

    def close_before_arrival(
        self, upload_id: str, state: UploadState, *, error: str | None = None, forced_by: str | None = None
    ) -> dict | None:
        """End an upload whose file never arrived: nothing was read, so there is nothing to count.

        The condition loses to the splitter: once it has taken the file (`uploaded`), the upload ends the
        ordinary way. A file arriving later finds the upload final and is ignored.
        """
        sets = ["#status = :final", "updatedAt = :now", "finishedAt = :now"]
        names = {"#status": "status"}
        values = {":final": state.value, ":uploading": UploadState.UPLOADING.value, ":now": utc_now_iso()}
        if error:
            sets.append("#error = :message")
            names["#error"] = "error"
            values[":message"] = error
        if forced_by:
            sets.extend(["forcedBy = :by", "forcedAt = :now"])
            values[":by"] = forced_by
        return self._update(
            upload_id,
            UpdateExpression=f"SET {', '.join(sets)}",
            ConditionExpression="#status = :uploading AND attribute_not_exists(totalBatches)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def force_finish(
        self,
        seen: dict,
        *,
        state: UploadState,
        counter: str,
        missing: int,
        sheet_missing: dict[str, int],
        rejects_key: str | None,
        forced_by: str,
    ) -> dict | None:
        """Close a split upload whose batches stopped coming, as `seen`; None when it changed since.

        Every batch index goes into `doneBatches` in the same write, so a batch delivered late is refused
        by account_batch's own condition and the forced counts stay exact. The condition on
        completedBatches and cancelRequested makes the write apply only to the counts it was computed from.
        """
        total = int(seen["totalBatches"])
        sets = ["#status = :final", "completedBatches = :total", "updatedAt = :now", "finishedAt = :now"]
        sets += ["forcedBy = :by", "forcedAt = :now"]
        adds = [f"{counter} :missing"]
        names = {"#status": "status"}
        values = {
            ":final": state.value,
            ":seen": seen["status"],
            ":completed": seen.get("completedBatches", 0),
            ":total": total,
            ":missing": missing,
            ":by": forced_by,
            ":now": utc_now_iso(),
        }
        if total:
            adds.append("doneBatches :all")
            values[":all"] = set(range(total))
        if rejects_key:
            sets.append("rejectsKey = :rejects")
            values[":rejects"] = rejects_key
        for position, (sheet, count) in enumerate(sheet_missing.items()):
            names[f"#ws{position}"] = sheet
            values[f":wsmissing{position}"] = count
            path = f"worksheets.#ws{position}.{counter}"
            sets.append(f"{path} = {path} + :wsmissing{position}")
        cancel_guard = "attribute_not_exists(cancelRequested)"
        if seen.get("cancelRequested"):
            cancel_guard = "cancelRequested = :yes"
            values[":yes"] = True
        return self._update(
            seen["uploadId"],
            UpdateExpression=f"SET {', '.join(sets)} ADD {', '.join(adds)}",
            ConditionExpression=(
                f"#status = :seen AND totalBatches = :total AND completedBatches = :completed AND {cancel_guard}"
            ),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
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

    def upload_names_for_owner(self, owner: str) -> list[dict]:
        """Every upload of the owner as `{uploadId, fileName}`, newest first (all pages, little data)."""
        kwargs: dict = {
            "IndexName": OWNER_INDEX,
            "KeyConditionExpression": Key("owner").eq(owner),
            "ScanIndexForward": False,
            "ProjectionExpression": "uploadId, fileName",
        }
        names: list[dict] = []
        while True:
            response = self._table.query(**kwargs)
            names.extend(plain(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return names
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _final_state_values() -> dict[str, str]:
    return {f":s{position}": state.value for position, state in enumerate(sorted(FINAL_STATES))}


def _public(item: dict) -> dict:
    """The record as the rest of the code sees it: plain numbers, no bookkeeping sets."""
    record = plain({key: value for key, value in item.items() if key != "doneBatches"})
    return record

"""The batch ledger: which batches of an upload were counted, and their exact counts, at any scale.

A batch is counted by one conditional UpdateItem on its ledger shard (batches 0-499 in shard 0, and so
on) that adds its index to the shard's `doneBatches` set and its counts to the shard's counters, on the
condition that the index is not in the set yet: a redelivered batch is refused by DynamoDB itself.
A shard holds at most SHARD_BATCHES indexes (a few KB), so a 1,000,000-row file (100,000 batches of 10)
needs 200 small items instead of one set that outgrows DynamoDB's 400 KB item limit.

Shards live in the ProcessingStatus table under `<uploadId>#batches#<n>`; they have no `owner` and no
`openKey`, so neither the owner index nor the open-uploads index ever lists them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from easycrm.adapters import aws
from easycrm.adapters.dynamodb_items import plain, typed, untyped, utc_now_iso
from easycrm.uploads.states import COUNTERS, BatchOutcome

SHARD_BATCHES = 500
_SHEET_PREFIX = "sheet#"  # per-worksheet counters are top-level attributes `sheet#<counter>#<worksheet>`
_BATCH_GET_KEYS = 100


def shard_key(upload_id: str, shard: int) -> str:
    return f"{upload_id}#batches#{shard}"


@dataclass
class LedgerTotals:
    """What the ledger counted for an upload: batches, counters, and counters per worksheet."""

    completed_batches: int = 0
    counts: Counter = field(default_factory=Counter)
    sheet_counts: dict[str, Counter] = field(default_factory=dict)


class BatchLedger:
    def __init__(self, table_name: str):
        self._client = aws.dynamodb_client()  # one record per batch: see aws.dynamodb_client
        self._table_name = table_name

    def record(self, upload_id: str, batch_index: int, outcome: BatchOutcome) -> bool:
        """Count the batch once; False when it was counted before."""
        names: dict[str, str] = {}
        values: dict = {":batch": {batch_index}, ":index": batch_index, ":one": 1, ":now": utc_now_iso()}
        adds = ["doneBatches :batch", "completedBatches :one"]
        for position, (counter, count) in enumerate(outcome.counts().items()):
            if not count:
                continue
            values[f":{counter}"] = count
            adds.append(f"{counter} :{counter}")
            if outcome.worksheet is not None:
                names[f"#s{position}"] = f"{_SHEET_PREFIX}{counter}#{outcome.worksheet}"
                adds.append(f"#s{position} :{counter}")
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key=typed({"uploadId": shard_key(upload_id, batch_index // SHARD_BATCHES)}),
                UpdateExpression=f"SET updatedAt = :now ADD {', '.join(adds)}",
                ConditionExpression="NOT contains(doneBatches, :index)",
                ExpressionAttributeValues=typed(values),
                **({"ExpressionAttributeNames": names} if names else {}),
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def totals(self, upload_id: str, total_batches: int) -> LedgerTotals:
        """Sum every shard of the upload (consistent reads; one BatchGetItem per 100 shards)."""
        shards = -(-total_batches // SHARD_BATCHES)
        keys = [typed({"uploadId": shard_key(upload_id, shard)}) for shard in range(shards)]
        totals = LedgerTotals()
        for start in range(0, len(keys), _BATCH_GET_KEYS):
            request = {self._table_name: {"Keys": keys[start : start + _BATCH_GET_KEYS], "ConsistentRead": True}}
            while request:
                response = self._client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self._table_name, []):
                    _add_shard(totals, plain(untyped(item)))
                request = response.get("UnprocessedKeys") or {}
        return totals


def _add_shard(totals: LedgerTotals, item: dict) -> None:
    totals.completed_batches += int(item.get("completedBatches", 0))
    for counter in COUNTERS:
        totals.counts[counter] += int(item.get(counter, 0))
    for name, value in item.items():
        if name.startswith(_SHEET_PREFIX):
            counter, _, worksheet = name[len(_SHEET_PREFIX) :].partition("#")
            totals.sheet_counts.setdefault(worksheet, Counter())[counter] += int(value)

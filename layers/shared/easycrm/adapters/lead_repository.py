"""Leads table: one item per dedup key, merged with one UpdateItem per row; lists read through its indexes.

The key and index design, and what each read costs, are described in `easycrm.leads.queries` and in the
docs/data-model.md ("Reading the lead list").
"""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial, reduce
from itertools import islice
from operator import and_
from typing import Any, Protocol, TypeVar

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from easycrm.adapters import aws
from easycrm.adapters.dynamodb_items import plain, typed, untyped, utc_now_iso
from easycrm.importing.dedup import SourceRef, lead_id_for
from easycrm.leads.queries import (
    INTERNAL_ATTRIBUTES,
    LIST_KEY,
    SEARCH_ATTRIBUTES,
    SORT_INDEXES,
    LeadQuery,
    Plan,
    list_keys,
    matches_search,
    order_key,
    plan_for,
)
from easycrm.leads.writes import LeadWrite, Path, plan_merge
from easycrm.settings import DEFAULT_UNDO_WINDOW_DAYS
from easycrm.undo.revert import LeadOutcome, plan_revert

# Past a page's end, entries tied with its last one are read in pages of this many.
TIE_READ_AHEAD = 10
# The exact number of leads, and the lead list's revision, live in one item of the table, outside every
# index. The revision moves with every batch of merges, so what is derived from every lead (a search's
# candidates, the summary's values) is read once per revision and kept in memory until it moves.
COUNTER_ID = "#meta#leadCount"
# The attributes of each lead a search looks at: what the list indexes hold.
LIST_ENTRY_PROJECTION = "leadId, createdAt, nameKey, companyKey, emailKey"
# Tries to write one lead that other writers keep changing between its read and its write, and the longest
# wait between two tries.
WRITE_ATTEMPTS = 50
CONTENDED_WAIT_SECONDS = 0.1
BATCH_GET_LIMIT = 100  # keys per BatchGetItem (DynamoDB's maximum); also the largest page

T = TypeVar("T")


class _Planned(Protocol):
    """A worked-out change of one lead (leads.writes.MergePlan, undo.revert.RevertPlan)."""

    @property
    def write(self) -> LeadWrite | None: ...


P = TypeVar("P", bound=_Planned)


class LeadBusy(RuntimeError):
    """A lead changed between every read and write of WRITE_ATTEMPTS tries: the batch is delivered again."""

    def __init__(self, lead_id: str):
        super().__init__(f"lead {lead_id} kept changing while it was written")


class _WriteExpression:
    """The placeholders of one write: every attribute name and value goes through one, so no field name
    can clash with a reserved word and no value is ever spliced into the expression."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self._values: dict[str, Any] = {}
        self._placeholders: dict[str, str] = {}

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self._values)}"
        self._values[placeholder] = value
        return placeholder

    def path(self, path: Path) -> str:
        parts = []
        for name in path:
            if name not in self._placeholders:
                self._placeholders[name] = f"#n{len(self._placeholders)}"
                self.names[self._placeholders[name]] = name
            parts.append(self._placeholders[name])
        return ".".join(parts)

    def update(self, write: LeadWrite) -> str:
        clauses = []
        if write.sets:
            clauses.append("SET " + ", ".join(f"{self.path(p)} = {self.value(v)}" for p, v in write.sets.items()))
        if write.removes:
            clauses.append("REMOVE " + ", ".join(self.path(p) for p in write.removes))
        if write.adds:
            clauses.append("ADD " + ", ".join(f"{self.path((n,))} {self.value(v)}" for n, v in write.adds.items()))
        if write.deletes:
            clauses.append(
                "DELETE " + ", ".join(f"{self.path((n,))} {self.value(v)}" for n, v in write.deletes.items())
            )
        return " ".join(clauses)

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        if self.names:
            arguments["ExpressionAttributeNames"] = self.names
        if self._values:
            arguments["ExpressionAttributeValues"] = typed(self._values)
        return arguments


class LeadRepository:
    def __init__(self, table_name: str, undo_window_days: int = DEFAULT_UNDO_WINDOW_DAYS):
        self._undo_window_days = undo_window_days
        self._table = aws.dynamodb_table(table_name)
        self._client = aws.dynamodb_client()  # merges (one per row) and pages of items: see aws.dynamodb_client
        self._table_name = table_name
        self._derived = _DerivedByRevision()

    def merge(self, key: str, lead: dict[str, str], source: SourceRef) -> bool:
        """Create or merge the lead for `key`; True when this row created it (see merge_rows)."""
        [created] = self.merge_rows([(key, lead, source)])
        return created

    def merge_rows(self, rows: Iterable[tuple[str, dict[str, str], SourceRef]]) -> list[bool]:
        """Create or merge each row's lead (key, lead, source), in order; per row, True when it created it.

        The batch's leads are read in one BatchGetItem; then each row is one conditional UpdateItem worked
        out from the item as read (leads.writes.plan_merge), which also records what the row changed for
        an undo. A concurrent writer fails the condition and the row is worked out again from a fresh read.
        Then one write of the counter item for all of them: the leads they inserted are added to the count
        and the revision moves. It is written even when a later row fails: the redelivery inserts nothing,
        so the count would never be made up.
        """
        rows = list(rows)
        items = self._read_for_write([lead_id_for(key) for key, _, _ in rows])
        keep_since = self._undo_window_start()
        created: list[bool] = []
        inserted = 0
        merged = False
        try:
            for key, lead, source in rows:
                merged = True
                merge_row = partial(plan_merge, key=key, lead=lead, source=source, keep_since=keep_since)
                plan = self._write_as_read(lead_id_for(key), items, merge_row)
                created.append(plan.created)
                inserted += plan.inserted
        finally:
            if merged:
                self._record_changes(inserted)
        return created

    def leads_of_upload(self, upload_id: str) -> list[str]:
        """Every lead the upload still contributes to (a scan: undo is rare, and the import pays nothing)."""
        kwargs = {
            "TableName": self._table_name,
            "ProjectionExpression": "leadId",
            "FilterExpression": "contains(uploadIds, :upload)",
            "ExpressionAttributeValues": {":upload": {"S": upload_id}},
            "ConsistentRead": True,
        }
        return [item["leadId"]["S"] for item in self._pages(self._client.scan, kwargs, None)]

    def revert_upload(self, upload_id: str, lead_ids: list[str]) -> list[LeadOutcome]:
        """Take the upload's changes back from each lead (undo.revert.plan_revert), one conditional write per
        lead; per lead, what became of it. A lead done by an earlier delivery is counted as it was then."""
        items = self._read_for_write(lead_ids)
        outcomes: list[LeadOutcome] = []
        deleted = 0
        wrote = False
        try:
            for lead_id in lead_ids:
                plan = self._write_as_read(lead_id, items, partial(plan_revert, upload_id=upload_id, lead_id=lead_id))
                if plan.write is not None:
                    wrote = True
                    deleted += plan.write.delete_item
                outcomes.append(plan.outcome)
        finally:
            if wrote:
                self._record_changes(-deleted)
        return outcomes

    def _write_as_read(self, lead_id: str, items: dict[str, dict | None], work_out: Callable[..., P]) -> P:
        """Work the lead's write out from the item as read (`work_out(item, now=…)`) and apply it; when
        another writer changed the lead in between, wait a little (a random, growing while) and do it again
        from a fresh read. Keeps the item as written in `items`, for the next row of the same lead."""
        for attempt in range(WRITE_ATTEMPTS):
            plan = work_out(items.get(lead_id), now=utc_now_iso())
            if plan.write is None:
                return plan
            if self._write(plan.write):
                items[lead_id] = plan.write.applied_to(items.get(lead_id))
                return plan
            # Several batches of one person (the same row all over a file) take turns: without the wait
            # they would keep reading the lead just before one another's writes.
            time.sleep(random.uniform(0, min(CONTENDED_WAIT_SECONDS, 0.002 * 2**attempt)))
            items[lead_id] = self._read_one(lead_id)
        raise LeadBusy(lead_id)

    def _undo_window_start(self) -> str:
        start = datetime.now(UTC) - timedelta(days=self._undo_window_days)
        return start.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _read_for_write(self, lead_ids: list[str]) -> dict[str, dict | None]:
        return {item["leadId"]: item for item in self.batch_get(lead_ids, consistent=True)}

    def _read_one(self, lead_id: str) -> dict | None:
        item = self._client.get_item(TableName=self._table_name, Key=typed({"leadId": lead_id}), ConsistentRead=True)
        return untyped(item["Item"]) if "Item" in item else None

    def _write(self, write: LeadWrite) -> bool:
        """Apply one LeadWrite; False when the lead changed since it was read (the caller reads it again
        and works the write out anew)."""
        expression = _WriteExpression()
        if write.expected_version is None:
            condition = "attribute_not_exists(leadId)"
        elif write.expected_version == 0:  # written before leads had versions
            condition = "attribute_exists(leadId) AND attribute_not_exists(#version)"
            expression.names["#version"] = "version"
        else:
            condition = f"#version = {expression.value(write.expected_version)}"
            expression.names["#version"] = "version"
        request: dict[str, Any] = {
            "TableName": self._table_name,
            "Key": typed({"leadId": write.lead_id}),
            "ConditionExpression": condition,
        }
        try:
            if write.delete_item:
                self._client.delete_item(**request, **expression.arguments())
            else:
                self._client.update_item(**request, UpdateExpression=expression.update(write), **expression.arguments())
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _record_changes(self, inserted: int) -> None:
        """+inserted on the lead counter (a redelivered row inserts nothing, so it adds nothing; an undo adds
        minus the leads it deleted), and a new revision. Not transactional: a crash between the writes and
        this one leaves the counter off by them (`recount` repairs it) and the revision unmoved until the
        redelivery moves it; TransactWriteItems would make every new lead far slower."""
        self._client.update_item(
            TableName=self._table_name,
            Key=typed({"leadId": COUNTER_ID}),
            UpdateExpression="ADD leadCount :count, revision :one",
            ExpressionAttributeValues=typed({":count": inserted, ":one": 1}),
        )

    def get(self, lead_id: str) -> dict | None:
        item = self._table.get_item(Key={"leadId": lead_id}).get("Item")
        return to_lead(item) if item else None

    def scan_all(self) -> Iterator[dict]:
        for item in self._pages(self._table.scan, {}, None):
            if not item["leadId"].startswith("#"):  # the counter is no lead
                yield to_lead(item)

    def _scan_fields(self, fields: Iterable[str]) -> Iterator[dict[str, str]]:
        """Only these (text) lead fields of every lead: a scan that returns little (it still reads every
        item), through the low-level client, whose typed values are read directly."""
        names = {f"#p{position}": field for position, field in enumerate(fields)}
        kwargs = {
            "TableName": self._table_name,
            "ProjectionExpression": ", ".join(["leadId", *names]),
            "ExpressionAttributeNames": names,
        }
        for item in self._pages(self._client.scan, kwargs, None):
            if not item["leadId"]["S"].startswith("#"):  # the counter is no lead
                yield {field: item[field]["S"] for field in names.values() if field in item}

    # listing ------------------------------------------------------------------------------------

    def count(self) -> int:
        """All leads: the counter (one read); without one yet, a count of the createdAt index."""
        counter = self._counter()
        if counter is not None:
            return int(counter["leadCount"])
        return self._count_index()

    def _counter(self) -> dict | None:
        return self._table.get_item(Key={"leadId": COUNTER_ID}, ConsistentRead=True).get("Item")

    def _revision(self) -> int | None:
        """The lead list's revision; None before the first merge (nothing derived is kept then)."""
        counter = self._counter()
        return None if counter is None or "revision" not in counter else int(counter["revision"])

    def recount(self) -> int:
        """Set the counter from the createdAt index (maintenance, while no import runs); the revision moves."""
        total = self._count_index()
        self._table.update_item(
            Key={"leadId": COUNTER_ID},
            UpdateExpression="SET leadCount = :total ADD revision :one",
            ExpressionAttributeValues={":total": total, ":one": 1},
        )
        return total

    def field_values(self, fields: tuple[str, ...]) -> list[dict]:
        """These lead fields of every lead (only the fields it has), in no particular order: one projected
        scan per revision of the lead list, kept in memory until it moves."""
        return self._derived.get(self._revision(), ("fields", fields), lambda: list(self._scan_fields(fields)))

    def find(self, query: LeadQuery) -> tuple[list[dict], int]:
        """One page of leads in the query's order, and the number of leads matching its filters."""
        plan = plan_for(query)
        start, end = query.offset, query.offset + query.page_size
        if plan.searches_whole_list:
            matches = [
                order_key(entry, plan.sort_attribute)
                for entry in self._list_entries()
                if matches_search(entry, plan.search or "")
            ]
            matches.sort(reverse=plan.descending)
            total = len(matches)
            ids = [lead_id for _, lead_id in matches[start:end]]
        elif plan.counted:
            total = self.count()
            ids = [] if start >= total else [entry["leadId"] for entry in islice(self._entries(plan, end), start, end)]
        elif plan.ordered:
            ids, total = [], 0
            for position, entry in enumerate(self._entries(plan)):
                if start <= position < end:
                    ids.append(entry["leadId"])
                total = position + 1
        else:
            matches = self._sorted_matches(plan)
            total = len(matches)
            ids = [lead_id for _, lead_id in matches[start:end]]
        return [to_lead(item) for item in self.batch_get(ids)], total

    def iterate(self, query: LeadQuery) -> Iterator[dict]:
        """Every lead matching the query's filters, in its order (page and page size are ignored)."""
        plan = plan_for(query)
        if plan.ordered:
            ids: Iterable[str] = (entry["leadId"] for entry in self._entries(plan))
        else:
            ids = (lead_id for _, lead_id in self._sorted_matches(plan))
        while chunk := list(islice(ids, BATCH_GET_LIMIT)):
            for item in self.batch_get(chunk):
                yield to_lead(item)

    def matching(self, query: LeadQuery) -> Iterator[dict]:
        """Every lead matching the query's filters, in no particular order (for readers that count,
        group or sort themselves): the whole list is one table scan of full items, far cheaper than the
        ordered index plus a BatchGetItem per 100 leads; filtered queries read through their indexes."""
        return self.iterate(query) if query.filtered else self.scan_all()

    def batch_get(self, lead_ids: list[str], projection: str | None = None, consistent: bool = False) -> list[dict]:
        """The stored items for these ids, in the same order (ids not found are left out). Through the
        low-level client: the resource's conversion of a page of 25 full items costs a third of the call."""
        found: dict[str, dict] = {}
        unique = list(dict.fromkeys(lead_ids))
        for first in range(0, len(unique), BATCH_GET_LIMIT):
            keys = [{"leadId": {"S": lead_id}} for lead_id in unique[first : first + BATCH_GET_LIMIT]]
            request: dict = {self._table_name: {"Keys": keys}}
            if projection:
                request[self._table_name]["ProjectionExpression"] = projection
            if consistent:
                request[self._table_name]["ConsistentRead"] = True
            attempt = 0
            while request:
                response = self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table_name, []):
                    found[item["leadId"]["S"]] = untyped(item)
                request = response.get("UnprocessedKeys") or {}
                if request:  # throttled: back off, then ask again for what is left
                    attempt += 1
                    time.sleep(min(0.05 * 2**attempt, 2.0))
        return [found[lead_id] for lead_id in lead_ids if lead_id in found]

    def _list_entries(self) -> list[dict]:
        """The list index's entry of every lead (its search and sort attributes): read once per revision."""

        def read() -> list[dict]:
            entries: list[dict] = []
            for partition in list_keys():
                kwargs = {
                    "TableName": self._table_name,
                    "IndexName": SORT_INDEXES["createdAt"],
                    "KeyConditionExpression": f"{LIST_KEY} = :partition",
                    "ExpressionAttributeValues": {":partition": {"S": partition}},
                    "ProjectionExpression": LIST_ENTRY_PROJECTION,
                }
                pages = self._pages(self._client.query, kwargs, None)
                entries.extend({name: value["S"] for name, value in entry.items()} for entry in pages)
            return entries

        return self._derived.get(self._revision(), ("list entries",), read)

    def _sorted_matches(self, plan: Plan) -> list[tuple[str, str]]:
        matches = [order_key(entry, plan.sort_attribute) for entry in self._entries(plan)]
        if plan.check_upload:
            in_upload = {
                item["leadId"]
                for item in self.batch_get([lead_id for _, lead_id in matches], projection="leadId, uploadIds")
                if plan.upload_id in item.get("uploadIds", ())
            }
            matches = [match for match in matches if match[1] in in_upload]
        matches.sort(reverse=plan.descending)
        return matches

    def _entries(self, plan: Plan, limit: int | None = None) -> Iterator[dict]:
        """Index entries (leadId + sort value) of the matching leads; in the plan's order when `ordered`."""
        search_here = None if plan.search_in_filter else plan.search  # see Plan.search_in_filter
        searched = SEARCH_ATTRIBUTES if search_here else ()
        projection = ", ".join(dict.fromkeys(("leadId", plan.sort_attribute, *searched)))
        condition = _filter_condition(plan)
        if plan.index is None:
            kwargs: dict = {"ProjectionExpression": projection}
            if condition is not None:
                kwargs["FilterExpression"] = condition
            return self._pages(self._table.scan, kwargs, limit)
        streams = []
        for attribute, value in plan.partitions:
            key_condition = Key(attribute).eq(value)
            if plan.sort_key_equals:
                key_condition = key_condition & Key(plan.sort_key_equals[0]).eq(plan.sort_key_equals[1])
            kwargs = {
                "IndexName": plan.index,
                "KeyConditionExpression": key_condition,
                "ScanIndexForward": not plan.descending,
                "ProjectionExpression": projection,
            }
            if condition is not None:
                kwargs["FilterExpression"] = condition
            stream = _ties_by_lead_id(self._pages(self._table.query, kwargs, limit, plan.sort_attribute), plan)
            if search_here:
                stream = (entry for entry in stream if matches_search(entry, search_here))
            streams.append(stream)
        if len(streams) == 1:
            return streams[0]
        return heapq.merge(*streams, key=lambda entry: order_key(entry, plan.sort_attribute), reverse=plan.descending)

    @staticmethod
    def _pages(
        operation: Callable[..., dict], kwargs: dict, limit: int | None, sort_attribute: str = ""
    ) -> Iterator[dict]:
        """Follow LastEvaluatedKey; with a limit (and no filter), read about that many entries: up to the
        limit, and past it the entries tied with the last one, which may sort before it by leadId. The
        first request already asks for TIE_READ_AHEAD more, so a page without long ties is one call."""
        read = 0
        boundary: object = None  # the sort value of the limit-th entry, once read
        while True:
            if limit is not None:
                kwargs["Limit"] = max(limit - read, 0) + TIE_READ_AHEAD if boundary is None else TIE_READ_AHEAD
            page = operation(**kwargs)
            for item in page.get("Items", []):
                if boundary is not None and item.get(sort_attribute) != boundary:
                    return
                yield item
                read += 1
                if limit is not None and boundary is None and read >= limit:
                    boundary = item.get(sort_attribute)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _count_index(self) -> int:
        total = 0
        for partition in list_keys():
            kwargs: dict = {
                "IndexName": SORT_INDEXES["createdAt"],
                "KeyConditionExpression": Key(LIST_KEY).eq(partition),
                "Select": "COUNT",
            }
            while True:
                page = self._table.query(**kwargs)
                total += page.get("Count", 0)
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return total


class _DerivedByRevision:
    """Values computed from every lead, kept while the lead list's revision stays the same (per process: a
    warm Lambda container answers from memory until the next batch of merges)."""

    def __init__(self) -> None:
        self._revision: int | None = None
        self._values: dict[tuple, Any] = {}

    def get(self, revision: int | None, name: tuple, compute: Callable[[], T]) -> T:
        if revision is None:  # no revision yet: nothing to tell a change by
            return compute()
        if revision != self._revision:
            self._revision, self._values = revision, {}
        if name not in self._values:
            self._values[name] = compute()
        return self._values[name]


def _ties_by_lead_id(entries: Iterator[dict], plan: Plan) -> Iterator[dict]:
    """An index returns entries with equal sort values in no defined order; the listing's order is total
    (sort value, then leadId), so each run of equal values is put in leadId order."""
    run: list[dict] = []
    for entry in entries:
        if run and entry.get(plan.sort_attribute) != run[0].get(plan.sort_attribute):
            yield from sorted(run, key=lambda item: item["leadId"], reverse=plan.descending)
            run = []
        run.append(entry)
    yield from sorted(run, key=lambda item: item["leadId"], reverse=plan.descending)


def _filter_condition(plan: Plan) -> ConditionBase | None:
    conditions: list[ConditionBase] = [Attr(attribute).eq(value) for attribute, value in plan.filters.items()]
    if plan.search and plan.search_in_filter:
        conditions.append(reduce(lambda a, b: a | b, (Attr(name).contains(plan.search) for name in SEARCH_ATTRIBUTES)))
    if plan.upload_id is not None and plan.index is None:
        conditions.append(Attr("uploadIds").contains(plan.upload_id))
    return reduce(and_, conditions) if conditions else None


def to_lead(item: dict) -> dict:
    """The stored item as API clients see it: provenance flattened, `sources` decoded, bookkeeping dropped."""
    origin = plain(item.get("origin", {}))
    lead = plain({key: value for key, value in item.items() if key != "origin" and key not in INTERNAL_ATTRIBUTES})
    lead.update({name: origin[name] for name in ("uploadId", "sourceFile", "sourceRow") if name in origin})
    if origin.get("_worksheet"):
        lead["_worksheet"] = origin["_worksheet"]
    lead["sources"] = sorted(
        (SourceRef.parse(token) for token in item.get("sources", ())),
        key=lambda source: (source["uploadId"], source.get("worksheet") or "", source["row"]),
    )
    return lead

"""Runs a ChatQuery, read-only, against the leads the lead-reader reads.

The lead source only reads: the leads `matching(LeadQuery)`, in any order, and for a question about the
whole list (no filter, no date) the lead count, the first page of the list in an order, and the summary
fields of every lead, so that "how many leads" or "which companies have the most leads" do not read every
lead. Equality filters on company, industry and source, and an upload, go into the LeadQuery so the
repository reads through its indexes (docs/data-model.md, "Reading the lead list"); every filter is then
checked again in memory, so the pushed-down part only narrows what is read.

Matching is the lead table's: `equals` compares `leads.queries.key_value` forms (so "company equals acme"
finds exactly what the table's company filter shows), `contains` compares `fold`ed text, and a phone of
"N/A" counts as empty.

Uploads belong to their owner. Provenance filters see only what the caller may see: `file` and `upload`
match the sources of the caller's own uploads; `worksheet` is a sheet name, team information like
`source`, and matches any of the lead's sources. The leads returned keep only the caller's own
sources and upload ids (and drop the flattened first-row provenance when it is another user's upload).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from easycrm.chat.query import ChatQuery, Filter
from easycrm.leads.queries import LeadQuery, fold, key_value, sort_value
from easycrm.leads.stats import SUMMARY_FIELDS, Grouping, group_counts
from easycrm.models import PHONE_UNPARSEABLE

PUSHED_DOWN_FIELDS = ("company", "industry", "source")
ORIGIN_FIELDS = ("uploadId", "sourceFile", "_worksheet", "sourceRow")


class LeadSource(Protocol):
    """What the chatbot may do with the leads: read them (`LeadRepository` is one)."""

    def matching(self, query: LeadQuery) -> Iterator[dict]: ...

    def count(self) -> int: ...

    def find(self, query: LeadQuery) -> tuple[list[dict], int]: ...

    def field_values(self, fields: tuple[str, ...]) -> list[dict]: ...


# Every lead's values of these fields come with the summary (`LeadSource.field_values`).
WHOLE_LIST_GROUPS = tuple(SUMMARY_FIELDS.values())


@dataclass(frozen=True)
class ChatResult:
    """The executed query: how many leads match, the first ones in the asked order, and the groups."""

    query: ChatQuery
    count: int
    leads: list[dict]
    grouping: Grouping | None = None


def execute(query: ChatQuery, source: LeadSource, *, now: datetime, own_uploads: Mapping[str, str]) -> ChatResult:
    """Run `query` over the leads of `source`; `own_uploads` maps the caller's upload ids to file names."""
    lead_query = _lead_query(query, own_uploads)
    if lead_query is None:  # names an upload or file the caller does not own: nothing to read
        return ChatResult(query, 0, [], group_counts([], query.top) if query.group_by else None)
    if not query.filters and query.created is None and query.group_by in (None, *WHOLE_LIST_GROUPS):
        return _execute_on_whole_list(query, source, own_uploads)
    start, end = query.created.window(now) if query.created else (None, None)
    count = 0
    group_values: list[str | None] = []

    def matching() -> Iterator[dict]:
        nonlocal count
        for lead in source.matching(lead_query):
            if _created_within(lead, start, end) and all(_holds(f, lead, own_uploads) for f in query.filters):
                count += 1
                if query.group_by:
                    group_values.extend(_group_values(lead, query.group_by, own_uploads))
                yield lead

    stream = matching()
    pick = heapq.nlargest if query.sort.descending else heapq.nsmallest
    shown = pick(query.limit, stream, key=lambda lead: _sort_key(lead, query.sort.by))
    deque(stream, maxlen=0)  # a limit of 0 reads nothing yet: count (and group) every match anyway
    grouping = group_counts(group_values, query.top) if query.group_by else None
    return ChatResult(query, count, [_visible(lead, own_uploads) for lead in shown], grouping)


def _execute_on_whole_list(query: ChatQuery, source: LeadSource, own_uploads: Mapping[str, str]) -> ChatResult:
    """Every lead matches: the count is the lead count, the leads shown the list's first page in the asked
    order (the lead table's, as `_sort_key`), and the groups come from the summary fields."""
    shown: list[dict] = []
    if query.limit:  # the page comes with the lead count
        page = LeadQuery(sort_by=query.sort.by, descending=query.sort.descending, page_size=query.limit)
        shown, count = source.find(page)
    else:
        count = source.count()
    grouping = None
    if query.group_by:
        values = source.field_values(WHOLE_LIST_GROUPS)
        grouping = group_counts((lead.get(query.group_by) for lead in values), query.top)
    return ChatResult(query, count, [_visible(lead, own_uploads) for lead in shown], grouping)


def _lead_query(query: ChatQuery, own_uploads: Mapping[str, str]) -> LeadQuery | None:
    """The index-friendly part of the filters; None when a filter names an upload the caller does not own."""
    pushed: dict[str, str] = {}
    for condition in query.filters:
        if condition.op != "equals":
            continue
        wanted = key_value(condition.value)
        if condition.field in PUSHED_DOWN_FIELDS:
            pushed.setdefault(condition.field, wanted)
        elif condition.field in ("upload", "file"):
            by_id = condition.field == "upload"
            uploads = [upload for upload, name in own_uploads.items() if key_value(upload if by_id else name) == wanted]
            if not uploads:
                return None
            if len(uploads) == 1:
                pushed.setdefault("upload_id", uploads[0])
    return LeadQuery(
        company=pushed.get("company"),
        industry=pushed.get("industry"),
        source=pushed.get("source"),
        upload_id=pushed.get("upload_id"),
    )


def _created_within(lead: dict, start: datetime | None, end: datetime | None) -> bool:
    if start is None and end is None:
        return True
    try:
        created = datetime.fromisoformat(str(lead.get("createdAt")))
    except ValueError:
        return False
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return (start is None or created >= start) and (end is None or created < end)


def _holds(condition: Filter, lead: dict, own_uploads: Mapping[str, str]) -> bool:
    folded = [text for text in (fold(value) for value in _values(lead, condition.field, own_uploads)) if text]
    if condition.op == "is_empty":
        return not folded
    if condition.op == "is_not_empty":
        return bool(folded)
    if condition.op == "contains":
        return any(fold(condition.value) in text for text in folded)
    return key_value(condition.value) in {key_value(text) for text in folded}


def _values(lead: dict, field: str, own_uploads: Mapping[str, str]) -> list[str]:
    """The lead's values for a field: one for a lead field, one per matching source for provenance."""
    sources = lead.get("sources") or []
    if field == "worksheet":
        return [source.get("worksheet") or "" for source in sources]
    if field == "file":
        return [source.get("fileName") or "" for source in sources if source.get("uploadId") in own_uploads]
    if field == "upload":
        ids = {*lead.get("uploadIds", ()), *(source.get("uploadId") for source in sources)}
        return sorted(upload_id for upload_id in ids if upload_id in own_uploads)
    value = lead.get(field)
    if not value or (field == "phone" and value == PHONE_UNPARSEABLE):
        return []
    return [str(value)]


def _group_values(lead: dict, field: str, own_uploads: Mapping[str, str]) -> list[str | None]:
    """One value per distinct (folded) value of the lead, or None when it has none (a blank for group_counts).

    A lead from two worksheets or files counts once in each of their groups.
    """
    distinct: dict[str, str] = {}
    for value in _values(lead, field, own_uploads):
        distinct.setdefault(key_value(value), value)
    distinct.pop("", None)
    return list(distinct.values()) or [None]


def _sort_key(lead: dict, by: str) -> tuple[str, str]:
    """The lead table's order: the folded value (blank last A→Z), then leadId."""
    value = str(lead.get("createdAt") or "") if by == "createdAt" else sort_value(lead.get(by))
    return value, str(lead.get("leadId", ""))


def _visible(lead: dict, own_uploads: Mapping[str, str]) -> dict:
    """The lead without any trace of other users' uploads."""
    visible = {key: value for key, value in lead.items() if key not in ("sources", "uploadIds", *ORIGIN_FIELDS)}
    visible["sources"] = [source for source in lead.get("sources") or [] if source.get("uploadId") in own_uploads]
    visible["uploadIds"] = [upload_id for upload_id in lead.get("uploadIds") or [] if upload_id in own_uploads]
    if lead.get("uploadId") in own_uploads:
        visible.update({name: lead[name] for name in ORIGIN_FIELDS if name in lead})
    return visible

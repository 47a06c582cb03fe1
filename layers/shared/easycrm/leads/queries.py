"""Lead listing and export, the pure part: query parameters → LeadQuery → a read plan; leads → CSV rows.

Key design (docs/data-model.md, "Reading the lead list"): every lead item carries a few small derived
attributes, written by the one UpdateItem of `LeadRepository.merge`, that the table's global secondary
indexes are keyed on:

- `listKey`: the list partition, `LEAD#<shard>` (LIST_SHARDS shards, chosen by lead id).
- `nameKey`, `companyKey`, `emailKey`: folded (case- and accent-insensitive) sort values; a lead without
  the field gets BLANK_SORT_VALUE, so it is still listed (last in ascending order, first in descending).
- `industryKey`, `sourceKey`: folded values for the equality filters; absent when the lead has none
  (sparse indexes).

Indexes (all project only the small derived attributes, so re-imports that change nothing else write
nothing to them): `byCreatedAt`/`byName`/`byCompany`/`byEmail` (listKey → createdAt/nameKey/companyKey/
emailKey) order the whole list; `byCompany` also answers `company=` (sort-key equality);
`byIndustry`/`bySource` (industryKey/sourceKey → createdAt) answer `industry=`/`source=`.
Equal sort values are ordered by leadId, in the index and in memory alike.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypedDict

from easycrm.errors import InvalidInput
from easycrm.models import LEAD_FIELDS

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000
MAX_FILTER_CHARS = 200
MAX_KEY_CHARS = 200  # folded key values are cut here (and to MAX_KEY_BYTES): a DynamoDB sort key holds 1,024 bytes
MAX_KEY_BYTES = 1000

# Write sharding of the list partition. One partition takes ~1,000 index writes/s on AWS, far above what
# the caller's MaximumConcurrency (default 5) produces; raise it (and re-write listKey) before going past that.
LIST_SHARDS = 1

# Sorts after every real character (UTF-8 byte order and Python's code-point order agree).
BLANK_SORT_VALUE = "\U0010ffff"

SortField = Literal["createdAt", "name", "company", "email"]
SORT_ATTRIBUTES: dict[SortField, str] = {
    "createdAt": "createdAt",
    "name": "nameKey",
    "company": "companyKey",
    "email": "emailKey",
}
SORT_INDEXES: dict[SortField, str] = {
    "createdAt": "byCreatedAt",
    "name": "byName",
    "company": "byCompany",
    "email": "byEmail",
}
INDUSTRY_INDEX = "byIndustry"
SOURCE_INDEX = "bySource"
INDEX_SORT_KEYS = {
    "byCreatedAt": "createdAt",
    "byName": "nameKey",
    "byCompany": "companyKey",
    "byEmail": "emailKey",
    INDUSTRY_INDEX: "createdAt",
    SOURCE_INDEX: "createdAt",
}
LIST_KEY = "listKey"
FILTER_ATTRIBUTES = {"company": "companyKey", "industry": "industryKey", "source": "sourceKey"}
SEARCH_ATTRIBUTES = ("nameKey", "companyKey", "emailKey")
# Index keys, and the write bookkeeping of leads.writes (the version, what each import changed).
INTERNAL_ATTRIBUTES = frozenset(
    {LIST_KEY, "nameKey", "companyKey", "emailKey", "industryKey", "sourceKey", "version", "undo"}
)

_SORT_ORDERS = {"asc": False, "desc": True}
_DEFAULT_DESCENDING: dict[SortField, bool] = {"createdAt": True, "name": False, "company": False, "email": False}
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII only: int() also reads Arabic-Indic or fullwidth digits


class InvalidLeadQuery(InvalidInput):
    """A query parameter with a bad value; the message says which and why, for the user."""


# folding -----------------------------------------------------------------------------------------


def fold(text: str | None) -> str:
    """Case- and accent-insensitive form: "  Société  GÉNÉRALE " → "societe generale"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char) and char != BLANK_SORT_VALUE)
    return " ".join(stripped.split())


def key_value(text: str | None) -> str:
    """The folded value as stored in a key attribute ("" when there is nothing to store)."""
    folded = fold(text)[:MAX_KEY_CHARS]
    encoded = folded.encode("utf-8")
    if len(encoded) > MAX_KEY_BYTES:
        folded = encoded[:MAX_KEY_BYTES].decode("utf-8", errors="ignore")
    return folded


def sort_value(text: str | None) -> str:
    return key_value(text) or BLANK_SORT_VALUE


def list_key(lead_id: str) -> str:
    try:
        shard = int(lead_id[:8], 16) % LIST_SHARDS
    except ValueError:
        shard = sum(lead_id.encode("utf-8")) % LIST_SHARDS
    return f"LEAD#{shard}"


def list_keys() -> list[str]:
    return [f"LEAD#{shard}" for shard in range(LIST_SHARDS)]


_LEAD_ID = re.compile(r"[0-9a-f]{32}")


def is_lead_id(text: str) -> bool:
    return bool(_LEAD_ID.fullmatch(text))


# the query --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadQuery:
    """Validated filters (already folded), sort and page of GET /leads and GET /export."""

    search: str | None = None
    company: str | None = None
    industry: str | None = None
    source: str | None = None
    upload_id: str | None = None
    sort_by: SortField = "createdAt"
    descending: bool = True
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def sort_attribute(self) -> str:
        return SORT_ATTRIBUTES[self.sort_by]

    @property
    def filtered(self) -> bool:
        return any((self.search, self.company, self.industry, self.source, self.upload_id))

    def pagination(self, total: int) -> dict:
        return {
            "page": self.page,
            "pageSize": self.page_size,
            "totalCount": total,
            "totalPages": math.ceil(total / self.page_size),
        }


def _text_param(params: Mapping[str, str | None], name: str) -> str | None:
    raw = params.get(name)
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_FILTER_CHARS:
        raise InvalidLeadQuery(f"{name} is too long (at most {MAX_FILTER_CHARS} characters).")
    return raw.strip()


def _folded_param(params: Mapping[str, str | None], name: str) -> str | None:
    raw = _text_param(params, name)
    if raw is None:
        return None
    folded = key_value(raw)
    if not folded:
        raise InvalidLeadQuery(f"{name} has no letters or digits to match.")
    return folded


def _whole_number(params: Mapping[str, str | None], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not _WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise InvalidLeadQuery(f"{name} must be a whole number from {low} to {high:,}, not {raw!r}.")
    return int(raw)


def parse_lead_query(params: Mapping[str, str | None] | None, *, paginated: bool = True) -> LeadQuery:
    """Query-string parameters → LeadQuery; InvalidLeadQuery names the first bad value.

    Empty values count as absent. Without `sortOrder`, createdAt sorts newest first and the text fields
    A→Z. `page`/`pageSize` are ignored when not `paginated` (the export takes every matching lead).
    """
    params = params or {}
    sort_raw = _text_param(params, "sortBy")
    sort_by: SortField = "createdAt"
    if sort_raw is not None:
        matches = [name for name in SORT_ATTRIBUTES if name.lower() == sort_raw.lower()]
        if not matches:
            raise InvalidLeadQuery(f"sortBy must be one of {', '.join(SORT_ATTRIBUTES)}, not {sort_raw!r}.")
        sort_by = matches[0]
    order_raw = _text_param(params, "sortOrder")
    if order_raw is None:
        descending = _DEFAULT_DESCENDING[sort_by]
    elif order_raw.lower() in _SORT_ORDERS:
        descending = _SORT_ORDERS[order_raw.lower()]
    else:
        raise InvalidLeadQuery(f"sortOrder must be asc or desc, not {order_raw!r}.")
    page, page_size = 1, DEFAULT_PAGE_SIZE
    if paginated:
        page = _whole_number(params, "page", 1, 1, MAX_PAGE)
        page_size = _whole_number(params, "pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    return LeadQuery(
        search=_folded_param(params, "search"),
        company=_folded_param(params, "company"),
        industry=_folded_param(params, "industry"),
        source=_folded_param(params, "source"),
        upload_id=_text_param(params, "uploadId"),
        sort_by=sort_by,
        descending=descending,
        page=page,
        page_size=page_size,
    )


# the plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How to read one query.

    `index` None means a table Scan. `partitions` are the index partitions to query (one per shard for the
    list indexes), `sort_key_equals` an equality condition on the index sort key. `filters` (attribute →
    folded value), `search` and, for scans, `upload_id` become the FilterExpression; with an index the
    upload is checked on the matches afterwards (`check_upload`). `ordered`: the index already returns the
    requested order, so a page can be streamed; otherwise the matches are sorted in memory.
    `counted`: no filter at all, so the total is the lead counter and a page reads only what it shows.
    """

    index: str | None
    partitions: tuple[tuple[str, str], ...] = ()
    sort_key_equals: tuple[str, str] | None = None
    filters: dict[str, str] = field(default_factory=dict)
    search: str | None = None
    upload_id: str | None = None
    check_upload: bool = False
    ordered: bool = False
    counted: bool = False
    sort_attribute: str = "createdAt"
    descending: bool = True

    @property
    def search_in_filter(self) -> bool:
        """DynamoDB refuses a FilterExpression on the queried index's keys, so when the index is sorted by
        a searched attribute (`byName`, `byCompany`, `byEmail`) the search runs on the entries read."""
        return self.index is None or INDEX_SORT_KEYS[self.index] not in SEARCH_ATTRIBUTES

    @property
    def searches_whole_list(self) -> bool:
        """A search with no other filter: its candidates are every lead's list entry, which the repository
        reads once per revision of the lead list and keeps."""
        return (
            self.search is not None
            and not self.filters
            and self.upload_id is None
            and self.sort_key_equals is None
            and bool(self.partitions)
            and self.partitions[0][0] == LIST_KEY
        )

    @property
    def reads(self) -> str:
        """What the plan costs, in words (logged, and listed in docs/data-model.md)."""
        if self.counted:
            return "counter + index keys up to the page's end + the page's items"
        if self.searches_whole_list:
            return "counter + the whole list index once per revision (kept in memory) + the page's items"
        if self.index is None:
            return "scan of the whole table"
        if self.partitions and self.partitions[0][0] == LIST_KEY and self.sort_key_equals is None:
            return "whole list index (filtered)"
        return "index entries of the matching leads" + (" + their items (upload check)" if self.check_upload else "")


class _PlanOrder(TypedDict):
    """The Plan fields every plan takes from the query alike (typed, so `**common` is checked per field)."""

    sort_attribute: str
    descending: bool
    search: str | None


def plan_for(query: LeadQuery) -> Plan:
    sort_attribute = query.sort_attribute
    common: _PlanOrder = {"sort_attribute": sort_attribute, "descending": query.descending, "search": query.search}
    shards = tuple((LIST_KEY, key) for key in list_keys())
    equality = {name: getattr(query, name) for name in FILTER_ATTRIBUTES if getattr(query, name)}
    if not query.filtered:
        return Plan(SORT_INDEXES[query.sort_by], shards, ordered=True, counted=True, **common)
    if equality:
        check_upload = query.upload_id is not None
        if "company" in equality:
            rest = {FILTER_ATTRIBUTES[name]: value for name, value in equality.items() if name != "company"}
            return Plan(
                SORT_INDEXES["company"],
                shards,
                sort_key_equals=("companyKey", equality["company"]),
                filters=rest,
                upload_id=query.upload_id,
                check_upload=check_upload,
                ordered=query.sort_by == "company" and not check_upload,
                **common,
            )
        driver = "industry" if "industry" in equality else "source"
        rest = {FILTER_ATTRIBUTES[name]: value for name, value in equality.items() if name != driver}
        return Plan(
            INDUSTRY_INDEX if driver == "industry" else SOURCE_INDEX,
            ((FILTER_ATTRIBUTES[driver], equality[driver]),),
            filters=rest,
            upload_id=query.upload_id,
            check_upload=check_upload,
            ordered=query.sort_by == "createdAt" and not check_upload,
            **common,
        )
    if query.upload_id is not None:
        return Plan(None, upload_id=query.upload_id, **common)
    return Plan(SORT_INDEXES[query.sort_by], shards, ordered=True, **common)


def matches_search(entry: Mapping, search: str) -> bool:
    return any(search in str(entry.get(attribute) or "") for attribute in SEARCH_ATTRIBUTES)


def order_key(entry: Mapping, sort_attribute: str) -> tuple[str, str]:
    """The total order of a listing: sort value, then leadId (reverse the whole for descending)."""
    return (str(entry.get(sort_attribute) or BLANK_SORT_VALUE), str(entry["leadId"]))


# CSV --------------------------------------------------------------------------------------------

PROVENANCE_COLUMNS = ("uploadId", "sourceFile", "_worksheet", "sourceRow", "createdAt", "updatedAt", "sources")
EXPORT_COLUMNS: tuple[str, ...] = ("leadId", *LEAD_FIELDS, *PROVENANCE_COLUMNS)
MAX_CELL_CHARS = 32_000  # Excel shows at most 32,767 characters in a cell


def describe_sources(sources: list[dict]) -> str:
    parts = []
    for source in sources:
        sheet = f" [{source['worksheet']}]" if source.get("worksheet") else ""
        parts.append(f"{source.get('fileName', '')}{sheet} row {source.get('row', '')}")
    return "; ".join(parts)


def csv_row(lead: Mapping) -> list[str]:
    row = []
    for column in EXPORT_COLUMNS:
        value = lead.get(column)
        text = describe_sources(value or []) if column == "sources" else "" if value is None else str(value)
        if len(text) > MAX_CELL_CHARS:
            text = text[: MAX_CELL_CHARS - 1] + "…"
        row.append(text)
    return row

"""The chatbot's query language: a small, closed JSON vocabulary that only our executor runs, read-only.

A question — parsed offline or translated by DeepSeek — becomes one `ChatQuery`; nothing else is ever
executed. The language is closed: unknown keys, fields, operators or actions are refused by
`parse_query` with a message naming what is wrong, and every list, number and string is bounded.

    {"action": "count" | "list" | "group_by",
     "filters": [{"field": "industry", "op": "equals", "value": "Healthcare"},
                 {"field": "phone", "op": "is_not_empty"}],              # all must hold (AND)
     "created": {"preset": "this_week"} | {"preset": "last_n_days", "days": 30}
                | {"from": "2026-01-01", "to": "2026-01-31"},             # UTC, both ends inclusive
     "group_by": "company", "top": 10,                                    # group_by only
     "sort": {"by": "createdAt", "order": "desc"}, "limit": 20}           # the leads shown

Every action answers with the number of matching leads and the first `limit` of them; `group_by` also
counts them by a field's value.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic_core import ErrorDetails

from easycrm.errors import InvalidInput
from easycrm.leads.queries import MAX_FILTER_CHARS, SORT_ATTRIBUTES, SortField
from easycrm.leads.stats import MAX_TOP
from easycrm.models import LeadField

# The vocabulary is written as Literal types (what the models' fields accept, checked by mypy in the
# parser and executor too); the tuples are the same values, in the same order, for code that lists them.
# `worksheet`/`file`/`upload` match a lead's provenance (its `sources`), the rest its own fields.
ProvenanceField = Literal["worksheet", "file", "upload"]
FilterField = Literal[LeadField, ProvenanceField]
Operator = Literal["equals", "contains", "is_empty", "is_not_empty"]
GroupField = Literal["company", "industry", "source", "country", "title", "worksheet", "file"]
DatePreset = Literal["today", "yesterday", "this_week", "last_week", "this_month", "last_month", "last_n_days"]
Action = Literal["count", "list", "group_by"]
SortOrder = Literal["asc", "desc"]

PROVENANCE_FIELDS: tuple[str, ...] = get_args(ProvenanceField)
FILTER_FIELDS: tuple[str, ...] = get_args(FilterField)
OPERATORS: tuple[str, ...] = get_args(Operator)
VALUE_OPERATORS = frozenset({"equals", "contains"})
GROUP_FIELDS: tuple[str, ...] = get_args(GroupField)
SORT_FIELDS: tuple[str, ...] = tuple(SORT_ATTRIBUTES)
DATE_PRESETS: tuple[str, ...] = get_args(DatePreset)
ACTIONS: tuple[str, ...] = get_args(Action)

MAX_FILTERS = 10
MAX_DAYS = 3660
DEFAULT_TOP = 10
MAX_LIMIT = 20

FIELD_LABELS = {
    "name": "name",
    "firstName": "first name",
    "lastName": "last name",
    "email": "email",
    "phone": "phone",
    "company": "company",
    "title": "title",
    "industry": "industry",
    "source": "source",
    "country": "country",
    "notes": "notes",
    "worksheet": "worksheet",
    "file": "file",
    "upload": "upload",
}
_WITH_ARTICLE = {"email": "an email", "industry": "an industry", "upload": "an upload", "notes": "notes"}
_PRESET_WORDS = {
    "today": "today",
    "yesterday": "yesterday",
    "this_week": "this week",
    "last_week": "last week",
    "this_month": "this month",
    "last_month": "last month",
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ChatQueryError(InvalidInput):
    """A query outside the language; the message names what is wrong."""


def _iso_date(value: Any) -> date:
    """Only `YYYY-MM-DD` text (or a date): no times, no other formats."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("must be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
FilterValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_FILTER_CHARS)]


class _Closed(BaseModel):
    """Unknown keys are errors and nothing is coerced ("5" is not 5, true is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Filter(_Closed):
    """One condition on a lead field; equals and contains ignore case and accents, as the lead table's filters do."""

    field: FilterField
    op: Operator
    value: FilterValue | None = None

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Filter:
        if self.op in VALUE_OPERATORS:
            if self.value is None or not any(char.isalnum() for char in self.value):
                raise ValueError(f"{self.op} needs a value with letters or digits")
        elif self.value is not None:
            raise ValueError(f"{self.op} takes no value")
        return self

    def describe(self) -> str:
        label = FIELD_LABELS[self.field]
        if self.op == "equals":
            return f'{label} is "{self.value}"'
        if self.op == "contains":
            return f'{label} contains "{self.value}"'
        with_label = _WITH_ARTICLE.get(self.field, f"a {label}")
        return f"with {with_label}" if self.op == "is_not_empty" else f"without {with_label}"


class DateRange(_Closed):
    """When leads were created: a preset relative to now, or `from`/`to` dates (inclusive), all in UTC.

    Weeks start on Monday. `last_n_days` is the last `days` calendar days, today included.
    """

    preset: DatePreset | None = None
    days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    # `from`/`to` in JSON, `start`/`end` in Python (`from` is a keyword). Set as validation and serialization
    # aliases, not `alias`: type checkers take `alias` as the keyword of __init__ (`DateRange(start=…)` works).
    start: IsoDate | None = Field(default=None, validation_alias="from", serialization_alias="from")
    end: IsoDate | None = Field(default=None, validation_alias="to", serialization_alias="to")

    @model_validator(mode="after")
    def _one_kind_of_range(self) -> DateRange:
        if self.preset is None and self.start is None and self.end is None:
            raise ValueError('needs a "preset", or "from" and/or "to" dates')
        if self.preset is not None and (self.start is not None or self.end is not None):
            raise ValueError('takes either a "preset" or "from"/"to" dates, not both')
        if (self.preset == "last_n_days") != (self.days is not None):
            raise ValueError('"days" goes with the preset last_n_days, and only with it')
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError('"from" must not be after "to"')
        return self

    def days_covered(self, now: datetime) -> tuple[date | None, date | None]:
        """The first and last day of the range (inclusive; None: open), relative to `now` in UTC."""
        today = now.astimezone(UTC).date()
        monday = today - timedelta(days=today.weekday())
        first_of_month = today.replace(day=1)
        match self.preset:
            case "today":
                return today, today
            case "yesterday":
                return today - timedelta(days=1), today - timedelta(days=1)
            case "this_week":
                return monday, monday + timedelta(days=6)
            case "last_week":
                return monday - timedelta(days=7), monday - timedelta(days=1)
            case "this_month":
                return first_of_month, _next_month(first_of_month) - timedelta(days=1)
            case "last_month":
                last_day = first_of_month - timedelta(days=1)
                return last_day.replace(day=1), last_day
            case "last_n_days":
                assert self.days is not None  # `_one_kind_of_range` refuses last_n_days without days
                return today - timedelta(days=self.days - 1), today
        return self.start, self.end

    def window(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """The range as UTC instants: start included, end excluded (None: open)."""
        first, last = self.days_covered(now)
        start = None if first is None else datetime.combine(first, time(), UTC)
        end = None if last is None else datetime.combine(last + timedelta(days=1), time(), UTC)
        return start, end

    def describe(self, now: datetime) -> str:
        first, last = self.days_covered(now)
        if self.preset == "last_n_days":
            words = "today" if self.days == 1 else f"in the last {self.days} days"
        else:
            words = _PRESET_WORDS.get(self.preset or "", "")
        if first is None:
            span = f"until {last}"
        elif last is None:
            span = f"since {first}"
        elif first == last:
            span = f"on {first}"
        else:
            span = f"from {first} to {last}"
        return f"created {words} ({span})" if words else f"created {span}"


def _next_month(first: date) -> date:
    return first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)


class Sort(_Closed):
    """Order of the leads shown; without `order`, createdAt is newest first and the text fields A→Z."""

    by: SortField = "createdAt"
    order: SortOrder | None = None

    @model_validator(mode="after")
    def _default_order(self) -> Sort:
        if self.order is None:
            self.order = "desc" if self.by == "createdAt" else "asc"
        return self

    @property
    def descending(self) -> bool:
        return self.order == "desc"

    def describe(self) -> str:
        if self.by == "createdAt":
            return "newest first" if self.descending else "oldest first"
        return f"by {FIELD_LABELS[self.by]} {'Z→A' if self.descending else 'A→Z'}"


class ChatQuery(_Closed):
    action: Action
    filters: list[Filter] = Field(default_factory=list, max_length=MAX_FILTERS)
    created: DateRange | None = None
    group_by: GroupField | None = None
    top: int | None = Field(default=None, ge=1, le=MAX_TOP)
    sort: Sort = Field(default_factory=Sort)
    limit: int = Field(default=MAX_LIMIT, ge=0, le=MAX_LIMIT)

    @model_validator(mode="after")
    def _grouping_fits_action(self) -> ChatQuery:
        if self.action == "group_by":
            if self.group_by is None:
                raise ValueError('the action group_by needs "group_by": the field to group by')
            if self.top is None:
                self.top = DEFAULT_TOP
        elif self.group_by is not None or self.top is not None:
            raise ValueError(f'"group_by" and "top" go with the action group_by, not {self.action}')
        return self

    def to_json(self) -> dict[str, Any]:
        """The query as a JSON-ready dict, defaults filled in (what a chat answer's `query` carries)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def describe(self, now: datetime) -> str:
        """The filters and dates in words, so a user can check how the question was read."""
        parts = [condition.describe() for condition in self.filters]
        if self.created is not None:
            parts.append(self.created.describe(now))
        return "; ".join(parts) if parts else "all leads"


def parse_query(document: Any) -> ChatQuery:
    """A JSON object → ChatQuery; anything outside the language raises ChatQueryError naming the problem."""
    if not isinstance(document, dict):
        raise ChatQueryError(f"A query must be a JSON object, not {type(document).__name__}.")
    try:
        return ChatQuery.model_validate(document)
    except ValidationError as error:
        problems = [_problem(detail) for detail in error.errors()[:3]]
        raise ChatQueryError("Not a valid query: " + "; ".join(problems) + ".") from None


def _problem(detail: ErrorDetails) -> str:
    where = ".".join(str(part) for part in detail["loc"] if not str(part).startswith("function-"))
    message = detail["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message

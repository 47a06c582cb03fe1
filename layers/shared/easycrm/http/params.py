"""Query parameters of the API routes, declared once for validation and OpenAPI.

Filters and sort are text here; `leads.queries.parse_lead_query` checks their values and says what is wrong
with them (a filter needs a letter or digit; sortBy and sortOrder also take other letter cases than the
documented enum). Numbers (pages, limits) are integers written in the digits 0-9 (query_int).
"""

import re
from typing import Annotated, Any

from annotated_types import Interval
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from easycrm.leads.queries import MAX_FILTER_CHARS, MAX_PAGE, MAX_PAGE_SIZE, SORT_ATTRIBUTES
from easycrm.leads.stats import MAX_TOP

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def query_int(low: int, high: int, **query: Any) -> Any:
    """The annotation of an integer query parameter from `low` to `high`, written in the digits 0-9.

    Query values are text, and pydantic's lax int parsing (like Python's int()) also reads " 1", "+1",
    "1_0" and "1.0", and int() reads Arabic-Indic and fullwidth digits: a page number in a URL is written
    in the ASCII digits and nothing else.
    """

    def whole_number(value: object) -> object:
        if isinstance(value, str) and not (_WHOLE_NUMBER.fullmatch(value) and low <= int(value) <= high):
            raise PydanticCustomError(
                "whole_number",
                "must be a whole number from {low} to {high}, not {value}",
                {"low": f"{low:,}", "high": f"{high:,}", "value": _shown(value)},
            )
        return value

    # The bounds come before the validator: pydantic then documents them as minimum and maximum.
    return Annotated[int, Interval(ge=low, le=high), BeforeValidator(whole_number), Query(**query)]


def _shown(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


FILTER = f"at most {MAX_FILTER_CHARS} characters, with a letter or digit; case and accents are ignored"

Text = Annotated[str | None, Query(description=f"exact value ({FILTER})", max_length=MAX_FILTER_CHARS)]
Search = Annotated[
    str | None, Query(description=f"text in name, email or company ({FILTER})", max_length=MAX_FILTER_CHARS)
]
UploadId = Annotated[
    str | None, Query(alias="uploadId", description="every lead this upload touched", max_length=MAX_FILTER_CHARS)
]
SortBy = Annotated[
    str | None,
    Query(alias="sortBy", max_length=MAX_FILTER_CHARS, json_schema_extra={"enum": list(SORT_ATTRIBUTES)}),
]
SortOrder = Annotated[
    str | None,
    Query(
        alias="sortOrder",
        description="without it, createdAt is newest first and the text fields A to Z",
        max_length=MAX_FILTER_CHARS,
        json_schema_extra={"enum": ["asc", "desc"]},
    ),
]
# GET /leads and GET /export
Page = query_int(1, MAX_PAGE, description="a page past the end has no leads and the same totals")
PageSize = query_int(1, MAX_PAGE_SIZE, alias="pageSize")
Top = query_int(1, MAX_TOP, description="groups listed per field; the rest are counted in `other`")
# GET /uploads
MAX_UPLOADS_LISTED = 100
Limit = query_int(1, MAX_UPLOADS_LISTED, description="how many uploads, newest first")
Scope = Annotated[
    str | None,
    Query(
        description="mine (the default): the caller's uploads; team: every user's (the import history)",
        max_length=MAX_FILTER_CHARS,
        json_schema_extra={"enum": ["mine", "team"]},
    ),
]

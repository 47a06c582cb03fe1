"""The query parameters GET /leads and GET /export share, declared once for validation and OpenAPI.

Filters and sort are text here; `lead_queries.parse_lead_query` checks their values and says what is wrong
with them (a filter needs a letter or digit; sortBy and sortOrder also take other letter cases than the
documented enum). Page numbers are integers written in the digits 0-9 (api.query_int).
"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from easycrm.http.resolver import query_int
from easycrm.leads.queries import MAX_FILTER_CHARS, MAX_PAGE, MAX_PAGE_SIZE, SORT_ATTRIBUTES

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
Page = query_int(1, MAX_PAGE, description="a page past the end has no leads and the same totals")
PageSize = query_int(1, MAX_PAGE_SIZE, alias="pageSize")

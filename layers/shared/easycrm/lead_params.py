"""The query parameters GET /leads and GET /export share, declared once for validation and OpenAPI.

Typed as text here; `lead_queries.parse_lead_query` checks the values and says what is wrong with them.
"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

Text = Annotated[str | None, Query(max_length=1000)]
Search = Annotated[str | None, Query(description="text in name, email or company", max_length=1000)]
UploadId = Annotated[str | None, Query(alias="uploadId", max_length=1000)]
SortBy = Annotated[str | None, Query(alias="sortBy", description="createdAt, name, company or email")]
SortOrder = Annotated[str | None, Query(alias="sortOrder", description="asc or desc")]
Page = Annotated[str | None, Query(description="1 or more (default 1)", max_length=20)]
PageSize = Annotated[str | None, Query(alias="pageSize", description="1-100 (default 25)", max_length=20)]

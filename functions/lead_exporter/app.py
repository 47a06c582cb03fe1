"""GET /export: the leads matching GET /leads' filters and sort, as a CSV in S3 behind a presigned link."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.api import ApiError, build_resolver, current_caller
from easycrm.lead_queries import InvalidLeadQuery, parse_lead_query
from easycrm.observability import logger, tracer

app = build_resolver()

Text = Annotated[str | None, Query(max_length=1000)]


@app.get("/export")
@tracer.capture_method
def export_leads(
    search: Annotated[str | None, Query(description="text in name, email or company", max_length=1000)] = None,
    company: Text = None,
    industry: Text = None,
    source: Text = None,
    upload_id: Annotated[str | None, Query(alias="uploadId", max_length=1000)] = None,
    sort_by: Annotated[str | None, Query(alias="sortBy", description="createdAt, name, company or email")] = None,
    sort_order: Annotated[str | None, Query(alias="sortOrder", description="asc or desc")] = None,
):
    current_caller(app)
    params = {
        "search": search,
        "company": company,
        "industry": industry,
        "source": source,
        "uploadId": upload_id,
        "sortBy": sort_by,
        "sortOrder": sort_order,
    }
    try:
        query = parse_lead_query(params, paginated=False)
    except InvalidLeadQuery as error:
        raise ApiError(400, "INVALID_REQUEST", str(error)) from None
    return wiring.lead_exporter().export(query)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

"""GET /export: the leads matching GET /leads' filters and sort, as a CSV in S3 behind a presigned link."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.http.openapi import api_responses
from easycrm.http.params import Search, SortBy, SortOrder, Text, UploadId
from easycrm.http.resolver import build_resolver, current_caller
from easycrm.leads.queries import parse_lead_query
from easycrm.observability import logger, tracer

app = build_resolver()


@app.get(
    "/export", responses=api_responses({200: "A download link to the matching leads as CSV, in the requested order."})
)
@tracer.capture_method
def export_leads(
    search: Search = None,
    company: Text = None,
    industry: Text = None,
    source: Text = None,
    upload_id: UploadId = None,
    sort_by: SortBy = None,
    sort_order: SortOrder = None,
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
    return wiring.lead_exporter().export(parse_lead_query(params, paginated=False))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

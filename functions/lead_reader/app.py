"""GET /leads (filters, sort, pages) and GET /leads/{leadId}: the team's shared lead list."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.errors import NotFound
from easycrm.http.openapi import api_responses
from easycrm.http.params import Page, PageSize, Search, SortBy, SortOrder, Text, Top, UploadId
from easycrm.http.resolver import build_resolver, current_caller
from easycrm.leads.queries import DEFAULT_PAGE_SIZE, is_lead_id, parse_lead_query
from easycrm.leads.stats import DEFAULT_TOP, SUMMARY_FIELDS, summarize
from easycrm.observability import logger, tracer

app = build_resolver()


@app.get("/leads", responses=api_responses({200: "One page of the matching leads, and the totals."}))
@tracer.capture_method
def list_leads(
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    search: Search = None,
    company: Text = None,
    industry: Text = None,
    source: Text = None,
    upload_id: UploadId = None,
    sort_by: SortBy = None,
    sort_order: SortOrder = None,
):
    current_caller(app)  # leads are shared by the whole team, but only with signed-in users
    query = parse_lead_query(
        {
            "page": str(page),  # parse_lead_query reads the query string's text
            "pageSize": str(page_size),
            "search": search,
            "company": company,
            "industry": industry,
            "source": source,
            "uploadId": upload_id,
            "sortBy": sort_by,
            "sortOrder": sort_order,
        }
    )
    leads, total = wiring.leads().find(query)
    return {"leads": leads, "pagination": query.pagination(total)}


@app.get("/leads/summary", responses=api_responses({200: "Leads by source, industry and company."}))
@tracer.capture_method
def summarize_leads(top: Top = DEFAULT_TOP):
    """Leads by source, industry and company, for the web app's charts and filter suggestions."""
    current_caller(app)
    return summarize(wiring.leads().field_values(tuple(SUMMARY_FIELDS.values())), top)


@app.get(
    "/leads/<leadId>",
    responses=api_responses(
        {200: "The lead, with every row it came from."}, {404: "NOT_FOUND: there is no such lead."}
    ),
)
@tracer.capture_method
def get_lead(lead_id: Annotated[str, Path(alias="leadId", max_length=200)]):
    current_caller(app)
    lead = wiring.leads().get(lead_id) if is_lead_id(lead_id) else None
    if lead is None:
        raise NotFound("There is no such lead.")
    return lead


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

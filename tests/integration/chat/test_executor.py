"""The chat executor and ChatService on the real LeadRepository, in an own moto table created from template.yaml.

Leads are written by `LeadRepository.merge` (as the pipeline writes them) with fixed creation times, so date
words are checked against a fixed clock. Equality filters must find exactly what the lead table's filters
find, and no question may write anything.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from easycrm.chat.executor import execute
from easycrm.chat.query import parse_query
from easycrm.chat.service import ChatService
from easycrm.importing.dedup import SourceRef
from easycrm.leads.queries import LeadQuery, parse_lead_query

from tests.integration.conftest import empty_leads_table

NOW = datetime(2026, 1, 7, 15, 30, tzinfo=UTC)  # a Wednesday
MINE, MINE_TOO, TEAMMATES = "up-mine", "up-mine-2", "up-teammate"
OWN_UPLOADS = {MINE: "trade-show.xlsx", MINE_TOO: "webinar.csv"}

# (createdAt, dedup key, lead, the row it came from)
ROWS = [
    (
        "2026-01-07T09:00:00.000Z",
        "email:anna@acme.test",
        {
            "name": "Anna Berg",
            "email": "anna@acme.test",
            "phone": "+14155550100",
            "company": "Acme",
            "title": "Sales Manager",
            "industry": "Healthcare",
            "source": "Trade Show",
            "country": "US",
        },
        SourceRef(MINE, "trade-show.xlsx", "Trade Show", 2),
    ),
    (
        "2026-01-05T00:00:00.000Z",  # this week's first instant
        "email:emile@acme.test",
        {
            "name": "Émile Zola",
            "email": "emile@acme.test",
            "phone": "N/A",
            "company": "ACME",
            "title": "manager",
            "industry": "healthcare",
            "source": "Webinar",
        },
        SourceRef(TEAMMATES, "trade-show.xlsx", "Webinar", 7),
    ),
    (
        "2026-01-06T10:00:00.000Z",  # Émile again, from the caller's upload: merged, created stays
        "email:emile@acme.test",
        {"email": "emile@acme.test"},
        SourceRef(MINE, "trade-show.xlsx", "Trade Show", 3),
    ),
    (
        "2026-01-04T23:59:59.999Z",  # last week's last instant; reachable by phone only
        "phone:+4930123456",
        {
            "name": "Cleo Park",
            "phone": "+4930123456",
            "company": "Société Générale",
            "title": "Mgr",
            "industry": "Financial Services",
            "country": "DE",
            "notes": "call back",
        },
        SourceRef(TEAMMATES, "partners.xlsx", "Webinar", 4),
    ),
    (
        "2025-12-31T12:00:00.000Z",
        "email:dan@globex.test",
        {"email": "dan@globex.test", "company": "Globex", "industry": "Technology", "source": "Webinar"},
        SourceRef(MINE_TOO, "webinar.csv", None, 2),
    ),
    (
        "2026-01-06T08:00:00.000Z",
        "email:zoe@globex.test",
        {
            "name": "zoe adams",
            "email": "zoe@globex.test",
            "company": "globex",
            "industry": "Technology",
            "title": "CTO",
        },
        SourceRef(TEAMMATES, "other.xlsx", "Partner List", 9),
    ),
]
NAMES = {"Anna Berg": "anna", "Émile Zola": "emile", "Cleo Park": "cleo", "zoe adams": "zoe"}


@pytest.fixture(scope="module")
def table(stack) -> str:
    """An own leads table, with ROWS merged in at their creation times."""
    from easycrm.adapters import lead_repository as leads_module
    from easycrm.adapters.lead_repository import LeadRepository

    name = empty_leads_table(stack, "easycrm-chat")
    writer = LeadRepository(name)
    with pytest.MonkeyPatch.context() as patch:
        for created, key, lead, row in ROWS:
            patch.setattr(leads_module, "utc_now_iso", lambda created=created: created)
            writer.merge(key, lead, row)
    return name


@pytest.fixture(scope="module")
def repository(table):
    from easycrm.adapters.lead_repository import LeadRepository

    return LeadRepository(table)


def who(leads: list[dict]) -> set[str]:
    return {NAMES.get(lead.get("name"), lead.get("email", "").split("@")[0]) for lead in leads}


def run(repository, document: dict, own_uploads: dict = OWN_UPLOADS):
    return execute(parse_query(document), repository, now=NOW, own_uploads=own_uploads)


def matching(repository, *filters: dict, **parts) -> set[str]:
    result = run(repository, {"action": "list", "filters": list(filters), **parts})
    assert result.count == len(result.leads)
    return who(result.leads)


def everything_stored(stack, table: str) -> list[dict]:
    items = stack.client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda item: item["leadId"]["S"])


# operators ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "company", "op": "equals", "value": "acme"}, {"anna", "emile"}),
        ({"field": "company", "op": "equals", "value": "SOCIETE generale"}, {"cleo"}),
        ({"field": "industry", "op": "equals", "value": "HEALTHCARE"}, {"anna", "emile"}),
        ({"field": "source", "op": "equals", "value": "webinar"}, {"emile", "dan"}),
        ({"field": "name", "op": "equals", "value": "emile zola"}, {"emile"}),
        ({"field": "title", "op": "contains", "value": "MANAGER"}, {"anna", "emile"}),
        ({"field": "company", "op": "contains", "value": "génér"}, {"cleo"}),
        ({"field": "phone", "op": "is_empty"}, {"emile", "dan", "zoe"}),  # "N/A" counts as empty
        ({"field": "phone", "op": "is_not_empty"}, {"anna", "cleo"}),
        ({"field": "email", "op": "is_empty"}, {"cleo"}),
        ({"field": "notes", "op": "is_not_empty"}, {"cleo"}),
        ({"field": "worksheet", "op": "equals", "value": "webinar"}, {"emile", "cleo"}),
        ({"field": "worksheet", "op": "is_empty"}, {"dan"}),
        ({"field": "file", "op": "equals", "value": "trade-show.xlsx"}, {"anna", "emile"}),
        ({"field": "file", "op": "equals", "value": "partners.xlsx"}, set()),  # a teammate's file
        ({"field": "upload", "op": "equals", "value": MINE}, {"anna", "emile"}),
        ({"field": "upload", "op": "equals", "value": TEAMMATES}, set()),
        ({"field": "upload", "op": "is_not_empty"}, {"anna", "emile", "dan"}),
    ],
)
def test_every_operator_on_the_stored_leads(repository, condition, expected):
    assert matching(repository, condition) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company", "acme"),
        ("company", "Societe Generale"),
        ("company", "GLOBEX"),
        ("industry", "technology"),
        ("industry", "Healthcare"),
        ("source", "WEBINAR"),
        ("source", "trade show"),
    ],
)
def test_equals_finds_exactly_what_the_lead_tables_filter_shows(repository, field, value):
    table, total = repository.find(parse_lead_query({field: value, "pageSize": "100"}))

    result = run(repository, {"action": "list", "filters": [{"field": field, "op": "equals", "value": value}]})

    assert result.count == total
    assert {lead["leadId"] for lead in result.leads} == {lead["leadId"] for lead in table}


def test_an_own_upload_finds_what_the_lead_tables_upload_filter_shows(repository):
    table, total = repository.find(LeadQuery(upload_id=MINE, page_size=100))

    result = run(repository, {"action": "count", "filters": [{"field": "upload", "op": "equals", "value": MINE}]})

    assert result.count == total == 2
    assert {lead["leadId"] for lead in result.leads} == {lead["leadId"] for lead in table}


def test_several_pushed_down_filters_together(repository):
    assert matching(
        repository,
        {"field": "company", "op": "equals", "value": "Globex"},
        {"field": "industry", "op": "equals", "value": "Technology"},
        {"field": "upload", "op": "equals", "value": MINE_TOO},
    ) == {"dan"}


# dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ({"preset": "today"}, {"anna"}),
        ({"preset": "yesterday"}, {"zoe"}),
        ({"preset": "this_week"}, {"anna", "emile", "zoe"}),
        ({"preset": "last_week"}, {"cleo", "dan"}),
        ({"preset": "this_month"}, {"anna", "emile", "cleo", "zoe"}),
        ({"preset": "last_month"}, {"dan"}),
        ({"preset": "last_n_days", "days": 3}, {"anna", "emile", "zoe"}),
        ({"from": "2026-01-04", "to": "2026-01-05"}, {"emile", "cleo"}),
        ({"to": "2025-12-31"}, {"dan"}),
    ],
)
def test_date_words_against_a_fixed_clock(repository, created, expected):
    assert matching(repository, created=created) == expected


# grouping and order ------------------------------------------------------------------------------


def test_group_by_ties_go_by_value_and_each_group_is_what_its_filter_finds(repository):
    result = run(repository, {"action": "group_by", "group_by": "company"})

    assert [(group.value, group.count) for group in result.grouping.groups] == [
        ("ACME", 2),
        ("Globex", 2),
        ("Société Générale", 1),
    ]
    for group in result.grouping.groups:
        _, total = repository.find(parse_lead_query({"company": group.value}))
        assert total == group.count


def test_group_by_worksheet_over_all_sources(repository):
    result = run(repository, {"action": "group_by", "group_by": "worksheet", "top": 2})

    assert [(group.value, group.count) for group in result.grouping.groups] == [("Trade Show", 2), ("Webinar", 2)]
    assert (result.grouping.other, result.grouping.blank) == (1, 1)


def test_list_sorted_and_limited_with_the_full_count(repository):
    result = run(repository, {"action": "list", "sort": {"by": "name"}, "limit": 3})

    assert result.count == 5
    assert [lead.get("name") for lead in result.leads] == ["Anna Berg", "Cleo Park", "Émile Zola"]


# the service, read-only --------------------------------------------------------------------------


def test_the_issues_questions_through_the_service(repository):
    service = ChatService(repository, None, lambda: NOW)
    uploads = [{"uploadId": upload, "fileName": name, "status": "completed"} for upload, name in OWN_UPLOADS.items()]

    def ask(question: str) -> dict:
        return service.answer(question, owned_uploads=uploads)

    healthcare = ask("How many leads from healthcare came in this week?")
    companies = ask("Which companies have the most leads?")
    acme = ask("Show leads from Acme with a phone number")
    webinar = ask("Who came from the Webinar sheet?")

    assert (healthcare["count"], who(healthcare["leads"])) == (2, {"anna", "emile"})
    assert companies["answer"] == "There are 5 leads. Top companies: ACME (2), Globex (2), Société Générale (1)."
    assert who(acme["leads"]) == {"anna"}
    assert who(webinar["leads"]) == {"emile", "cleo"}
    assert TEAMMATES not in repr(webinar)  # the sheet is found, the teammate's upload is not shown
    assert "partners.xlsx" not in repr(webinar)


def test_no_question_writes_anything(stack, table, repository):
    before = everything_stored(stack, table)
    service = ChatService(repository, None, lambda: NOW)
    questions = [
        "how many leads are there",
        "Which companies have the most leads?",
        "leads by worksheet",
        "show leads from Acme with a phone number",
        f"leads from upload {TEAMMATES}",
        "leads from the trade-show.xlsx file created this week",
        "delete all leads from Acme",
        "update the phone of Anna Berg to +15555550123",
    ]
    for question in questions:
        service.answer(question, owned_uploads=[{"uploadId": MINE, "fileName": "trade-show.xlsx"}])
    for field in ("company", "industry", "source", "country", "title", "worksheet", "file"):
        run(
            repository, {"action": "group_by", "group_by": field, "filters": [{"field": "email", "op": "is_not_empty"}]}
        )

    assert everything_stored(stack, table) == before
    assert repository.count() == 5

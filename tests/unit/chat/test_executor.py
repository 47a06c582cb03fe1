"""The chat executor on an in-memory lead source: every operator, dates, grouping, order, privacy.

The source returns every lead whatever LeadQuery it is given, so these tests show that the executor
itself checks every filter; which filters it pushes into the LeadQuery is asserted on the recorded
queries. tests/integration/chat/test_executor.py runs the same executor on the real repository.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from easycrm.chat.executor import execute
from easycrm.chat.query import parse_query
from easycrm.leads.queries import LeadQuery

from tests.support.lead_source import InMemoryLeads

NOW = datetime(2026, 1, 7, 15, 30, tzinfo=UTC)  # a Wednesday
MINE, TEAMMATES = "up-mine", "up-teammate"
OWN_UPLOADS = {MINE: "trade-show.xlsx", "up-mine-2": "webinar.csv"}


def source(upload_id: str, file_name: str, worksheet: str | None, row: int) -> dict:
    return {"uploadId": upload_id, "fileName": file_name, "worksheet": worksheet, "row": row}


def lead(lead_id: str, created: str, *sources: dict, **fields: str) -> dict:
    """A lead as LeadRepository.to_lead returns it."""
    first = sources[0] if sources else source(TEAMMATES, "other.xlsx", None, 2)
    return {
        "leadId": lead_id,
        "createdAt": created,
        "updatedAt": created,
        **fields,
        "uploadIds": sorted({s["uploadId"] for s in sources}),
        "sources": list(sources),
        "uploadId": first["uploadId"],
        "sourceFile": first["fileName"],
        "sourceRow": first["row"],
        **({"_worksheet": first["worksheet"]} if first["worksheet"] else {}),
    }


LEADS = [
    lead(
        "a01",
        "2026-01-07T09:00:00.000Z",
        source(MINE, "trade-show.xlsx", "Trade Show", 2),
        name="Anna Berg",
        email="anna@acme.test",
        phone="+14155550100",
        company="Acme",
        title="Sales Manager",
        industry="Healthcare",
        source="Trade Show",
        country="US",
    ),
    lead(
        "b02",
        "2026-01-05T00:00:00.000Z",  # this week's first instant
        source(TEAMMATES, "trade-show.xlsx", "Webinar", 7),
        source(MINE, "trade-show.xlsx", "Trade Show", 3),
        name="Émile Zola",
        email="emile@acme.test",
        phone="N/A",
        company="ACME",
        title="manager",
        industry="healthcare",
        source="Webinar",
    ),
    lead(
        "c03",
        "2026-01-04T23:59:59.999Z",  # last week's last instant
        source(TEAMMATES, "partners.xlsx", "Webinar", 4),
        name="Cleo Park",
        phone="+4930123456",
        company="Société Générale",
        title="Mgr",
        industry="Financial Services",
        country="DE",
        notes="call back",
    ),
    lead(
        "d04",
        "2025-12-31T12:00:00.000Z",
        source("up-mine-2", "webinar.csv", None, 2),
        email="dan@globex.test",
        company="Globex",
        industry="Technology",
        source="Webinar",
    ),
    lead(
        "e05",
        "2026-01-06T08:00:00.000Z",
        source(TEAMMATES, "other.xlsx", "Partner List", 9),
        name="zoe adams",
        email="zoe@globex.test",
        company="globex",
        industry="Technology",
        title="CTO",
    ),
]


def run(document: dict, leads: list[dict] = LEADS, own_uploads: dict = OWN_UPLOADS):
    store = InMemoryLeads(leads)
    result = execute(parse_query(document), store, now=NOW, own_uploads=own_uploads)
    return result, store


def ids(result) -> list[str]:
    return [found["leadId"] for found in result.leads]


def matching(*filters: dict, **parts) -> set[str]:
    result, _ = run({"action": "list", "filters": list(filters), **parts})
    assert result.count == len(result.leads)
    return set(ids(result))


# operators ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "company", "op": "equals", "value": "acme"}, {"a01", "b02"}),
        ({"field": "company", "op": "equals", "value": "SOCIETE generale"}, {"c03"}),
        ({"field": "company", "op": "equals", "value": "Societe"}, set()),
        ({"field": "name", "op": "equals", "value": "emile zola"}, {"b02"}),
        ({"field": "title", "op": "contains", "value": "MANAGER"}, {"a01", "b02"}),
        ({"field": "company", "op": "contains", "value": "génér"}, {"c03"}),
        ({"field": "email", "op": "contains", "value": "@globex"}, {"d04", "e05"}),
        ({"field": "phone", "op": "is_empty"}, {"b02", "d04", "e05"}),  # "N/A" counts as empty
        ({"field": "phone", "op": "is_not_empty"}, {"a01", "c03"}),
        ({"field": "email", "op": "is_empty"}, {"c03"}),
        ({"field": "notes", "op": "is_not_empty"}, {"c03"}),
        ({"field": "country", "op": "equals", "value": "de"}, {"c03"}),
        ({"field": "source", "op": "equals", "value": "webinar"}, {"b02", "d04"}),
    ],
)
def test_lead_field_operators(condition, expected):
    assert matching(condition) == expected


def test_filters_are_combined_with_and():
    assert matching(
        {"field": "company", "op": "equals", "value": "Acme"}, {"field": "phone", "op": "is_not_empty"}
    ) == {"a01"}


def test_worksheet_matches_any_of_the_leads_sheets_in_any_upload():
    assert matching({"field": "worksheet", "op": "equals", "value": "webinar"}) == {"b02", "c03"}
    assert matching({"field": "worksheet", "op": "contains", "value": "trade"}) == {"a01", "b02"}
    assert matching({"field": "worksheet", "op": "is_empty"}) == {"d04"}


def test_file_matches_only_the_callers_own_uploads():
    # b02 also came from a teammate's trade-show.xlsx, and c03 only from a teammate's partners.xlsx
    assert matching({"field": "file", "op": "equals", "value": "TRADE-SHOW.xlsx"}) == {"a01", "b02"}
    assert matching({"field": "file", "op": "equals", "value": "partners.xlsx"}) == set()
    assert matching({"field": "file", "op": "contains", "value": "webinar"}) == {"d04"}
    assert matching({"field": "file", "op": "is_not_empty"}) == {"a01", "b02", "d04"}
    assert matching({"field": "file", "op": "is_empty"}) == {"c03", "e05"}


def test_upload_matches_only_the_callers_own_uploads():
    assert matching({"field": "upload", "op": "equals", "value": MINE}) == {"a01", "b02"}
    assert matching({"field": "upload", "op": "is_not_empty"}) == {"a01", "b02", "d04"}


def test_another_users_upload_finds_nothing_without_reading_a_lead():
    result, store = run({"action": "count", "filters": [{"field": "upload", "op": "equals", "value": TEAMMATES}]})

    assert result.count == 0
    assert store.queries == []


def test_a_file_name_none_of_the_callers_uploads_has_reads_nothing():
    _, store = run({"action": "count", "filters": [{"field": "file", "op": "equals", "value": "partners.xlsx"}]})

    assert store.queries == []


def test_nothing_is_readable_by_upload_without_own_uploads():
    result, _ = run({"action": "count", "filters": [{"field": "upload", "op": "is_not_empty"}]}, own_uploads={})

    assert result.count == 0


# questions about the whole list -------------------------------------------------------------------

EVERY_LEAD = {"from": "2000-01-01"}  # a date range every lead is in: the path that reads each lead


@pytest.mark.parametrize(
    "document",
    [
        {"action": "count"},
        {"action": "list", "limit": 3},
        {"action": "list", "sort": {"by": "name"}, "limit": 4},
        {"action": "list", "sort": {"by": "company", "order": "desc"}},
        {"action": "list", "sort": {"by": "email"}, "limit": 0},
        {"action": "list", "sort": {"by": "createdAt", "order": "asc"}, "limit": 2},
        {"action": "group_by", "group_by": "company", "top": 2},
        {"action": "group_by", "group_by": "industry"},
        {"action": "group_by", "group_by": "source", "limit": 1},
    ],
)
def test_a_question_about_every_lead_reads_the_count_a_page_and_the_summary_fields(document):
    result, store = run(document)
    every, reading_each = run({**document, "created": EVERY_LEAD})

    assert store.queries == []  # no lead was read one by one
    assert {"count", "find"} & set(store.whole_list_reads)  # the lead count, alone or with a page
    assert reading_each.queries == [LeadQuery()]
    assert result.count == every.count == len(LEADS)
    assert ids(result) == ids(every)
    assert result.leads == every.leads  # other users' sources are dropped the same way
    assert result.grouping == every.grouping


def test_a_group_by_outside_the_summary_fields_reads_each_lead():
    _, store = run({"action": "group_by", "group_by": "title"})

    assert store.queries == [LeadQuery()]
    assert store.whole_list_reads == []


# what goes into the LeadQuery ---------------------------------------------------------------------


def test_equality_filters_on_indexed_fields_are_pushed_down_folded():
    _, store = run(
        {
            "action": "list",
            "filters": [
                {"field": "company", "op": "equals", "value": "Société Générale"},
                {"field": "industry", "op": "equals", "value": "Financial Services"},
                {"field": "source", "op": "equals", "value": "  WEBINAR "},
                {"field": "title", "op": "equals", "value": "Mgr"},
            ],
        }
    )

    assert store.queries == [LeadQuery(company="societe generale", industry="financial services", source="webinar")]


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "company", "op": "contains", "value": "acme"},
        {"field": "company", "op": "is_not_empty"},
        {"field": "worksheet", "op": "equals", "value": "Webinar"},
    ],
)
def test_other_conditions_are_checked_in_memory_only(condition):
    _, store = run({"action": "list", "filters": [condition]})

    assert store.queries == [LeadQuery()]


def test_an_own_upload_or_its_file_narrows_the_read_to_that_upload():
    _, by_upload = run({"action": "list", "filters": [{"field": "upload", "op": "equals", "value": MINE}]})
    _, by_file = run({"action": "list", "filters": [{"field": "file", "op": "equals", "value": "webinar.csv"}]})

    assert by_upload.queries == [LeadQuery(upload_id=MINE)]
    assert by_file.queries == [LeadQuery(upload_id="up-mine-2")]


def test_a_file_name_of_two_own_uploads_is_checked_in_memory():
    own = {**OWN_UPLOADS, "up-mine-3": "trade-show.xlsx"}
    _, store = run(
        {"action": "list", "filters": [{"field": "file", "op": "equals", "value": "trade-show.xlsx"}]}, own_uploads=own
    )

    assert store.queries == [LeadQuery()]


# dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ({"preset": "today"}, {"a01"}),
        ({"preset": "yesterday"}, {"e05"}),
        ({"preset": "this_week"}, {"a01", "b02", "e05"}),  # from Monday 00:00:00.000
        ({"preset": "last_week"}, {"c03", "d04"}),  # to Sunday 23:59:59.999
        ({"preset": "this_month"}, {"a01", "b02", "c03", "e05"}),
        ({"preset": "last_month"}, {"d04"}),
        ({"preset": "last_n_days", "days": 2}, {"a01", "e05"}),
        ({"preset": "last_n_days", "days": 3}, {"a01", "b02", "e05"}),
        ({"from": "2026-01-04", "to": "2026-01-05"}, {"b02", "c03"}),  # both ends inclusive
        ({"from": "2026-01-06"}, {"a01", "e05"}),
        ({"to": "2025-12-31"}, {"d04"}),
    ],
)
def test_date_ranges_against_a_fixed_clock(created, expected):
    assert matching(created=created) == expected


def test_a_lead_without_a_readable_creation_date_is_in_no_date_range():
    broken = [{**LEADS[0], "createdAt": "yesterday-ish"}]

    result, _ = run({"action": "count", "created": {"preset": "this_month"}}, leads=broken)

    assert result.count == 0


# actions -----------------------------------------------------------------------------------------


def test_count_is_the_full_match_count_while_leads_are_limited():
    result, _ = run({"action": "count", "limit": 2})

    assert result.count == 5
    assert ids(result) == ["a01", "e05"]  # newest first


def test_a_limit_of_zero_still_counts_and_groups_every_match():
    result, _ = run({"action": "group_by", "group_by": "industry", "limit": 0})

    assert result.count == 5
    assert result.leads == []
    assert sum(group.count for group in result.grouping.groups) == 5


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ({"by": "createdAt"}, ["a01", "e05", "b02", "c03", "d04"]),
        ({"by": "createdAt", "order": "asc"}, ["d04", "c03", "b02", "e05", "a01"]),
        ({"by": "name"}, ["a01", "c03", "b02", "e05", "d04"]),  # Émile sorts as Emile; no name last
        ({"by": "name", "order": "desc"}, ["d04", "e05", "b02", "c03", "a01"]),
        ({"by": "company"}, ["a01", "b02", "d04", "e05", "c03"]),  # equal companies in leadId order
        ({"by": "email"}, ["a01", "d04", "b02", "e05", "c03"]),
    ],
)
def test_leads_come_in_the_lead_tables_order(sort, expected):
    result, _ = run({"action": "list", "sort": sort})

    assert ids(result) == expected


def test_group_by_counts_folded_values_with_ties_by_value():
    result, _ = run({"action": "group_by", "group_by": "company"})

    groups = [(group.value, group.count) for group in result.grouping.groups]
    # Acme/ACME and Globex/globex are one group each; the tie (2, 2) goes by value
    assert groups == [("ACME", 2), ("Globex", 2), ("Société Générale", 1)]
    assert (result.grouping.other, result.grouping.blank) == (0, 0)


def test_group_by_top_counts_the_rest_as_other_and_leads_without_a_value_as_blank():
    result, _ = run({"action": "group_by", "group_by": "source", "top": 1})

    assert [(group.value, group.count) for group in result.grouping.groups] == [("Webinar", 2)]
    assert result.grouping.other == 1  # Trade Show
    assert result.grouping.blank == 2  # c03, e05


def test_group_by_worksheet_counts_a_lead_once_per_sheet():
    result, _ = run({"action": "group_by", "group_by": "worksheet"})

    groups = [(group.value, group.count) for group in result.grouping.groups]
    assert groups == [("Trade Show", 2), ("Webinar", 2), ("Partner List", 1)]
    assert result.grouping.blank == 1  # d04 came from a CSV


def test_group_by_file_sees_only_own_uploads():
    result, _ = run({"action": "group_by", "group_by": "file"})

    assert [(group.value, group.count) for group in result.grouping.groups] == [
        ("trade-show.xlsx", 2),
        ("webinar.csv", 1),
    ]
    assert result.grouping.blank == 2


def test_group_by_after_filters_groups_only_the_matches():
    result, _ = run(
        {"action": "group_by", "group_by": "industry", "filters": [{"field": "email", "op": "is_not_empty"}]}
    )

    assert result.count == 4
    assert [(group.value, group.count) for group in result.grouping.groups] == [
        ("Healthcare", 2),
        ("Technology", 2),
    ]


# privacy -----------------------------------------------------------------------------------------


def test_leads_shown_keep_only_the_callers_own_uploads():
    result, _ = run({"action": "list", "sort": {"by": "name"}})
    shown = {found["leadId"]: found for found in result.leads}

    assert shown["b02"]["sources"] == [source(MINE, "trade-show.xlsx", "Trade Show", 3)]
    assert shown["b02"]["uploadIds"] == [MINE]
    assert "uploadId" not in shown["b02"]  # its first row came from a teammate's upload
    assert "_worksheet" not in shown["b02"]
    assert shown["c03"]["sources"] == []
    assert shown["c03"]["uploadIds"] == []
    assert shown["a01"]["uploadId"] == MINE
    assert shown["a01"]["sourceFile"] == "trade-show.xlsx"
    everything = repr(result.leads)
    assert TEAMMATES not in everything
    assert "partners.xlsx" not in everything


def test_the_leads_given_are_not_changed():
    before = repr(LEADS)

    run({"action": "list"})

    assert repr(LEADS) == before

"""GET /leads and GET /leads/{leadId} through the real handler, on leads imported by the real pipeline.

The session's moto stack also holds other tests' leads, so every check either narrows the list to this
module's own leads (a unique tag in their emails and companies, or their upload ids) or compares with
what the table itself holds.
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
import uuid

import pytest

from scripts.local_stack.apigw import proxy_event
from tests.integration.conftest import OWNER, Pipeline, empty_leads_table

TAG = uuid.uuid4().hex[:8]
HEADERS = ["Full Name", "Email", "Phone", "Company", "Industry", "Lead Source", "Job Title"]
BLANK = "\U0010ffff"


def _email(label: str) -> str:
    return f"{label}.{TAG}@example.com"


# name, email, phone, company, industry, source, title
FILE_A = [
    ["Anna Berg", _email("anna"), "", f"Acme {TAG}", f"Software {TAG}", f"Webinar {TAG}", ""],
    ["Émile Zola", _email("emile"), "", f"ACME {TAG}", f"Retail {TAG}", f"Trade Show {TAG}", ""],
    ["Sam Lee", _email("sam.one"), "", f"Globex {TAG}", f"Software {TAG}", f"Trade Show {TAG}", ""],
    ["Sam Lee", _email("sam.two"), "", f"Globex {TAG}", f"Software {TAG}", f"Webinar {TAG}", ""],
    ["Sam Lee", _email("sam.three"), "", f"Société {TAG}", f"Retail {TAG}", f"Webinar {TAG}", ""],
    ["", _email("nobody"), "", "", "", "", ""],
    ["zoe adams", _email("zoe"), "", f"globex {TAG}", f"software {TAG}", "", ""],
    *[
        [f"Person {n:02d}", _email(f"person{n:02d}"), "", f"Hooli {TAG}", f"Software {TAG}", f"Webinar {TAG}", ""]
        for n in range(14)
    ],
]
# Anna again (merged: one more upload, a title), and three new leads.
FILE_B = [
    ["Anna Berg", _email("anna"), "", f"Acme {TAG}", "", "", "CTO"],
    ["Bob Stone", _email("bob"), "", f"Acme {TAG}", f"Retail {TAG}", f"Webinar {TAG}", ""],
    ["Cleo Park", _email("cleo"), "", f"Stark {TAG}", f"Software {TAG}", f"Referral {TAG}", ""],
    ["Dan Wu", _email("dan"), "", f"Stark {TAG}", f"Retail {TAG}", f"Trade Show {TAG}", ""],
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, *rows])
    return buffer.getvalue().encode("utf-8")


def fold(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).split())


@pytest.fixture(scope="module")
def imported(stack):
    from easycrm import wiring

    wiring.reset()
    pipe = Pipeline(stack)
    pipe.delete(pipe.receive(max_messages=10_000))
    upload_a = pipe.run("reader-a.csv", csv_bytes(FILE_A))
    upload_b = pipe.run("reader-b.csv", csv_bytes(FILE_B))
    return {"a": upload_a, "b": upload_b}


def call(stack, path: str, query: dict | None = None, claims: dict | None = OWNER, **kwargs) -> tuple[int, dict]:
    event = proxy_event("GET", path, query=query, claims=claims, **kwargs)
    response = stack.function("lead_reader").invoke(event)
    return response["statusCode"], json.loads(response["body"])


def leads(stack, **query) -> dict:
    status, body = call(stack, "/leads", {name: str(value) for name, value in query.items()}, resource="/leads")
    assert status == 200, body
    return body


def all_pages(stack, page_size: int, **query) -> list[dict]:
    """Walk every page; check the pagination block on each."""
    first = leads(stack, pageSize=page_size, **query)
    total = first["pagination"]["totalCount"]
    assert first["pagination"]["totalPages"] == math.ceil(total / page_size)
    collected = list(first["leads"])
    for page in range(2, first["pagination"]["totalPages"] + 1):
        body = leads(stack, page=page, pageSize=page_size, **query)
        assert body["pagination"] == {
            "page": page,
            "pageSize": page_size,
            "totalCount": total,
            "totalPages": math.ceil(total / page_size),
        }
        collected.extend(body["leads"])
    assert len(collected) == total
    assert len({lead["leadId"] for lead in collected}) == total  # no lead twice across pages
    return collected


def ordered(items: list[dict], field: str, descending: bool) -> list[str]:
    def key(lead: dict) -> tuple[str, str]:
        value = lead[field] if field == "createdAt" else (fold(lead.get(field)) or BLANK)
        return (value, lead["leadId"])

    return [lead["leadId"] for lead in sorted(items, key=key, reverse=descending)]


def emails(items: list[dict]) -> set[str]:
    return {lead.get("email") or lead.get("phone") for lead in items}


MINE = len(FILE_A) + 3  # distinct leads of this module


# listing ----------------------------------------------------------------------------------------


def test_unfiltered_list_counts_every_lead_newest_first(stack, imported, wiring):
    stored = list(wiring.leads().scan_all())
    body = leads(stack, pageSize=5)
    assert body["pagination"]["totalCount"] == len(stored)  # the counter agrees with the table
    newest = sorted(stored, key=lambda lead: (lead["createdAt"], lead["leadId"]), reverse=True)[:5]
    assert [lead["leadId"] for lead in body["leads"]] == [lead["leadId"] for lead in newest]
    assert not {"listKey", "nameKey", "companyKey", "emailKey", "industryKey", "sourceKey"} & set(body["leads"][0])

    last_page = body["pagination"]["totalPages"]
    tail = leads(stack, page=last_page, pageSize=5)
    assert len(tail["leads"]) == len(stored) - 5 * (last_page - 1)
    past = leads(stack, page=last_page + 1, pageSize=5)
    assert past["leads"] == []
    assert past["pagination"]["totalCount"] == len(stored)


def test_pages_of_a_filtered_list_cover_it_once_with_right_totals(stack, imported):
    collected = all_pages(stack, 6, search=TAG)
    assert len(collected) == MINE
    assert [lead["leadId"] for lead in collected] == ordered(collected, "createdAt", descending=True)
    assert len(collected) - 6 * (math.ceil(MINE / 6) - 1) == (MINE % 6 or 6)  # the last page holds the rest
    past = leads(stack, search=TAG, pageSize=6, page=50)
    assert past["leads"] == []
    assert past["pagination"] == {"page": 50, "pageSize": 6, "totalCount": MINE, "totalPages": math.ceil(MINE / 6)}
    nothing = leads(stack, search=f"no such lead {TAG}")
    assert nothing == {"leads": [], "pagination": {"page": 1, "pageSize": 25, "totalCount": 0, "totalPages": 0}}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"company": f"acme {TAG}"}, {_email("anna"), _email("emile"), _email("bob")}),
        ({"company": f"  SOCIETE   {TAG} "}, {_email("sam.three")}),
        ({"industry": f"RETAIL {TAG}"}, {_email(x) for x in ("emile", "sam.three", "bob", "dan")}),
        ({"source": f"referral {TAG}"}, {_email("cleo")}),
        (
            {"company": f"Globex {TAG}", "industry": f"Software {TAG}"},
            {_email(x) for x in ("sam.one", "sam.two", "zoe")},
        ),
        ({"company": f"Globex {TAG}", "source": f"Webinar {TAG}"}, {_email("sam.two")}),
        ({"industry": f"Retail {TAG}", "source": f"Webinar {TAG}"}, {_email("sam.three"), _email("bob")}),
        ({"search": "émile", "industry": f"Retail {TAG}"}, {_email("emile")}),
        ({"search": f"STARK {TAG}"}, {_email("cleo"), _email("dan")}),
        ({"search": "sam.t", "company": f"globex {TAG}"}, {_email("sam.two")}),
    ],
)
def test_filters_match_case_and_accent_insensitively(stack, imported, query, expected):
    body = leads(stack, pageSize=100, **query)
    assert emails(body["leads"]) == expected
    assert body["pagination"]["totalCount"] == len(expected)


def test_upload_filter_includes_leads_merged_by_a_later_upload(stack, imported):
    in_a = leads(stack, uploadId=imported["a"], pageSize=100)
    assert in_a["pagination"]["totalCount"] == len(FILE_A)
    in_b = leads(stack, uploadId=imported["b"], pageSize=100)
    assert emails(in_b["leads"]) == {_email(x) for x in ("anna", "bob", "cleo", "dan")}
    anna = next(lead for lead in in_b["leads"] if lead["email"] == _email("anna"))
    assert anna["title"] == "CTO" and anna["uploadId"] == imported["a"]  # first upload's provenance stays
    combined = leads(stack, uploadId=imported["b"], company=f"acme {TAG}", sortBy="name")
    assert [lead["email"] for lead in combined["leads"]] == [_email("anna"), _email("bob")]
    searched = leads(stack, uploadId=imported["a"], search="sam")
    assert emails(searched["leads"]) == {_email(x) for x in ("sam.one", "sam.two", "sam.three")}
    assert leads(stack, uploadId=f"no-such-upload-{TAG}")["pagination"]["totalCount"] == 0


@pytest.mark.parametrize("sort_by", ["createdAt", "name", "company", "email"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_sort_order_on_every_read_path(stack, imported, sort_by, order):
    descending = order == "desc"
    # the whole list index, filtered by search: index order
    mine = leads(stack, search=TAG, sortBy=sort_by, sortOrder=order, pageSize=100)["leads"]
    assert len(mine) == MINE
    assert [lead["leadId"] for lead in mine] == ordered(mine, sort_by, descending)
    # an equality filter drives the read: index order or sorted in memory
    for query in ({"company": f"hooli {TAG}"}, {"industry": f"retail {TAG}"}, {"uploadId": imported["b"]}):
        found = leads(stack, sortBy=sort_by, sortOrder=order, pageSize=100, **query)["leads"]
        assert [lead["leadId"] for lead in found] == ordered(found, sort_by, descending), query


@pytest.mark.parametrize(
    ("query", "page_size"),
    [
        ({"company": f"hooli {TAG}", "sortBy": "company"}, 4),  # ties only: leadId order, streamed
        ({"company": f"hooli {TAG}", "sortBy": "email", "sortOrder": "desc"}, 5),  # sorted in memory
        ({"industry": f"software {TAG}", "sortBy": "createdAt", "sortOrder": "asc"}, 6),  # streamed
    ],
)
def test_pages_are_stable_on_each_read_path(stack, imported, query, page_size):
    everything = leads(stack, pageSize=100, **query)["leads"]
    assert [lead["leadId"] for lead in all_pages(stack, page_size, **query)] == [lead["leadId"] for lead in everything]


def test_name_sort_puts_blank_names_last_and_ties_in_lead_id_order(stack, imported):
    by_name = leads(stack, search=TAG, sortBy="name", pageSize=100)["leads"]
    assert by_name[-1]["email"] == _email("nobody") and "name" not in by_name[-1]
    sams = [lead for lead in by_name if lead.get("name") == "Sam Lee"]
    assert [lead["leadId"] for lead in sams] == sorted(lead["leadId"] for lead in sams)
    names = [lead.get("name") for lead in by_name]
    assert names.index("Émile Zola") < names.index("Person 00")  # accents fold: É sorts as E
    descending = leads(stack, search=TAG, sortBy="name", sortOrder="desc", pageSize=100)["leads"]
    assert descending[0]["email"] == _email("nobody")


def test_unfiltered_sort_by_name_reads_in_order(stack, imported):
    first = leads(stack, sortBy="name", pageSize=20)["leads"]
    second = leads(stack, sortBy="name", pageSize=20, page=2)["leads"]
    keys = [(fold(lead.get("name")) or BLANK, lead["leadId"]) for lead in first + second]
    assert keys == sorted(keys)


# one lead ---------------------------------------------------------------------------------------


def test_one_lead_with_all_its_sources(stack, imported):
    anna = leads(stack, search=_email("anna"))["leads"][0]
    status, body = call(
        stack, f"/leads/{anna['leadId']}", resource="/leads/{leadId}", path_parameters={"leadId": anna["leadId"]}
    )
    assert status == 200
    assert body["email"] == _email("anna") and body["title"] == "CTO"
    assert {(source["uploadId"], source["fileName"]) for source in body["sources"]} == {
        (imported["a"], "reader-a.csv"),
        (imported["b"], "reader-b.csv"),
    }
    assert "listKey" not in body and "nameKey" not in body


@pytest.mark.parametrize("lead_id", ["0" * 32, "not-a-lead", "#meta#leadCount"])
def test_missing_lead_is_404(stack, imported, lead_id):
    status, body = call(stack, f"/leads/{lead_id}", resource="/leads/{leadId}", path_parameters={"leadId": lead_id})
    assert status == 404
    assert body["error"]["code"] == "NOT_FOUND"


def test_matching_gives_the_same_leads_as_the_ordered_listing_in_any_order(stack, imported, wiring):
    from easycrm.leads.queries import parse_lead_query

    repository = wiring.leads()
    for params in ({}, {"company": f"Acme {TAG}"}, {"uploadId": imported["b"]}, {"search": TAG}):
        query = parse_lead_query(params, paginated=False)
        ordered_ids = [lead["leadId"] for lead in repository.iterate(query)]
        matched_ids = [lead["leadId"] for lead in repository.matching(query)]
        assert sorted(matched_ids) == sorted(ordered_ids), params
        assert len(matched_ids) == len(set(matched_ids))


# summary ----------------------------------------------------------------------------------------


def summary(stack, **query) -> dict:
    params = {name: str(value) for name, value in query.items()} or None
    status, body = call(stack, "/leads/summary", params, resource="/leads/summary")
    assert status == 200, body
    return body


def test_summary_counts_every_lead_by_source_industry_and_company(stack, imported, wiring):
    stored = list(wiring.leads().scan_all())
    body = summary(stack, top=50)
    assert body["total"] == len(stored)
    for name, field in (("bySource", "source"), ("byIndustry", "industry"), ("byCompany", "company")):
        grouping = body[name]
        assert sum(group["count"] for group in grouping["groups"]) + grouping["other"] + grouping["blank"] == len(
            stored
        )
        assert grouping["blank"] == sum(1 for lead in stored if not lead.get(field))


def test_summary_groups_match_what_the_filters_show(stack, imported):
    """A group's count is the lead table's total for that filter value; spellings are merged."""
    groups = {group["value"]: group["count"] for group in summary(stack, top=50)["byCompany"]["groups"]}
    mine = {value: count for value, count in groups.items() if TAG in value}
    # "Acme"/"ACME" are one group (Anna, Émile, Bob), and so are "Globex"/"globex" (two Sams, Zoe)
    assert mine == {f"Acme {TAG}": 3, f"Globex {TAG}": 3, f"Hooli {TAG}": 14, f"Société {TAG}": 1, f"Stark {TAG}": 2}
    for value, count in mine.items():
        assert leads(stack, company=value, pageSize=1)["pagination"]["totalCount"] == count


def test_summary_top_limits_the_groups_and_counts_the_rest_as_other(stack, imported):
    full = summary(stack, top=50)["byIndustry"]
    top_one = summary(stack, top=1)["byIndustry"]
    assert top_one["groups"] == full["groups"][:1]
    assert top_one["other"] == full["other"] + sum(group["count"] for group in full["groups"][1:])
    assert summary(stack)["byIndustry"]["groups"] == full["groups"][:8]  # default top


@pytest.mark.parametrize("top", ["0", "51", "x"])
def test_summary_rejects_a_bad_top(stack, top):
    status, body = call(stack, "/leads/summary", {"top": top}, resource="/leads/summary")
    assert status == 400
    assert body["error"]["code"] == "INVALID_REQUEST"


def test_summary_needs_a_signed_in_caller(stack):
    status, body = call(stack, "/leads/summary", None, claims=None, resource="/leads/summary")
    assert status == 401
    assert body["error"]["code"] == "UNAUTHORIZED"


# bad requests -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ({"pageSize": "0"}, "pageSize"),
        ({"pageSize": "101"}, "pageSize"),
        ({"pageSize": "x"}, "pageSize"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"sortBy": "phone"}, "sortBy"),
        ({"sortOrder": "up"}, "sortOrder"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_parameters_are_400_with_a_clear_message(stack, query, mentions):
    status, body = call(stack, "/leads", query, resource="/leads")
    assert status == 400
    assert body["error"]["code"] == "INVALID_REQUEST"
    assert body["error"]["message"].startswith(mentions)


def test_signed_out_caller_is_401(stack):
    status, body = call(stack, "/leads", None, claims=None, resource="/leads")
    assert status == 401
    assert body["error"]["code"] == "UNAUTHORIZED"


# write sharding ---------------------------------------------------------------------------------


def test_sharded_list_partitions_are_merged_in_order(stack, wiring, monkeypatch):
    """With LIST_SHARDS > 1 a list is several index partitions; pages come out as one ordered list."""
    from easycrm.adapters.lead_repository import LeadRepository
    from easycrm.importing.dedup import SourceRef
    from easycrm.leads import queries as lead_queries

    monkeypatch.setattr(lead_queries, "LIST_SHARDS", 3)
    table = empty_leads_table(stack, "easycrm-shards")
    repository = LeadRepository(table)
    names = ["Ann", "bob", "Émile", "", "Zoë", "ann"]
    for n in range(30):
        lead = {"email": f"s{n}@example.com", "name": names[n % 6], "company": ["Acme", "", "Hooli"][n % 3]}
        repository.merge(f"email:s{n}@example.com", lead, SourceRef("u1", "f.csv", None, n + 2))
    for n in range(3):  # reachable by phone only: no email, so last in email order
        lead = {"phone": f"+1650253000{n}", "name": "Pat"}
        repository.merge(f"phone:+1650253000{n}", lead, SourceRef("u1", "f.csv", None, n + 40))
    everything, total = repository.find(lead_queries.LeadQuery(page_size=100))
    assert total == 33
    assert repository.recount() == repository.count() == 33  # the counter agrees with the index
    assert len({lead_queries.list_key(lead["leadId"]) for lead in everything}) == 3
    for sort_by in ("createdAt", "name", "company", "email"):
        for descending in (False, True):
            expected = ordered(everything, sort_by, descending)
            pages = []
            for page in range(1, 6):
                query = lead_queries.LeadQuery(sort_by=sort_by, descending=descending, page=page, page_size=7)
                found, count = repository.find(query)
                assert count == 33
                pages.extend(lead["leadId"] for lead in found)
            assert pages == expected, (sort_by, descending)
    searched, count = repository.find(
        lead_queries.LeadQuery(search="s1", sort_by="email", descending=False, page_size=100)
    )
    assert [lead["email"] for lead in searched] == sorted(f"s{n}@example.com" for n in [1, *range(10, 20)])
    assert count == 11
    by_email, _ = repository.find(lead_queries.LeadQuery(sort_by="email", descending=False, page=5, page_size=7))
    assert [lead.get("email") for lead in by_email[-3:]] == [None, None, None]


def test_whole_list_reads_are_kept_until_a_merge_moves_the_revision(stack):
    """A search's candidates and the summary fields are read once per revision of the lead list: another
    container's merge moves it, and the next read sees the new lead; a write that is no merge does not."""
    from easycrm.adapters.lead_repository import LeadRepository
    from easycrm.importing.dedup import SourceRef
    from easycrm.leads.queries import LeadQuery

    table = empty_leads_table(stack, "easycrm-revision")
    reader, writer = LeadRepository(table), LeadRepository(table)  # two warm containers

    def merge(n: int, name: str, company: str) -> None:
        lead = {"email": f"r{n}@example.com", "name": name, "company": company}
        writer.merge(f"email:r{n}@example.com", lead, SourceRef("u1", "f.csv", None, n + 2))

    merge(1, "Ann Zed", "Acme")
    assert reader.find(LeadQuery(search="zed"))[1] == 1
    assert [lead["company"] for lead in reader.field_values(("company",))] == ["Acme"]

    merge(2, "Bo Zed", "Hooli")
    found, total = reader.find(LeadQuery(search="zed", sort_by="name", descending=False))
    assert (total, [lead["name"] for lead in found]) == (2, ["Ann Zed", "Bo Zed"])
    assert sorted(lead["company"] for lead in reader.field_values(("company",))) == ["Acme", "Hooli"]

    # Written behind the repository's back (no merge, so no new revision): the kept reads stand.
    stack.client("dynamodb").put_item(
        TableName=table,
        Item={
            "leadId": {"S": "f" * 32},
            "listKey": {"S": "LEAD#0"},
            "createdAt": {"S": "2026-01-01"},
            "nameKey": {"S": "cy zed"},
            "companyKey": {"S": "x"},
            "emailKey": {"S": "x"},
            "company": {"S": "X"},
        },
    )
    assert reader.find(LeadQuery(search="zed"))[1] == 2
    assert len(reader.field_values(("company",))) == 2
    assert LeadRepository(table).find(LeadQuery(search="zed"))[1] == 3  # a fresh container reads it all


def test_a_merge_that_changes_an_indexed_value_moves_the_lead_in_every_index(stack):
    """The old index entry goes and the new one comes (the local engine writes them in one batch); a merge
    that changes nothing indexed leaves the entries as they were."""
    from easycrm.adapters.lead_repository import LeadRepository
    from easycrm.importing.dedup import SourceRef
    from easycrm.leads.queries import LeadQuery

    repository = LeadRepository(empty_leads_table(stack, "easycrm-moves"))

    def merge(row: int, **fields: str) -> None:
        lead = {"email": "mover@example.com", **fields}
        repository.merge("email:mover@example.com", lead, SourceRef("u1", "f.csv", None, row))

    def where(**filters: str) -> int:
        return repository.find(LeadQuery(**filters))[1]

    merge(2, name="Ann", company="Acme", industry="retail", source="webinar")
    merge(3, name="Ann", company="Hooli", industry="software")
    assert (where(company="acme"), where(company="hooli")) == (0, 1)
    assert (where(industry="retail"), where(industry="software"), where(source="webinar")) == (0, 1, 1)
    merge(4, name="Ann", title="CTO")  # nothing indexed changes
    assert (where(company="hooli"), where(industry="software"), where(source="webinar")) == (1, 1, 1)
    [lead], total = repository.find(LeadQuery(sort_by="name", descending=False))
    assert (total, lead["company"], lead["title"]) == (1, "Hooli", "CTO")

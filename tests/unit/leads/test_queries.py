"""Lead query parameters, read plans, sort values and CSV shaping (pure logic)."""

from __future__ import annotations

import pytest
from easycrm.leads.queries import (
    BLANK_SORT_VALUE,
    EXPORT_COLUMNS,
    MAX_KEY_BYTES,
    InvalidLeadQuery,
    LeadQuery,
    csv_row,
    fold,
    is_lead_id,
    key_value,
    order_key,
    parse_lead_query,
    plan_for,
    sort_value,
)

# parameters -------------------------------------------------------------------------------------


def test_defaults_are_first_page_of_25_newest_first():
    query = parse_lead_query(None)
    assert query == LeadQuery(sort_by="createdAt", descending=True, page=1, page_size=25)
    assert not query.filtered
    assert query.offset == 0


def test_every_parameter_is_read_and_filters_are_folded():
    query = parse_lead_query(
        {
            "page": "3",
            "pageSize": "10",
            "search": "  MÜLLER ",
            "company": "Société  Générale",
            "industry": "SaaS",
            "source": "Trade Show",
            "uploadId": "abc123",
            "sortBy": "company",
            "sortOrder": "DESC",
        }
    )
    assert query == LeadQuery(
        search="muller",
        company="societe generale",
        industry="saas",
        source="trade show",
        upload_id="abc123",
        sort_by="company",
        descending=True,
        page=3,
        page_size=10,
    )
    assert query.offset == 20
    assert query.sort_attribute == "companyKey"


@pytest.mark.parametrize(("sort_by", "descending"), [("createdAt", True), ("name", False), ("email", False)])
def test_default_order_depends_on_the_sort_field(sort_by, descending):
    assert parse_lead_query({"sortBy": sort_by.upper()}).descending is descending


def test_empty_values_count_as_absent():
    blank = {name: "" for name in ("page", "pageSize", "search", "company", "sortBy", "sortOrder", "uploadId")}
    assert parse_lead_query(blank) == LeadQuery()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"pageSize": "0"}, "pageSize must be a whole number from 1 to 100, not '0'."),
        ({"pageSize": "101"}, "pageSize must be a whole number from 1 to 100, not '101'."),
        ({"pageSize": "x"}, "pageSize must be a whole number from 1 to 100, not 'x'."),
        ({"page": "0"}, "page must be a whole number from 1 to 1,000,000, not '0'."),
        ({"page": "-2"}, "page must be a whole number from 1 to 1,000,000, not '-2'."),
        ({"page": "9" * 30}, "page must be a whole number from 1 to 1,000,000"),
        ({"sortBy": "phone"}, "sortBy must be one of createdAt, name, company, email, not 'phone'."),
        ({"sortOrder": "up"}, "sortOrder must be asc or desc, not 'up'."),
        ({"search": "x" * 201}, "search is too long (at most 200 characters)."),
        ({"company": "\u0301\u0301"}, "company has no letters or digits to match."),
    ],
)
def test_bad_values_are_explained(params, message):
    with pytest.raises(InvalidLeadQuery) as raised:
        parse_lead_query(params)
    assert str(raised.value).startswith(message)


def test_export_ignores_page_parameters():
    assert parse_lead_query({"page": "0", "pageSize": "x", "sortBy": "name"}, paginated=False).sort_by == "name"
    with pytest.raises(InvalidLeadQuery):
        parse_lead_query({"sortBy": "x"}, paginated=False)


@pytest.mark.parametrize(("total", "pages"), [(0, 0), (1, 1), (25, 1), (26, 2), (100, 4)])
def test_pagination_block(total, pages):
    assert LeadQuery(page=2).pagination(total) == {"page": 2, "pageSize": 25, "totalCount": total, "totalPages": pages}


# folding and sort values ------------------------------------------------------------------------


def test_fold_ignores_case_accents_and_spacing():
    assert fold("  Émile   ZOLA ") == "emile zola"
    assert fold("Straße") == "strasse"
    assert fold("") == fold(None) == ""


def test_blank_sort_value_sorts_after_any_text():
    values = sorted([sort_value(None), sort_value("zzz"), sort_value("😀 emoji"), sort_value("Ω"), sort_value("a")])
    assert values[-1] == BLANK_SORT_VALUE
    assert sort_value("") == BLANK_SORT_VALUE
    # UTF-8 byte order (DynamoDB) and code-point order (Python) agree
    texts = ["a", "Ω", "😀", "\uffff", BLANK_SORT_VALUE, "z"]
    assert sorted(texts) == sorted(texts, key=lambda text: text.encode("utf-8"))


def test_key_values_fit_a_dynamodb_sort_key():
    assert len(key_value("x" * 500)) == 200
    assert len(key_value("€" * 400).encode("utf-8")) <= MAX_KEY_BYTES
    assert len(key_value("ﷺ" * 100).encode("utf-8")) <= MAX_KEY_BYTES  # NFKD expands this one 18-fold


def test_order_key_breaks_ties_by_lead_id():
    entries = [{"leadId": "b", "nameKey": "ann"}, {"leadId": "a", "nameKey": "ann"}, {"leadId": "c"}]
    assert [entry["leadId"] for entry in sorted(entries, key=lambda e: order_key(e, "nameKey"))] == ["a", "b", "c"]


def test_lead_ids_are_32_hex_characters():
    assert is_lead_id("0123456789abcdef" * 2)
    assert not is_lead_id("#meta#leadCount")
    assert not is_lead_id("0123456789ABCDEF" * 2)


# plans ------------------------------------------------------------------------------------------


def plan(**params):
    return plan_for(parse_lead_query(params))


@pytest.mark.parametrize(
    ("sort_by", "index"),
    [("createdAt", "byCreatedAt"), ("name", "byName"), ("company", "byCompany"), ("email", "byEmail")],
)
def test_unfiltered_lists_stream_their_sort_index_and_use_the_counter(sort_by, index):
    chosen = plan(sortBy=sort_by)
    assert (chosen.index, chosen.ordered, chosen.counted) == (index, True, True)
    assert chosen.partitions == (("listKey", "LEAD#0"),)
    assert chosen.reads == "counter + index keys up to the page's end + the page's items"


def test_search_alone_filters_the_sort_index_in_order():
    chosen = plan(search="Ann", sortBy="email", sortOrder="desc")
    assert (chosen.index, chosen.ordered, chosen.counted, chosen.search) == ("byEmail", True, False, "ann")
    assert chosen.descending


def test_company_uses_the_company_index_sort_key():
    chosen = plan(company="ACME", industry="SaaS", search="x")
    assert chosen.index == "byCompany"
    assert chosen.sort_key_equals == ("companyKey", "acme")
    assert chosen.filters == {"industryKey": "saas"}
    assert not chosen.ordered  # newest first: sorted in memory
    assert plan(company="ACME", sortBy="company").ordered


def test_industry_and_source_use_their_own_partitions_in_created_order():
    chosen = plan(industry="SaaS", source="Webinar")
    assert chosen.index == "byIndustry"
    assert chosen.partitions == (("industryKey", "saas"),)
    assert chosen.filters == {"sourceKey": "webinar"}
    assert chosen.ordered
    assert plan(source="Webinar").index == "bySource"
    assert not plan(source="Webinar", sortBy="name").ordered


def test_upload_filter_scans_unless_an_equality_filter_narrows_it_first():
    alone = plan(uploadId="u1", search="x")
    assert (alone.index, alone.upload_id, alone.check_upload, alone.ordered) == (None, "u1", False, False)
    assert alone.reads == "scan of the whole table"
    narrowed = plan(uploadId="u1", industry="SaaS")
    assert (narrowed.index, narrowed.check_upload, narrowed.ordered) == ("byIndustry", True, False)


# CSV --------------------------------------------------------------------------------------------


def test_csv_row_has_fields_then_provenance():
    lead = {
        "leadId": "a" * 32,
        "name": "@SUM(1)",
        "email": "x@example.com",
        "phone": "+14155550100",
        "company": "Société",
        "sourceRow": 7,
        "sources": [
            {"uploadId": "u1", "fileName": "a.xlsx", "worksheet": "Trade Show", "row": 7},
            {"uploadId": "u2", "fileName": "b.csv", "worksheet": None, "row": 3},
        ],
        "notes": "n" * 40_000,
    }
    row = dict(zip(EXPORT_COLUMNS, csv_row(lead), strict=True))
    assert EXPORT_COLUMNS[:2] == ("leadId", "name")
    assert EXPORT_COLUMNS[-7:] == (
        "uploadId",
        "sourceFile",
        "_worksheet",
        "sourceRow",
        "createdAt",
        "updatedAt",
        "sources",
    )
    assert row["name"] == "@SUM(1)"  # neutralized by the CSV encoder (test_safe_csv)
    assert row["phone"] == "+14155550100"
    assert row["company"] == "Société"
    assert row["sourceRow"] == "7"
    assert row["title"] == ""
    assert row["sources"] == "a.xlsx [Trade Show] row 7; b.csv row 3"
    assert len(row["notes"]) == 32_000 and row["notes"].endswith("…")

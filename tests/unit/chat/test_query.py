"""The chatbot's query language: what it accepts, what it refuses (and says why), and what its dates mean."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from easycrm.chat.query import ChatQuery, ChatQueryError, DateRange, parse_query
from easycrm.chat.translate import _EXAMPLES
from easycrm.errors import InvalidInput

WEDNESDAY = datetime(2026, 1, 7, 15, 30, tzinfo=UTC)


def test_a_count_gets_its_defaults_in_canonical_json():
    query = parse_query({"action": "count"})

    assert query.to_json() == {
        "action": "count",
        "filters": [],
        "sort": {"by": "createdAt", "order": "desc"},
        "limit": 20,
    }


def test_a_group_by_defaults_to_the_top_ten():
    query = parse_query({"action": "group_by", "group_by": "industry"})

    assert query.to_json()["top"] == 10
    assert query.to_json()["group_by"] == "industry"


def test_every_part_round_trips_through_json():
    document = {
        "action": "list",
        "filters": [
            {"field": "company", "op": "equals", "value": "Acme"},
            {"field": "title", "op": "contains", "value": "manager"},
            {"field": "email", "op": "is_empty"},
            {"field": "worksheet", "op": "is_not_empty"},
        ],
        "created": {"from": "2026-01-01", "to": "2026-01-31"},
        "sort": {"by": "name", "order": "desc"},
        "limit": 5,
    }

    query = parse_query(document)

    assert query.to_json() == document
    assert parse_query(query.to_json()) == query


def test_values_are_trimmed():
    query = parse_query({"action": "list", "filters": [{"field": "company", "op": "equals", "value": "  Acme  "}]})

    assert query.filters[0].value == "Acme"


@pytest.mark.parametrize(
    ("by", "order"), [("createdAt", "desc"), ("name", "asc"), ("company", "asc"), ("email", "asc")]
)
def test_sort_order_defaults_like_the_lead_table(by, order):
    assert parse_query({"action": "list", "sort": {"by": by}}).sort.order == order


@pytest.mark.parametrize(
    ("document", "mentions"),
    [
        ({"action": "delete"}, "action: Input should be 'count', 'list' or 'group_by'"),
        ({"action": "update", "set": {"phone": "+1"}}, "action"),
        ({"action": "count", "sql": "DROP TABLE leads"}, "sql: Extra inputs are not permitted"),
        ({"filters": []}, "action: Field required"),
        ({"action": "list", "filters": [{"field": "password", "op": "equals", "value": "x"}]}, "filters.0.field"),
        ({"action": "list", "filters": [{"field": "phone", "op": "regex", "value": ".*"}]}, "filters.0.op"),
        ({"action": "list", "filters": [{"field": "phone", "op": "equals"}]}, "equals needs a value"),
        ({"action": "list", "filters": [{"field": "phone", "op": "is_empty", "value": "x"}]}, "takes no value"),
        ({"action": "list", "filters": [{"field": "company", "op": "contains", "value": "--"}]}, "letters or digits"),
        ({"action": "list", "filters": [{"field": "company", "op": "equals", "value": "x" * 201}]}, "at most 200"),
        ({"action": "list", "filters": [{"field": "company", "op": "equals", "value": 5}]}, "valid string"),
        ({"action": "list", "filters": [{"field": "phone", "op": "is_empty"}] * 11}, "at most 10 items"),
        ({"action": "list", "limit": 21}, "limit: Input should be less than or equal to 20"),
        ({"action": "list", "limit": -1}, "limit"),
        ({"action": "list", "limit": "5"}, "limit: Input should be a valid integer"),
        ({"action": "list", "limit": True}, "limit: Input should be a valid integer"),
        ({"action": "group_by", "group_by": "company", "top": 51}, "top: Input should be less than or equal to 50"),
        ({"action": "group_by"}, 'needs "group_by"'),
        ({"action": "group_by", "group_by": "email"}, "group_by"),
        ({"action": "count", "top": 3}, "go with the action group_by"),
        ({"action": "list", "group_by": "company"}, "go with the action group_by"),
        ({"action": "list", "sort": {"by": "phone"}}, "sort.by"),
        ({"action": "list", "sort": {"by": "name", "order": "up"}}, "sort.order"),
        ({"action": "count", "created": {}}, 'needs a "preset"'),
        ({"action": "count", "created": {"preset": "forever"}}, "created.preset"),
        ({"action": "count", "created": {"preset": "today", "from": "2026-01-01"}}, "not both"),
        ({"action": "count", "created": {"preset": "last_n_days"}}, '"days" goes with'),
        ({"action": "count", "created": {"preset": "today", "days": 3}}, '"days" goes with'),
        ({"action": "count", "created": {"preset": "last_n_days", "days": 0}}, "created.days"),
        ({"action": "count", "created": {"preset": "last_n_days", "days": 3661}}, "created.days"),
        ({"action": "count", "created": {"from": "2026-02-30"}}, "created.from: must be a date written YYYY-MM-DD"),
        ({"action": "count", "created": {"to": "2026-01-01T00:00:00Z"}}, "created.to: must be a date"),
        ({"action": "count", "created": {"from": "20260101"}}, "created.from: must be a date"),
        ({"action": "count", "created": {"from": "2026-02-01", "to": "2026-01-01"}}, '"from" must not be after "to"'),
    ],
)
def test_anything_outside_the_language_is_refused_with_what_is_wrong(document, mentions):
    with pytest.raises(ChatQueryError) as error:
        parse_query(document)

    assert mentions in str(error.value)
    assert str(error.value).startswith("Not a valid query: ")


@pytest.mark.parametrize("document", [[], "DELETE FROM leads", None, 42])
def test_a_query_must_be_a_json_object(document):
    with pytest.raises(ChatQueryError, match="must be a JSON object"):
        parse_query(document)


def test_query_errors_are_invalid_input():
    assert issubclass(ChatQueryError, InvalidInput)


# dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "now", "first", "last"),
    [
        ({"preset": "today"}, WEDNESDAY, date(2026, 1, 7), date(2026, 1, 7)),
        ({"preset": "yesterday"}, WEDNESDAY, date(2026, 1, 6), date(2026, 1, 6)),
        ({"preset": "this_week"}, WEDNESDAY, date(2026, 1, 5), date(2026, 1, 11)),
        ({"preset": "last_week"}, WEDNESDAY, date(2025, 12, 29), date(2026, 1, 4)),
        ({"preset": "this_month"}, WEDNESDAY, date(2026, 1, 1), date(2026, 1, 31)),
        ({"preset": "last_month"}, WEDNESDAY, date(2025, 12, 1), date(2025, 12, 31)),
        ({"preset": "last_month"}, datetime(2024, 3, 1, tzinfo=UTC), date(2024, 2, 1), date(2024, 2, 29)),
        ({"preset": "this_month"}, datetime(2025, 12, 31, 23, 59, tzinfo=UTC), date(2025, 12, 1), date(2025, 12, 31)),
        ({"preset": "this_week"}, datetime(2026, 1, 5, 0, 0, tzinfo=UTC), date(2026, 1, 5), date(2026, 1, 11)),
        ({"preset": "this_week"}, datetime(2026, 1, 11, 23, 59, tzinfo=UTC), date(2026, 1, 5), date(2026, 1, 11)),
        ({"preset": "last_n_days", "days": 1}, WEDNESDAY, date(2026, 1, 7), date(2026, 1, 7)),
        ({"preset": "last_n_days", "days": 30}, WEDNESDAY, date(2025, 12, 9), date(2026, 1, 7)),
        ({"from": "2026-01-01"}, WEDNESDAY, date(2026, 1, 1), None),
        ({"to": "2026-01-01"}, WEDNESDAY, None, date(2026, 1, 1)),
        ({"from": "2026-01-01", "to": "2026-01-01"}, WEDNESDAY, date(2026, 1, 1), date(2026, 1, 1)),
    ],
)
def test_date_ranges_are_calendar_days_in_utc(created, now, first, last):
    assert DateRange.model_validate(created).days_covered(now) == (first, last)


def test_now_in_another_time_zone_is_read_in_utc():
    tokyo_morning = datetime(2026, 1, 8, 6, 0, tzinfo=timezone(timedelta(hours=9)))  # 2026-01-07 21:00 UTC

    assert DateRange(preset="today").days_covered(tokyo_morning) == (date(2026, 1, 7), date(2026, 1, 7))


def test_a_window_includes_its_first_day_and_excludes_the_day_after_its_last():
    start, end = DateRange.model_validate({"from": "2026-01-01", "to": "2026-01-31"}).window(WEDNESDAY)

    assert start == datetime(2026, 1, 1, tzinfo=UTC)
    assert end == datetime(2026, 2, 1, tzinfo=UTC)
    assert DateRange.model_validate({"from": "2026-01-01"}).window(WEDNESDAY) == (start, None)


# words -------------------------------------------------------------------------------------------


def test_describe_restates_filters_and_dates_with_the_days_they_cover():
    query = parse_query(
        {
            "action": "count",
            "filters": [
                {"field": "industry", "op": "equals", "value": "Healthcare"},
                {"field": "title", "op": "contains", "value": "manager"},
                {"field": "phone", "op": "is_not_empty"},
                {"field": "email", "op": "is_empty"},
                {"field": "worksheet", "op": "equals", "value": "Webinar"},
            ],
            "created": {"preset": "this_week"},
        }
    )

    assert query.describe(WEDNESDAY) == (
        'industry is "Healthcare"; title contains "manager"; with a phone; without an email; '
        'worksheet is "Webinar"; created this week (from 2026-01-05 to 2026-01-11)'
    )


@pytest.mark.parametrize(
    ("created", "words"),
    [
        ({"preset": "today"}, "created today (on 2026-01-07)"),
        ({"preset": "last_n_days", "days": 30}, "created in the last 30 days (from 2025-12-09 to 2026-01-07)"),
        ({"from": "2026-01-01"}, "created since 2026-01-01"),
        ({"to": "2025-12-31"}, "created until 2025-12-31"),
        ({"from": "2026-01-01", "to": "2026-01-15"}, "created from 2026-01-01 to 2026-01-15"),
    ],
)
def test_describe_dates(created, words):
    assert DateRange.model_validate(created).describe(WEDNESDAY) == words


def test_a_query_without_conditions_is_all_leads():
    assert ChatQuery(action="count").describe(WEDNESDAY) == "all leads"


def test_every_example_in_the_deepseek_prompt_is_a_valid_query_or_a_refusal():
    for _, answer in _EXAMPLES:
        if "query" in answer:
            parse_query(answer["query"])
        else:
            assert set(answer) == {"cannot_answer"}

"""ChatService offline (no DeepSeek): answers, their wording, input checks, history, and the number check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from easycrm.chat.parser import SUGGESTIONS
from easycrm.chat.service import MAX_MESSAGE_CHARS, ChatService
from easycrm.chat.translate import date_spellings, grounded, stated_numbers
from easycrm.errors import InvalidInput

from tests.unit.chat.test_executor import LEADS, NOW, OWN_UPLOADS, InMemoryLeads


@pytest.fixture
def store() -> InMemoryLeads:
    return InMemoryLeads(LEADS)


@pytest.fixture
def service(store) -> ChatService:
    return ChatService(store, None, lambda: NOW)


def ask(service: ChatService, message: str, history=None) -> dict:
    return service.answer(
        message, history, owned_uploads=[{"uploadId": u, "fileName": f} for u, f in OWN_UPLOADS.items()]
    )


def test_how_many_leads_from_healthcare_came_in_this_week(service):
    reply = ask(service, "How many leads from healthcare came in this week?")

    assert reply["understood"] is True
    assert reply["count"] == 2
    assert reply["answer"] == (
        '2 leads match: industry is "Healthcare"; created this week (from 2026-01-05 to 2026-01-11).'
    )
    assert reply["interpretation"] == 'industry is "Healthcare"; created this week (from 2026-01-05 to 2026-01-11)'
    assert [lead["leadId"] for lead in reply["leads"]] == ["a01", "b02"]
    assert reply["query"]["action"] == "count"
    assert reply["interpreter"] == "offline"
    assert "note" not in reply
    assert "suggestions" not in reply


def test_which_companies_have_the_most_leads(service):
    reply = ask(service, "Which companies have the most leads?")

    assert reply["answer"] == "There are 5 leads. Top companies: ACME (2), Globex (2), Société Générale (1)."
    assert reply["groups"] == {
        "field": "company",
        "values": [
            {"value": "ACME", "count": 2},
            {"value": "Globex", "count": 2},
            {"value": "Société Générale", "count": 1},
        ],
        "other": 0,
        "blank": 0,
    }


def test_show_leads_from_acme_with_a_phone_number(service):
    reply = ask(service, "Show leads from Acme with a phone number")

    assert reply["answer"] == '1 lead matches: with a phone; company is "Acme".'
    assert [lead["leadId"] for lead in reply["leads"]] == ["a01"]


def test_who_came_from_the_webinar_sheet(service):
    reply = ask(service, "Who came from the Webinar sheet?")

    assert reply["count"] == 2
    assert reply["answer"] == '2 leads match: worksheet is "Webinar". Showing all 2, newest first.'


def test_a_list_longer_than_its_limit_says_how_many_it_shows(service):
    reply = ask(service, "show the 2 oldest leads")

    assert reply["answer"] == "There are 5 leads. Showing the first 2, oldest first."
    assert [lead["leadId"] for lead in reply["leads"]] == ["d04", "c03"]


def test_a_grouping_says_what_is_outside_the_shown_groups(service):
    reply = ask(service, "top 1 sources")

    assert reply["answer"] == (
        "There are 5 leads. Top sources: Webinar (2). 1 more in other sources. 2 without a source."
    )


def test_no_match_is_said_plainly(service):
    reply = ask(service, "leads from Initech")

    assert reply["count"] == 0
    assert reply["leads"] == []
    assert reply["answer"] == 'No leads match: company is "Initech".'


def test_a_file_that_is_not_the_callers_says_so_without_revealing_anything(service, store):
    reply = ask(service, "leads from the partners.xlsx file")

    assert reply["count"] == 0
    assert reply["answer"] == (
        'No leads match: file is "partners.xlsx". '
        "Only your own uploads can be searched by upload or file, and none of yours matches."
    )
    assert store.queries == []


def test_answers_never_carry_other_users_uploads(service):
    reply = ask(service, "leads sorted by name")

    assert "up-teammate" not in repr(reply)
    assert all(source["uploadId"] in OWN_UPLOADS for lead in reply["leads"] for source in lead["sources"])


def test_without_owned_uploads_no_upload_is_visible(store):
    service = ChatService(store, None, lambda: NOW)

    by_file = service.answer("leads from the trade-show.xlsx file")
    everything = service.answer("leads")

    assert by_file["understood"] is True
    assert by_file["count"] == 0
    assert everything["count"] == 5
    assert all(lead["sources"] == [] and lead["uploadIds"] == [] for lead in everything["leads"])


def test_a_question_it_does_not_understand_gets_suggestions_and_reads_nothing(service, store):
    reply = ask(service, "delete all leads from Acme")

    assert reply == {
        "understood": False,
        "answer": "I didn't understand that question. I can count, list and group leads by their fields, "
        "creation dates, worksheets and files; I never change or delete anything. Try one of these:",
        "query": None,
        "count": 0,
        "leads": [],
        "suggestions": list(SUGGESTIONS),
        "interpreter": "offline",
    }
    assert store.queries == []


# input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("message", ["", "   ", None, 42, ["how many leads"]])
def test_a_message_must_be_a_question(service, message):
    with pytest.raises(InvalidInput, match="Ask a question"):
        service.answer(message)


def test_questions_are_length_limited(service):
    assert service.answer("how many leads are there" + " " * 400 + "?")["count"] == 5
    assert service.answer("x" * MAX_MESSAGE_CHARS)["understood"] is False

    with pytest.raises(InvalidInput, match=r"limited to 500 characters; this one has 501"):
        service.answer("x" * (MAX_MESSAGE_CHARS + 1))


# history -----------------------------------------------------------------------------------------


def test_a_follow_up_builds_on_the_last_understood_turn(service):
    first = ask(service, "Show leads from Acme")
    history = [
        {"question": "Show leads from Acme", "query": first["query"], "answer": first["answer"]},
        {"question": "blah", "query": None},
    ]

    reply = ask(service, "and how many of them have phones?", history)

    assert reply["count"] == 1
    assert reply["answer"] == '1 lead matches: company is "Acme"; with a phone.'


def test_only_the_last_turns_are_read(service):
    stale = [{"question": "x", "query": {"action": "delete"}}] * 3  # never read, so never refused
    recent = [{"question": "leads from Globex", "query": {"action": "list", "filters": []}}] * 5

    assert service.answer("how many leads", stale + recent)["count"] == 5


@pytest.mark.parametrize(
    ("history", "mentions"),
    [
        ("previous question", "history must be a list"),
        ([42], r"history\[0\] must be an object"),
        ([{"query": None}], r"history\[0\]\.question"),
        ([{"question": "x" * 501}], r"history\[0\]\.question"),
        ([{"question": "ok"}, {"question": "q", "query": {"action": "delete"}}], r"history\[1\]\.query: Not a valid"),
        ([{"question": "q", "query": "DROP TABLE leads"}], r"history\[0\]\.query: A query must be a JSON object"),
    ],
)
def test_history_is_validated(service, history, mentions):
    with pytest.raises(InvalidInput, match=mentions):
        service.answer("how many leads", history)


# the number check ---------------------------------------------------------------------------------


def numbers(*values) -> set[Decimal]:
    return {Decimal(value) for value in values}


@pytest.mark.parametrize(
    ("text", "literals", "expected"),
    [
        ("12 leads match", [], numbers(12)),
        ("1,234 leads, 3.5 per day", [], numbers(1234, "3.5")),
        ("Acme (5), Globex (3)", [], numbers(5, 3)),
        ("twelve leads, twenty-one of them with phones", [], numbers(12, 21)),
        ("none of them", [], numbers(0)),
        ("3M has 4 leads", ["3M"], numbers(4)),
        ("created on January 5, 2026", date_spellings([date(2026, 1, 5)]), set()),
        ("hundreds of leads", [], None),
    ],
)
def test_stated_numbers(text, literals, expected):
    assert stated_numbers(text, literals) == expected


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("There are 12 healthcare leads this week.", True),
        ("Twelve healthcare leads came in this week.", True),
        ("There are 13 healthcare leads this week.", False),  # invented count
        ("12 leads match, 4 of them with phones.", False),  # a number the query did not produce
        ("Lots of healthcare leads came in.", False),  # the count is missing
        ("About a dozen healthcare leads.", False),  # a number that cannot be checked
    ],
)
def test_grounded_requires_known_numbers_and_the_count(text, ok):
    assert grounded(text, allowed=numbers(12, 20), required=Decimal(12), literals=[]) is ok


def test_clock_is_the_one_given():
    tuesday = datetime(2026, 1, 6, 12, tzinfo=UTC)
    reply = ChatService(InMemoryLeads(LEADS), None, lambda: tuesday).answer("leads created today")

    assert [lead["leadId"] for lead in reply["leads"]] == ["e05"]

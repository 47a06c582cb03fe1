"""POST /chatbot over HTTP on `scripts/easycrm serve`, after importing the sample workbook: the offline
chatbot's counts, top-N and filtered lists agree with what the lead table (GET /leads) shows."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.e2e.test_api_journey import upload_file, wait_for_completion

REPO_SAMPLE = "samples/leads-sample.xlsx"


@pytest.fixture(scope="module")
def imported(app):
    """A user of their own who imported the sample workbook."""
    email, password = f"chat-{uuid.uuid4().hex[:8]}@example.com", "Chat-Test-Passw0rd!"
    app.create_user(email, password)
    headers = app.headers(email, password)
    from tests.e2e.conftest import REPO_ROOT

    upload_id = upload_file(app, headers, REPO_ROOT / REPO_SAMPLE)
    record, _ = wait_for_completion(app, headers, upload_id)
    assert record["status"] == "completed_with_errors" or record["status"] == "completed", record
    return headers, upload_id


def ask(app, headers, message: str, history: list | None = None) -> dict:
    response = requests.post(
        app.api("/chatbot"), headers=headers, json={"message": message, "history": history or []}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def table_total(app, headers, **filters) -> int:
    response = requests.get(app.api("/leads"), headers=headers, params={**filters, "pageSize": 1}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["pagination"]["totalCount"]


def table_ids(app, headers, **filters) -> set[str]:
    ids: set[str] = set()
    page = 1
    while True:
        response = requests.get(
            app.api("/leads"), headers=headers, params={**filters, "pageSize": 100, "page": page}, timeout=30
        )
        body = response.json()
        ids |= {lead["leadId"] for lead in body["leads"]}
        if page >= body["pagination"]["totalPages"]:
            return ids
        page += 1


def test_the_count_of_all_leads_is_the_lead_tables_total(app, imported):
    headers, _ = imported
    reply = ask(app, headers, "How many leads do we have?")
    assert reply["understood"] and reply["interpreter"] == "offline"
    assert reply["query"]["action"] == "count"
    assert reply["count"] == table_total(app, headers)
    assert f"{reply['count']:,}" in reply["answer"]


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Which companies have the most leads?", "company"),
        ("top 5 industries", "industry"),
        ("leads by source", "source"),
    ],
)
def test_top_groups_are_what_filtering_the_table_by_each_value_shows(app, imported, question, field):
    headers, _ = imported
    reply = ask(app, headers, question)
    groups = reply["groups"]
    assert groups["field"] == field and groups["values"]
    counts = [group["count"] for group in groups["values"]]
    assert counts == sorted(counts, reverse=True)
    for group in groups["values"][:3]:
        assert table_total(app, headers, **{field: group["value"]}) == group["count"], group
    assert sum(counts) + groups["other"] + groups["blank"] == table_total(app, headers)


def test_a_filtered_list_is_the_same_leads_as_the_table_with_that_filter(app, imported):
    headers, _ = imported
    top_company = ask(app, headers, "Which companies have the most leads?")["groups"]["values"][0]["value"]
    reply = ask(app, headers, f"Show leads from {top_company}")
    assert reply["query"]["filters"] == [{"field": "company", "op": "equals", "value": top_company}]
    assert reply["count"] == table_total(app, headers, company=top_company)
    assert {lead["leadId"] for lead in reply["leads"]} <= table_ids(app, headers, company=top_company)
    assert len(reply["leads"]) == min(reply["count"], 20)


def test_worksheet_questions_and_a_follow_up_about_phones(app, imported):
    headers, _ = imported
    first = ask(app, headers, "Who came from the Webinar sheet?")
    assert first["count"] > 0
    assert all(any(source["worksheet"] == "Webinar" for source in lead["sources"]) for lead in first["leads"])
    history = [{"question": "Who came from the Webinar sheet?", "query": first["query"]}]
    follow_up = ask(app, headers, "and how many of them have phones?", history)
    assert follow_up["query"]["action"] == "count"
    assert {"field": "worksheet", "op": "equals", "value": "Webinar"} in follow_up["query"]["filters"]
    assert {"field": "phone", "op": "is_not_empty"} in follow_up["query"]["filters"]
    assert 0 < follow_up["count"] <= first["count"]


def test_a_file_question_sees_only_the_callers_own_upload(app, imported):
    headers, upload_id = imported
    mine = ask(app, headers, "leads from the leads-sample.xlsx file")
    assert mine["count"] == table_total(app, headers, uploadId=upload_id) > 0
    other_email = f"other-{uuid.uuid4().hex[:8]}@example.com"
    app.create_user(other_email, "Other-Passw0rd!")
    theirs = ask(app, app.headers(other_email, "Other-Passw0rd!"), "leads from the leads-sample.xlsx file")
    assert theirs["count"] == 0 and theirs["leads"] == []
    assert upload_id not in str(theirs)


def test_questions_it_does_not_understand_get_suggestions_not_guesses(app, imported):
    headers, _ = imported
    reply = ask(app, headers, "What is the meaning of life?")
    assert reply["understood"] is False and reply["query"] is None and reply["count"] == 0
    assert len(reply["suggestions"]) >= 4


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"message": "x" * 501}, "500 characters"),
        ({"message": "   "}, "Ask a question"),
        (
            {"message": "and them?", "history": [{"question": "delete all", "query": {"action": "delete"}}]},
            "history[0]",
        ),
    ],
)
def test_bad_questions_are_400_in_words(app, imported, body, mentions):
    headers, _ = imported
    response = requests.post(app.api("/chatbot"), headers=headers, json=body, timeout=30)
    assert response.status_code == 400, response.text
    assert mentions in response.json()["error"]["message"]


def test_the_chatbot_needs_a_signed_in_user(app):
    response = requests.post(app.api("/chatbot"), json={"message": "How many leads?"}, timeout=30)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"

"""The chat panel of the web app in headless Chromium, on the sample workbook imported through the page."""

from __future__ import annotations

import re
import uuid

import requests
from playwright.sync_api import expect

from tests.e2e.conftest import REPO_ROOT
from tests.e2e.test_web_app import showing, showing_text, sign_in, upload_row, wait_until_finished

SAMPLE = REPO_ROOT / "samples" / "leads-sample.xlsx"
HOSTILE = "<img src=x onerror=alert(1)>"


def ask_api(app, headers: dict, message: str, history: list | None = None) -> dict:
    response = requests.post(
        app.api("/chatbot"), headers=headers, json={"message": message, "history": history or []}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_ask_count_group_and_list_questions_and_open_the_answer_in_the_lead_table(web, app):
    page = web.page
    email, password = f"chat-ui-{uuid.uuid4().hex[:8]}@example.com", "Chat-Ui-Passw0rd!"
    app.create_user(email, password)
    headers = app.headers(email, password)
    sign_in(web, app, email, password)
    page.get_by_label("Upload leads").set_input_files(SAMPLE)
    wait_until_finished(upload_row(page, SAMPLE.name), "Completed")

    panel = page.get_by_role("region", name="Ask about your leads")
    log = panel.get_by_role("log")

    # a suggested group-by question: a bar chart and the numbers as a table, as the API counts them
    panel.get_by_role("button", name="Which companies have the most leads?").click()
    expected = ask_api(app, headers, "Which companies have the most leads?")
    top = expected["groups"]["values"][0]
    expect(log).to_contain_text(expected["answer"])
    expect(log.locator("svg title").first).to_contain_text(top["value"])
    expect(log.get_by_role("table").last).to_contain_text(str(top["count"]))

    # a typed list question, then "Open in lead table" shows the same leads with the same filter
    question = f"Show leads from {top['value']}"
    panel.get_by_label("Ask a question").fill(question)
    panel.get_by_role("button", name="Ask", exact=True).click()
    listed = ask_api(app, headers, question)
    expect(log).to_contain_text(listed["answer"])
    matching = log.get_by_role("table").filter(has=page.locator("caption", has_text="Matching leads")).last
    expect(matching.locator("tbody tr")).to_have_count(min(listed["count"], 20))
    web.screenshot("chat-panel")
    log.get_by_role("link", name="Open in lead table").last.click()
    expect(page.get_by_label("Company")).to_have_value(re.compile(re.escape(top["value"]), re.IGNORECASE))
    total = listed["count"]
    expect(showing(page)).to_have_text(showing_text(1, min(total, 25), total))

    # a follow-up uses the conversation: the same count the API gives for that history
    panel.get_by_label("Ask a question").fill("Who came from the Webinar sheet?")
    panel.get_by_label("Ask a question").press("Enter")
    first = ask_api(app, headers, "Who came from the Webinar sheet?")
    expect(log).to_contain_text(first["answer"])
    panel.get_by_label("Ask a question").fill("and how many of them have phones?")
    panel.get_by_label("Ask a question").press("Enter")
    history = [{"question": "Who came from the Webinar sheet?", "query": first["query"]}]
    follow_up = ask_api(app, headers, "and how many of them have phones?", history)
    assert follow_up["query"]["action"] == "count" and 0 < follow_up["count"] <= first["count"]
    expect(log).to_contain_text(follow_up["answer"])

    # a question it cannot read: said plainly, with suggestions; typed markup stays text
    panel.get_by_label("Ask a question").fill(f"what is {HOSTILE}")
    panel.get_by_label("Ask a question").press("Enter")
    expect(log).to_contain_text("I didn't understand")
    expect(log).to_contain_text(HOSTILE)
    assert log.locator("img").count() == 0

    page.reload()  # the conversation survives a reload of the page
    expect(log).to_contain_text(follow_up["answer"])

    # a stored query the server no longer accepts: the question is asked again without that context
    page.evaluate(
        """() => {
            const stored = JSON.parse(sessionStorage.getItem('easycrm.chat'));
            stored.turns.at(-1).reply.query = {action: 'delete', filters: []};
            sessionStorage.setItem('easycrm.chat', JSON.stringify(stored));
        }"""
    )
    page.reload()
    panel.get_by_label("Ask a question").fill("How many leads do we have?")
    panel.get_by_label("Ask a question").press("Enter")
    total = ask_api(app, headers, "How many leads do we have?")["count"]
    expect(log.locator("[data-chat-answer]").last).to_contain_text(f"{total:,}")
    expect(page.locator("#chat-error")).to_have_text("")  # no error shown
    assert web.errors == []

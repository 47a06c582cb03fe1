"""The team's import history and undoing an import, in the web app (headless Chromium against
`scripts/easycrm serve`): two overlapping imports undone newest first, each after a confirmation that
names its counts, the lead table back to exactly what it was before each; another user's import offers
no undo to a user who is not an administrator, but does to an administrator; an undo the server refuses
is said in words on its row."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, DEMO_USER, PHONE
from tests.e2e.test_api_journey import upload_file, wait_for_completion
from tests.e2e.test_web_app import (
    HEADERS,
    count_in,
    showing,
    showing_text,
    sign_in,
    upload_row,
    wait_until_finished,
)
from tests.support.workbooks import write_csv

UNDO_SECONDS = 120
PASSWORD = "History-Test-Passw0rd!"
# What a file sets on a lead, and so what an undo must give back.
LEAD_VALUES = ("name", "email", "phone", "company", "title", "industry", "source")


@pytest.fixture
def user(app):
    email = f"history-{uuid.uuid4().hex[:8]}@example.com"
    app.create_user(email, PASSWORD)
    return email, PASSWORD


@pytest.fixture
def teammate(app):
    """Another user who is not an administrator either."""
    email = f"history-mate-{uuid.uuid4().hex[:8]}@example.com"
    app.create_user(email, PASSWORD)
    return email, PASSWORD


def person(first: str, tag: str, company: str, title: str) -> list[str]:
    return [f"{first} History", f"{first.lower()}.{tag}@example.com", "", f"{company} {tag}", "Software", "Expo", title]


def open_history(page):
    page.get_by_role("button", name="Import history").click()
    dialog = page.get_by_role("dialog", name="Import history")
    expect(dialog).to_be_visible()
    return dialog


def history_row(dialog, file_name: str):
    return dialog.get_by_role("list", name="Imports").get_by_role("listitem").filter(has_text=file_name)


def close_history(page, dialog) -> None:
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def leads_of(app, credentials, tag: str) -> dict[str, dict]:
    """The values of the leads carrying the tag, by email (GET /leads)."""
    answer = requests.get(app.api("/leads"), params={"search": tag}, headers=app.headers(*credentials), timeout=10)
    assert answer.status_code == 200, answer.text
    return {lead["email"]: {key: lead.get(key) for key in LEAD_VALUES} for lead in answer.json()["leads"]}


def confirm_undo(page, row, *sentences: str) -> None:
    """Undo from the row, after reading the confirmation's sentences, and wait for the server's answer (the
    row's button says "Undoing…" until then, and goes with it)."""
    row.get_by_role("button", name="Undo import").click()
    confirmation = page.get_by_role("alertdialog", name="Undo this import?")
    expect(confirmation).to_be_visible()
    for sentence in sentences:
        expect(confirmation).to_contain_text(sentence)
    confirmation.get_by_role("button", name="Undo import").click()
    expect(confirmation).to_be_hidden()
    expect(row.get_by_role("button")).to_have_count(0)


def test_undo_two_overlapping_imports_newest_first(web, app, user, teammate, tmp_path):
    page = web.page
    tag = uuid.uuid4().hex[:8]
    email = user[0]

    # the teammate's own import, of other leads (its own tag)
    mate_tag = uuid.uuid4().hex[:8]
    mate_file = write_csv(tmp_path / f"mate-{mate_tag}.csv", [HEADERS, person("Carl", mate_tag, "Gamma", "Owner")])
    mate_headers = app.headers(*teammate)
    mate_record, _ = wait_for_completion(app, mate_headers, upload_file(app, mate_headers, mate_file))
    assert mate_record["status"] == "completed", mate_record

    # A: three new leads; B: one of them again with another company and title, and one new lead
    file_a = write_csv(
        tmp_path / f"history-a-{tag}.csv",
        [HEADERS, *(person(first, tag, "Alpha", "Buyer") for first in ("Ann", "Ben", "Cleo"))],
    )
    file_b = write_csv(
        tmp_path / f"history-b-{tag}.csv",
        [HEADERS, person("Ben", tag, "Beta", "Director"), person("Dora", tag, "Beta", "Analyst")],
    )
    sign_in(web, app, *user)
    page.get_by_label("Upload leads").set_input_files(file_a)
    wait_until_finished(upload_row(page, file_a.name), "Completed")
    before_b = leads_of(app, user, tag)
    assert sorted(before_b) == sorted(f"{first}.{tag}@example.com" for first in ("ann", "ben", "cleo")), before_b

    page.get_by_label("Upload leads").set_input_files(file_b)
    row_b = upload_row(page, file_b.name)
    wait_until_finished(row_b, "Completed")
    assert (count_in(row_b, "New"), count_in(row_b, "Merged")) == (1, 1)
    ben = f"ben.{tag}@example.com"
    assert leads_of(app, user, tag)[ben]["company"] != before_b[ben]["company"]

    # the lead table shows the four leads; it must update by itself when an undo ends
    page.get_by_label("Search leads").fill(tag)
    expect(showing(page)).to_have_text(showing_text(1, 4, 4))

    # the team's imports: who imported what, with its counts; an undo only on the user's own
    history = open_history(page)
    history_a, history_b = history_row(history, file_a.name), history_row(history, file_b.name)
    for row in (history_a, history_b):
        expect(row).to_contain_text(f"Imported by {email}")
        expect(row).to_contain_text("Completed")
        expect(row.get_by_role("button", name="Undo import")).to_be_visible()
    assert [count_in(history_a, label) for label in ("Rows", "New", "Merged", "Rejected", "Failed")] == [3, 3, 0, 0, 0]
    assert [count_in(history_b, label) for label in ("Rows", "New", "Merged", "Rejected", "Failed")] == [2, 1, 1, 0, 0]
    mate_row = history_row(history, mate_file.name)
    expect(mate_row).to_contain_text(f"Imported by {teammate[0]}")
    expect(mate_row).to_contain_text("Completed")
    expect(mate_row.get_by_role("button", name="Undo import")).to_have_count(0)
    web.screenshot("history")

    # Escape leaves the confirmation and undoes nothing
    history_b.get_by_role("button", name="Undo import").click()
    confirmation = page.get_by_role("alertdialog", name="Undo this import?")
    expect(confirmation).to_be_visible()
    expect(confirmation.get_by_role("button", name="Cancel")).to_be_focused()
    web.screenshot("history-confirm")
    page.keyboard.press("Escape")
    expect(confirmation).to_be_hidden()
    expect(history).to_be_visible()
    expect(history_b.get_by_role("button", name="Undo import")).to_be_focused()

    # undo B: its new lead goes, the lead it merged into gets A's values back
    confirm_undo(
        page,
        history_b,
        "Deletes 1 lead this import created and restores the lead its one merged row changed.",
        "Leads a later import also brought in are kept, and fields a later import changed again keep the later value.",
    )
    expect(history_b).to_contain_text("Undone: 1 deleted, 1 restored", timeout=UNDO_SECONDS * 1000)
    expect(history_b).to_contain_text(f"Undone by {email}")
    web.screenshot("history-undone")
    assert leads_of(app, user, tag) == before_b

    close_history(page, history)
    expect(showing(page)).to_have_text(showing_text(1, 3, 3))
    table = page.get_by_role("table", name="Leads", exact=True)
    expect(table).to_contain_text(before_b[ben]["company"])
    expect(table).not_to_contain_text(f"Beta {tag}")
    expect(table).not_to_contain_text(f"dora.{tag}@example.com")
    expect(upload_row(page, file_b.name)).to_contain_text("Undone")

    # undo A, and reload while it runs: the history and the uploads list follow it again to its end
    history = open_history(page)
    confirm_undo(page, history_row(history, file_a.name), "Deletes 3 leads this import created.")
    page.reload()
    history = open_history(page)
    expect(history_row(history, file_a.name)).to_contain_text(
        "Undone: 3 deleted, 0 restored", timeout=UNDO_SECONDS * 1000
    )
    close_history(page, history)
    expect(upload_row(page, file_a.name)).to_contain_text("Undone: 3 deleted, 0 restored")
    expect(page.get_by_role("status").filter(has_text="No leads match these filters.")).to_be_visible()
    assert leads_of(app, user, tag) == {}

    # the history says both are undone, and offers nothing more on them
    history = open_history(page)
    for file_name, result in (
        (file_a.name, "Undone: 3 deleted, 0 restored"),
        (file_b.name, "Undone: 1 deleted, 1 restored"),
    ):
        row = history_row(history, file_name)
        expect(row).to_contain_text(result)
        expect(row.get_by_role("button", name="Undo import")).to_have_count(0)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widths = page.evaluate(
        "(() => { const d = document.getElementById('history-dialog'); return [d.scrollWidth, d.clientWidth]; })()"
    )
    assert widths[0] <= widths[1], widths
    web.screenshot("history-phone")
    assert web.errors == []


def test_an_administrator_may_undo_a_teammates_import(web, app, teammate, tmp_path):
    """The demo user of `serve` is an administrator: the teammate's import offers its undo to them."""
    tag = uuid.uuid4().hex[:8]
    path = write_csv(tmp_path / f"mate-{tag}.csv", [HEADERS, person("Eve", tag, "Delta", "Owner")])
    headers = app.headers(*teammate)
    record, _ = wait_for_completion(app, headers, upload_file(app, headers, path))
    assert record["status"] == "completed", record

    sign_in(web, app, DEMO_USER, DEMO_PASSWORD)
    history = open_history(web.page)
    row = history_row(history, path.name)
    expect(row).to_contain_text(f"Imported by {teammate[0]}")
    expect(row.get_by_role("button", name="Undo import")).to_be_visible()
    assert web.errors == []


def test_an_undo_refused_by_the_server_is_said_on_the_row(web, app, user, tmp_path):
    """The import is undone elsewhere (another tab) while the history still offers it: the server's 409 is
    shown on the row, which then shows where the import is."""
    page = web.page
    tag = uuid.uuid4().hex[:8]
    path = write_csv(tmp_path / f"history-twice-{tag}.csv", [HEADERS, person("Finn", tag, "Epsilon", "Owner")])
    headers = app.headers(*user)
    upload_id = upload_file(app, headers, path)
    record, _ = wait_for_completion(app, headers, upload_id)
    assert record["status"] == "completed", record

    sign_in(web, app, *user)
    history = open_history(page)
    row = history_row(history, path.name)
    expect(row.get_by_role("button", name="Undo import")).to_be_visible()
    elsewhere = requests.post(app.api(f"/uploads/{upload_id}/undo"), headers=headers, timeout=10)
    assert elsewhere.status_code == 202, elsewhere.text

    confirm_undo(page, row, "Deletes 1 lead this import created.")
    expect(row.get_by_role("alert")).to_contain_text(re.compile(r"This import (is being|has been) undone already\."))
    expect(row).to_contain_text("Undone: 1 deleted, 0 restored", timeout=UNDO_SECONDS * 1000)
    expect(row.get_by_role("button", name="Undo import")).to_have_count(0)
    web.screenshot("history-refused")
    assert leads_of(app, user, tag) == {}
    assert web.errors == []

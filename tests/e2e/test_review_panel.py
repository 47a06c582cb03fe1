"""Reviewing how a file's columns are read before it is imported, in the web app (headless Chromium
against `scripts/easycrm serve`): the option at the upload, the upload waiting for its owner (after a
reload too), the review panel, and an import that follows exactly the choices made in it."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_web_app import (
    count_in,
    processing_bar,
    showing,
    showing_text,
    sign_in,
    status_of,
    upload_row,
    wait_until_finished,
)
from tests.support.workbooks import write_csv, write_xlsx

REVIEW_SECONDS = 60
AWAITING = "Columns need your review"


def headers(tag: str) -> list[str]:
    """The tag in a header keeps each test's header list its own: a confirmed review is remembered for
    the whole team under the file's headers, and would decide the next proposal for the same headers."""
    return ["Name", "EmailID", "Company", internal_code(tag)]


def internal_code(tag: str) -> str:
    return f"Internal code {tag}"


@pytest.fixture
def user(app):
    email, password = f"review-{uuid.uuid4().hex[:8]}@example.com", "Review-Test-Passw0rd!"
    app.create_user(email, password)
    return email, password


def review_workbook(tmp_path, tag: str):
    """Sheet "Leads": three people, each with an internal code that must not reach the leads; sheet
    "Archive": two people who must not be imported at all."""
    leads = [
        [f"{first} Reviewed", f"{first.lower()}.{tag}@example.com", f"Acme {tag}", f"IC-{tag}-{n}"]
        for n, first in enumerate(("Ann", "Ben", "Cleo"), start=1)
    ]
    archive = [
        [f"{first} Archived", f"{first.lower()}.old.{tag}@example.com", f"Old Co {tag}", f"IC-{tag}-old{n}"]
        for n, first in enumerate(("Dora", "Eli"), start=1)
    ]
    return write_xlsx(
        tmp_path / f"review-{tag}.xlsx", {"Leads": [headers(tag), *leads], "Archive": [headers(tag), *archive]}
    )


def start_with_review(page, path) -> None:
    option = page.get_by_label("Review columns before importing")
    expect(option).not_to_be_checked()  # off unless asked for
    option.check()
    page.get_by_label("Upload leads").set_input_files(path)


def column_row(sheet, header: str):
    """The table row of one column of a sheet's section in the review panel."""
    return sheet.get_by_role("row").filter(has=sheet.page.get_by_role("rowheader", name=header, exact=True))


def test_review_the_columns_change_them_leave_a_sheet_out_and_import(web, app, user, tmp_path):
    page = web.page
    tag = uuid.uuid4().hex[:8]
    workbook = review_workbook(tmp_path, tag)
    sign_in(web, app, *user)
    start_with_review(page, workbook)

    # the upload waits for its owner, and says so, with nothing imported yet
    row = upload_row(page, workbook.name)
    expect(row).to_contain_text(AWAITING, timeout=REVIEW_SECONDS * 1000)
    expect(row.get_by_role("button", name="Review columns")).to_be_visible()
    expect(row.get_by_role("button", name="Cancel")).to_be_visible()
    expect(processing_bar(row)).to_be_hidden()
    record = status_of(app, *user, workbook.name)
    assert (record["status"], record["review"], record["rows"]) == ("needs_review", True, 0)

    # a reload shows it waiting still (GET /uploads), and the panel can be reached again
    page.reload()
    row = upload_row(page, workbook.name)
    expect(row).to_contain_text(AWAITING)
    web.screenshot("review-awaiting")
    row.get_by_role("button", name="Review columns").click()

    dialog = page.get_by_role("dialog", name="Review columns")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(workbook.name)
    leads = dialog.get_by_role("region", name="Leads")
    archive = dialog.get_by_role("region", name="Archive")
    expect(leads).to_contain_text("3 rows")
    expect(archive).to_contain_text("2 rows")

    # the proposal: EmailID is an email column because of its values; samples shown as text
    email_row = column_row(leads, "EmailID")
    expect(leads.get_by_label("Import EmailID as")).to_have_value("email")
    expect(email_row).to_contain_text("from the values")
    expect(email_row).to_contain_text(re.compile(r"High \d+%"))
    expect(email_row).to_contain_text(f"ann.{tag}@example.com")
    expect(leads.get_by_label("Import Name as")).to_have_value("name")
    expect(leads.get_by_label("Import Company as")).to_have_value("company")
    internal = leads.get_by_label(f"Import {internal_code(tag)} as")
    expect(internal).to_have_value("notes")
    options = internal.locator("option").all_inner_texts()
    assert options[-1] == "Don't import" and "Email" in options and "Job title" in options, options

    # closing without deciding keeps the choices while the page is open
    internal.select_option(label="Don't import")
    expect(column_row(leads, internal_code(tag))).to_contain_text("Your choice")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text(AWAITING)
    row.get_by_role("button", name="Review columns").click()
    expect(internal).to_have_value("")

    # leave the second sheet out: the summary says what will be imported
    archive.get_by_label("Import this worksheet").uncheck()
    expect(archive).to_contain_text("Left out")
    expect(dialog).to_contain_text("3 rows from 1 of 2 worksheets will be imported.")
    web.screenshot("review-panel")

    # usable on a phone: nothing wider than the screen
    page.set_viewport_size(PHONE)
    expect(leads.get_by_label("Import EmailID as")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widths = page.evaluate(
        "(() => { const d = document.getElementById('review-dialog'); return [d.scrollWidth, d.clientWidth]; })()"
    )
    assert widths[0] <= widths[1], widths
    web.screenshot("review-panel-phone")
    page.set_viewport_size(DESKTOP)

    # start: the panel closes and the upload goes on like any import
    dialog.get_by_role("button", name="Start import").click()
    expect(dialog).to_be_hidden()
    expect(row.get_by_role("button", name="Review columns")).to_have_count(0)
    wait_until_finished(row, "Completed")
    assert (count_in(row, "New"), count_in(row, "Rejected"), count_in(row, "Failed")) == (3, 0, 0)
    record = status_of(app, *user, workbook.name)
    assert (record["status"], record["rows"], record["created"]) == ("completed", 3, 3)
    assert list(record["worksheets"]) == ["Leads"]

    # the leads of "Leads" are there, those of "Archive" are not, and no internal code reached a lead
    page.get_by_label("Search leads").fill(tag)
    expect(showing(page)).to_have_text(showing_text(1, 3, 3))
    table = page.get_by_role("table", name="Leads", exact=True)
    for first in ("Ann", "Ben", "Cleo"):
        expect(table).to_contain_text(f"{first.lower()}.{tag}@example.com")
    expect(table).not_to_contain_text("Archived")
    page.get_by_role("button", name=re.compile(r"^Details for Ann Reviewed")).click()
    detail = page.get_by_role("dialog", name="Ann Reviewed")
    expect(detail).to_contain_text(f"ann.{tag}@example.com")
    expect(detail).to_contain_text("Leads")
    expect(detail).not_to_contain_text(f"IC-{tag}")
    web.screenshot("review-imported")
    page.keyboard.press("Escape")

    answer = requests.get(app.api("/leads"), params={"search": tag}, headers=app.headers(*user), timeout=10)
    found = answer.json()["leads"]
    assert sorted(lead["email"] for lead in found) == sorted(f"{n}.{tag}@example.com" for n in ("ann", "ben", "cleo"))
    assert all(f"IC-{tag}" not in lead.get("notes", "") for lead in found), found
    assert web.errors == []


def test_a_csv_review_names_the_file_and_a_start_refused_by_the_server_is_shown(web, app, user, tmp_path):
    page = web.page
    tag = uuid.uuid4().hex[:8]
    rows = [[f"Fay {n}", f"fay{n}.{tag}@example.com", f"Csv Co {tag}", f"IC-{n}"] for n in range(1, 4)]
    path = write_csv(tmp_path / f"review-{tag}.csv", [headers(tag), *rows])
    sign_in(web, app, *user)
    start_with_review(page, path)
    row = upload_row(page, path.name)
    expect(row).to_contain_text(AWAITING, timeout=REVIEW_SECONDS * 1000)
    row.get_by_role("button", name="Review columns").click()

    # a CSV file has one sheet, named after the file; there is no worksheet to leave out
    dialog = page.get_by_role("dialog", name="Review columns")
    sheet = dialog.get_by_role("region", name=path.name)
    expect(sheet).to_contain_text("3 rows")
    expect(sheet.get_by_label("Import EmailID as")).to_have_value("email")
    expect(sheet.get_by_label("Import this worksheet")).to_have_count(0)
    expect(dialog).to_contain_text("3 rows will be imported.")

    # meanwhile the upload is cancelled elsewhere (another tab): the server refuses the start, in words
    upload_id = status_of(app, *user, path.name)["uploadId"]
    cancelled = requests.post(app.api(f"/status/{upload_id}/cancel"), headers=app.headers(*user), timeout=10)
    assert cancelled.status_code == 202, cancelled.text
    dialog.get_by_role("button", name="Start import").click()
    expect(dialog.get_by_role("alert")).to_contain_text("not waiting for a review")
    expect(dialog.get_by_role("button", name="Start import")).to_be_disabled()
    expect(dialog).to_contain_text("no longer waiting for a review (Cancelled)")
    web.screenshot("review-refused")
    dialog.get_by_role("button", name="Close").click()
    wait_until_finished(row, "Cancelled")
    expect(row.get_by_role("button", name="Review columns")).to_have_count(0)
    assert status_of(app, *user, path.name)["rows"] == 0
    assert web.errors == []

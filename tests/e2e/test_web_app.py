"""The web app in headless Chromium against `scripts/easycrm serve`: what a sales team does with it.

Each test signs in as its own user, so its uploads list is its own; leads are shared by the whole team,
so every lead a test creates carries the test's tag (in its email and company), and the test narrows the
lead table by that tag.
"""

from __future__ import annotations

import csv
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE
from tests.support.workbooks import write_csv, write_xlsx

HEADERS = ["Full Name", "Email", "Phone", "Company", "Industry", "Lead Source", "Job Title"]
HOSTILE_NAME = "Eve <img src=x onerror=alert(1)>"  # mixed case, so the name rules leave it as it is
PROCESSING_SECONDS = 180


@pytest.fixture
def user(app):
    email, password = f"web-{uuid.uuid4().hex[:8]}@example.com", "Web-Test-Passw0rd!"
    app.create_user(email, password)
    return email, password


def sign_in(web, app, email: str, password: str) -> None:
    page = web.page
    page.goto(app.url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def upload_row(page, file_name: str):
    return page.get_by_role("list", name="Uploads").get_by_role("listitem").filter(has_text=file_name)


def processing_bar(row):
    return row.get_by_role("progressbar", name=re.compile("Processing"))


def wait_until_finished(row, status: str) -> None:
    expect(processing_bar(row)).to_have_attribute("aria-valuenow", "100", timeout=PROCESSING_SECONDS * 1000)
    expect(row).to_contain_text(status)


def count_in(row, label: str) -> int:
    """The number shown next to a count's label on an upload's row ("New 11", "New: 11", "11 new")."""
    text = " ".join(row.inner_text().split())
    found = re.search(rf"{label}\W*(\d[\d,]*)", text, re.IGNORECASE) or re.search(
        rf"(\d[\d,]*)\W*{label}", text, re.IGNORECASE
    )
    assert found, f"no {label!r} count in {text!r}"
    return int(found[1].replace(",", ""))


def status_of(app, email: str, password: str, file_name: str) -> dict:
    headers = app.headers(email, password)
    uploads = requests.get(app.api("/uploads"), headers=headers, timeout=10).json()["uploads"]
    return next(upload for upload in uploads if upload["fileName"] == file_name)


def showing(page):
    """The lead table's status line (the chat panel has a "Showing 20 of 77" of its own)."""
    return page.get_by_role("status").filter(has_text=re.compile(r"^Showing \d"))


def showing_text(first: int, last: int, total: int) -> str:
    return f"Showing {first}\N{EN DASH}{last} of {total}"


# --- data ------------------------------------------------------------------------------------------


def expo_workbook(tmp_path, tag: str):
    """Two worksheets: 13 rows, one duplicate across the sheets, one hostile name, one unusable row."""

    def person(label: str, company: str, industry: str, source: str, title: str = "") -> list[str]:
        return [
            f"{label} Person",
            f"{label.lower()}.{tag}@example.com",
            "",
            f"{company} {tag}",
            industry,
            source,
            title,
        ]

    webinar = [
        person("Alice", "Acme", "Software", "Webinar", "CTO"),
        person("Bruno", "Acme", "Software", "Webinar"),
        person("Chen", "Acme", "Retail", "Webinar"),
        person("Dana", "Globex", "Retail", "Webinar"),
        person("Emil", "Globex", "Software", "Webinar"),
        person("Fatima", "Globex", "Healthcare", "Webinar"),
        [HOSTILE_NAME, f"hostile.{tag}@example.com", "", f"Initech {tag}", "Software", "Webinar", ""],
        ["No Contact", "not an email", "", f"Initech {tag}", "", "", ""],
    ]
    trade_show = [
        person("Gus", "Acme", "Healthcare", "Trade Show"),
        person("Hana", "Globex", "Retail", "Trade Show"),
        person("Ivan", "Initech", "Software", "Trade Show"),
        person("Jade", "Initech", "Software", "Trade Show"),
        person("Alice", "Acme", "Software", "Trade Show", "Chief Technology Officer"),  # Alice again
    ]
    path = write_xlsx(
        tmp_path / f"expo-{tag}.xlsx", {"Webinar": [HEADERS, *webinar], "Trade Show": [HEADERS, *trade_show]}
    )
    return path, {"rows": 13, "created": 11, "updated": 1, "rejected": 1}


def partner_csv(tmp_path, tag: str):
    rows = [
        [f"Partner {n}", f"partner{n}.{tag}@example.com", "", f"Umbrella {tag}", "Finance", "Partner", ""]
        for n in range(1, 6)
    ]
    rows.append(rows[0][:])  # the same partner twice in one file
    path = write_csv(tmp_path / f"partners-{tag}.csv", [HEADERS, *rows])
    return path, {"rows": 6, "created": 5, "updated": 1, "rejected": 0}


# --- tests -----------------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_in_words_then_sign_in_and_out(web, app, user):
    page = web.page
    email, password = user
    page.goto(app.url)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    web.screenshot("sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Incorrect email or password")

    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    page.reload()  # the session survives a reload
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.reload()  # and is gone after signing out
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert web.errors == []


def test_upload_two_files_then_search_filter_sort_page_inspect_and_export(web, app, user, tmp_path):
    page = web.page
    tag = uuid.uuid4().hex[:8]
    workbook, workbook_counts = expo_workbook(tmp_path, tag)
    partners, partner_counts = partner_csv(tmp_path, tag)
    refused = tmp_path / f"notes-{tag}.pdf"
    refused.write_bytes(b"%PDF-1.4 not a spreadsheet")
    sign_in(web, app, *user)
    web.screenshot("home-empty")

    page.get_by_label("Upload leads").set_input_files([workbook, partners, refused])

    expect(upload_row(page, refused.name)).to_contain_text("not a supported file type")
    for path, counts in ((workbook, workbook_counts), (partners, partner_counts)):
        row = upload_row(page, path.name)
        wait_until_finished(row, "Completed")
        assert {label: count_in(row, label) for label in ("New", "Merged", "Rejected", "Failed")} == {
            "New": counts["created"],
            "Merged": counts["updated"],
            "Rejected": counts["rejected"],
            "Failed": 0,
        }
        assert status_of(app, *user, path.name)["rows"] == counts["rows"]
    expect(upload_row(page, workbook.name).get_by_role("link", name="Rejected rows report")).to_have_attribute(
        "href", re.compile(r"^http")
    )
    web.screenshot("uploads-finished")

    # search: every lead of this test carries the tag (16 distinct people)
    page.get_by_label("Search leads").fill(tag)
    expect(showing(page)).to_have_text(showing_text(1, 16, 16))
    page.get_by_label("Rows per page").select_option("10")
    expect(showing(page)).to_have_text(showing_text(1, 10, 16))
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(page.get_by_role("button", name="Previous page")).to_be_disabled()
    page.get_by_role("button", name="Next page").click()
    expect(showing(page)).to_have_text(showing_text(11, 16, 16))
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    table = page.get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(6)

    # the hostile name is shown as the characters it is, and nothing ran
    page.get_by_label("Search leads").fill(f"hostile.{tag}")
    expect(showing(page)).to_have_text(showing_text(1, 1, 1))
    expect(table.locator("tbody tr").first).to_contain_text(HOSTILE_NAME)
    assert table.locator("tbody img").count() == 0

    # filter by company, sort by name both ways
    page.get_by_label("Search leads").fill(tag)
    page.get_by_label("Company").fill(f"acme {tag}")
    page.get_by_label("Company").press("Enter")
    expect(showing(page)).to_have_text(showing_text(1, 4, 4))
    name_header = table.get_by_role("columnheader", name="Name")
    name_header.get_by_role("button").click()
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    expect(table.locator("tbody tr").first).to_contain_text("Alice Person")
    name_header.get_by_role("button").click()
    expect(name_header).to_have_attribute("aria-sort", "descending")
    expect(table.locator("tbody tr").first).to_contain_text("Gus Person")
    web.screenshot("leads-filtered")

    # the filters live in the address: a reload shows the same view
    page.reload()
    expect(showing(page)).to_have_text(showing_text(1, 4, 4))
    expect(page.get_by_label("Company")).to_have_value(f"acme {tag}")

    # details: where Alice came from (both worksheets of the workbook)
    page.get_by_role("button", name=re.compile(r"^Details for Alice Person")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Alice Person")).to_be_visible()
    expect(dialog).to_contain_text(f"alice.{tag}@example.com")
    expect(dialog).to_contain_text("Webinar")
    expect(dialog).to_contain_text("Trade Show")
    expect(dialog).to_contain_text(workbook.name)
    web.screenshot("lead-detail")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # export exactly what the filters show
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    exported = download_info.value.path().read_text(encoding="utf-8-sig")
    records = list(csv.DictReader(exported.splitlines()))
    assert sorted(record["email"] for record in records) == sorted(
        f"{name}.{tag}@example.com" for name in ("alice", "bruno", "chen", "gus")
    )
    expect(page.get_by_text("Exported 4 leads")).to_be_visible()

    # at a glance: the charts carry the numbers in text
    glance = page.get_by_role("region", name="At a glance")
    expect(glance.locator("svg").first).to_be_visible()
    expect(glance).to_contain_text("Leads by source")
    expect(glance).to_contain_text("Leads by industry")
    expect(glance).to_contain_text("Recent uploads")
    expect(glance.locator("svg title").first).to_be_attached()
    web.screenshot("at-a-glance")

    # the same screen on a phone: nothing wider than the screen but the table's own scroller
    page.set_viewport_size(PHONE)
    page.reload()
    expect(showing(page)).to_have_text(showing_text(1, 4, 4))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    web.screenshot("leads-phone")
    assert web.errors == []


def test_cancel_a_large_upload_midway_and_see_it_after_a_reload(web, app, user, tmp_path):
    page = web.page
    tag = uuid.uuid4().hex[:8]
    rows = [
        [f"Bulk {n}", f"bulk{n}.{tag}@example.com", "", f"Bulk Co {tag}", "Software", "List", ""] for n in range(1500)
    ]
    big = write_csv(tmp_path / f"big-{tag}.csv", [HEADERS, *rows])
    sign_in(web, app, *user)
    page.get_by_label("Upload leads").set_input_files(big)
    row = upload_row(page, big.name)
    expect(processing_bar(row)).to_have_attribute("aria-valuenow", re.compile(r"^[1-9]\d?$"), timeout=60_000)

    page.reload()  # the upload is still there, still running, fed by GET /uploads
    row = upload_row(page, big.name)
    expect(row.get_by_role("button", name=re.compile("Cancel"))).to_be_visible()
    web.screenshot("upload-running")
    row.get_by_role("button", name=re.compile("Cancel")).click()
    wait_until_finished(row, "Cancelled")
    expect(row.get_by_role("button", name=re.compile("Cancel"))).to_have_count(0)

    record = status_of(app, *user, big.name)
    assert record["status"] == "cancelled"
    assert 0 < record["cancelled"] < 1500
    assert (
        record["rows"]
        == 1500
        == sum(record[name] for name in ("created", "updated", "rejected", "failed", "cancelled"))
    )
    assert count_in(row, "Cancelled") == record["cancelled"]
    assert count_in(row, "New") == record["created"]
    assert web.errors == []

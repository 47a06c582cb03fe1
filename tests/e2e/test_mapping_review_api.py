"""The review of a mapping over HTTP against `scripts/easycrm serve`, with real Cognito tokens:
POST /upload with review, needs_review, GET and PUT /uploads/{uploadId}/mapping, the saved mapping, cancel.

Confirmed mappings are remembered for the whole team by header signature, and the `app` fixture serves
the whole session: every file here carries a header of its own (`tagged_headers`), so no mapping
confirmed here changes how another test's files are read."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import requests
from easycrm.models import LEAD_FIELDS

from tests.support.workbooks import write_csv, write_xlsx

FINAL = ("completed", "completed_with_errors", "failed", "cancelled")
COUNTERS = ("created", "updated", "rejected", "failed", "cancelled")
REASONS = {"header", "content", "saved", "llm"}
SHEET_KEYS = {"worksheet", "headerRow", "include", "rows", "columns"}
COLUMN_KEYS = {"index", "header", "field", "confidence", "reason", "samples"}


def tagged_headers() -> list[str]:
    """Name, an email column its header does not name, and a column of this test's own."""
    return ["Name", "EmailID", f"Internal code {uuid.uuid4().hex[:8]}"]


def people(headers: list[str], count: int, *, rejected: int = 0) -> list[list[str]]:
    """`count` people with new addresses, then `rejected` rows without an email or a phone."""
    rows = [headers]
    for _ in range(count):
        tag = uuid.uuid4().hex[:10]
        rows.append([f"Person {tag}", f"person.{tag}@example.com", f"X-{tag}"])
    rows += [[f"Nobody {number}", "", f"X-none-{number}"] for number in range(rejected)]
    return rows


def mapping_url(app, upload_id: str) -> str:
    return app.api(f"/uploads/{upload_id}/mapping")


def start(app, headers: dict, path: Path, *, review: bool, send_file: bool = True) -> str:
    content = path.read_bytes()
    request = {"fileName": path.name, "fileSize": len(content), "contentType": "", "review": review}
    started = requests.post(app.api("/upload"), headers=headers, json=request, timeout=10)
    assert started.status_code == 201, started.text
    body = started.json()
    if send_file:
        posted = requests.post(
            body["upload"]["url"], data=body["upload"]["fields"], files={"file": (path.name, content)}, timeout=60
        )
        assert posted.status_code in (200, 204), posted.text
    return body["uploadId"]


def status(app, headers: dict, upload_id: str) -> dict:
    response = requests.get(app.api(f"/status/{upload_id}"), headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(app, headers: dict, upload_id: str, states: tuple[str, ...], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        record = status(app, headers, upload_id)
        if record["status"] in states:
            return record
        assert time.monotonic() < deadline, record
        time.sleep(0.3)


def awaiting_review(app, headers: dict, path: Path) -> str:
    upload_id = start(app, headers, path, review=True)
    record = wait_for(app, headers, upload_id, ("needs_review", *FINAL))
    assert record["status"] == "needs_review", record
    return upload_id


def get_mapping(app, headers: dict, upload_id: str) -> dict:
    response = requests.get(mapping_url(app, upload_id), headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def put_mapping(app, headers: dict, upload_id: str, choice: object) -> requests.Response:
    return requests.put(mapping_url(app, upload_id), headers=headers, json=choice, timeout=10)


def cancel(app, headers: dict, upload_id: str) -> dict:
    response = requests.post(app.api(f"/status/{upload_id}/cancel"), headers=headers, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()


def assert_error(response: requests.Response, status_code: int, code: str) -> str:
    assert response.status_code == status_code, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"], error
    return error["message"]


def assert_accounted(record: dict) -> None:
    assert record["rows"] == sum(record[counter] for counter in COUNTERS), record


def leads_of(app, headers: dict, upload_id: str) -> list[dict]:
    response = requests.get(
        app.api("/leads"), headers=headers, params={"uploadId": upload_id, "pageSize": 100}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["leads"]


@pytest.fixture(scope="module")
def colleague(app) -> dict[str, str]:
    """A second member of the team (not an admin)."""
    email, password = f"colleague-{uuid.uuid4().hex[:8]}@example.com", "Colleague-Passw0rd"
    app.create_user(email, password)
    return app.headers(email, password)


@pytest.mark.parametrize("method", ["GET", "PUT"])
@pytest.mark.parametrize("authorization", [None, "not-a-token"])
def test_the_mapping_routes_need_a_token(app, method, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    body = {"sheets": [{"worksheet": None, "columns": [{"index": 0, "field": "email"}]}]}
    response = requests.request(method, mapping_url(app, uuid.uuid4().hex), headers=headers, json=body, timeout=10)
    assert_error(response, 401, "UNAUTHORIZED")


def test_a_reviewed_upload_waits_with_its_proposed_mapping(app, tmp_path):
    owner = app.headers()
    path = write_csv(tmp_path / "review.csv", people(tagged_headers(), 4))
    upload_id = start(app, owner, path, review=True)
    record = wait_for(app, owner, upload_id, ("needs_review", *FINAL))
    assert (record["status"], record["progress"], record["rows"], record["review"]) == ("needs_review", 0, 0, True)
    assert "totalBatches" not in record

    shown = get_mapping(app, owner, upload_id)
    assert set(shown) == {"uploadId", "status", "fields", "sheets", "warnings"}
    assert (shown["uploadId"], shown["status"], shown["warnings"]) == (upload_id, "needs_review", [])
    assert shown["fields"] == list(LEAD_FIELDS)
    [sheet] = shown["sheets"]
    assert set(sheet) == SHEET_KEYS
    assert (sheet["worksheet"], sheet["headerRow"], sheet["include"], sheet["rows"]) == (None, 1, True, 4)
    assert [column["index"] for column in sheet["columns"]] == [0, 1, 2]
    for column in sheet["columns"]:
        assert set(column) == COLUMN_KEYS
        assert column["field"] is None or column["field"] in LEAD_FIELDS
        assert isinstance(column["confidence"], int | float) and 0 <= column["confidence"] <= 1
        assert column["reason"] in REASONS
        assert all(isinstance(sample, str) for sample in column["samples"]) and len(column["samples"]) <= 5
    name, email, code = sheet["columns"]
    assert (name["header"], name["field"], name["reason"]) == ("Name", "name", "header")
    assert (email["header"], email["field"], email["reason"]) == ("EmailID", "email", "content")
    assert email["samples"][0] == path.read_text().splitlines()[1].split(",")[1]
    assert code["field"] == "notes"
    assert leads_of(app, owner, upload_id) == []  # nothing queued while it waits

    cancelled = cancel(app, owner, upload_id)
    assert (cancelled["status"], cancelled["rows"], cancelled["progress"]) == ("cancelled", 0, 100)


def test_another_users_review_answers_like_a_missing_one(app, colleague, tmp_path):
    owner = app.headers()
    upload_id = awaiting_review(app, owner, write_csv(tmp_path / "private.csv", people(tagged_headers(), 2)))
    choice = {"sheets": [{"worksheet": None, "columns": [{"index": 0, "field": "company"}]}]}
    for upload in (upload_id, uuid.uuid4().hex):
        get = requests.get(mapping_url(app, upload), headers=colleague, timeout=10)
        assert assert_error(get, 404, "NOT_FOUND") == "There is no such upload."
        assert assert_error(put_mapping(app, colleague, upload, choice), 404, "NOT_FOUND") == "There is no such upload."
    assert status(app, owner, upload_id)["status"] == "needs_review"  # nothing happened to it
    assert get_mapping(app, owner, upload_id)["sheets"][0]["columns"][0]["field"] == "name"
    cancel(app, owner, upload_id)


def test_no_mapping_without_review_or_before_the_proposal(app, tmp_path):
    owner = app.headers()
    choice = {"sheets": [{"worksheet": None, "columns": [{"index": 0, "field": "company"}]}]}

    straight = start(app, owner, write_csv(tmp_path / "straight.csv", people(tagged_headers(), 2)), review=False)
    assert wait_for(app, owner, straight, FINAL)["status"] == "completed"
    message = assert_error(requests.get(mapping_url(app, straight), headers=owner, timeout=10), 409, "CONFLICT")
    assert message == "This upload is not waiting for a review of its columns."
    assert_error(put_mapping(app, owner, straight, choice), 409, "CONFLICT")

    path = write_csv(tmp_path / "not-yet.csv", people(tagged_headers(), 2))
    not_yet = start(app, owner, path, review=True, send_file=False)  # the file never arrives: no proposal
    message = assert_error(requests.get(mapping_url(app, not_yet), headers=owner, timeout=10), 409, "CONFLICT")
    assert message == "This upload has no mapping to review yet: its file has not been read."
    assert_error(put_mapping(app, owner, not_yet, choice), 409, "CONFLICT")
    assert cancel(app, owner, not_yet)["status"] == "cancelled"

    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 no workbook here" * 40)
    unreadable = start(app, owner, damaged, review=True)
    record = wait_for(app, owner, unreadable, ("needs_review", *FINAL))
    assert (record["status"], record["rows"]) == ("failed", 0) and record["error"]
    message = assert_error(requests.get(mapping_url(app, unreadable), headers=owner, timeout=10), 409, "CONFLICT")
    assert message == "This upload ended before its columns could be reviewed; see its status for why."


def test_a_mapping_the_api_cannot_apply_is_a_400_and_the_upload_still_waits(app, tmp_path):
    owner = app.headers()
    upload_id = awaiting_review(app, owner, write_csv(tmp_path / "bad.csv", people(tagged_headers(), 2)))
    refused = [
        ({"sheets": [{"worksheet": None, "columns": [{"index": 1, "field": "emailAddress"}]}]}, "UNKNOWN_FIELD"),
        ({"sheets": [{"worksheet": "Leads", "columns": []}]}, "UNKNOWN_WORKSHEET"),
        ({"sheets": [{"worksheet": None, "columns": [{"index": 3, "field": "email"}]}]}, "UNKNOWN_COLUMN"),
        ({"sheets": [{"worksheet": None}, {"worksheet": ""}]}, "DUPLICATE_WORKSHEET"),
        ({"sheets": [{"worksheet": None, "include": False}]}, "NOTHING_INCLUDED"),
        ({"sheets": [{"worksheet": None, "columns": [{"index": "1", "field": "email"}]}]}, "INVALID_REQUEST"),
        ({"columns": []}, "INVALID_REQUEST"),
    ]
    for choice, code in refused:
        message = assert_error(put_mapping(app, owner, upload_id, choice), 400, code)
        if code == "UNKNOWN_FIELD":
            assert "'emailAddress' is not a lead field" in message
    record = status(app, owner, upload_id)
    assert (record["status"], record["rows"]) == ("needs_review", 0)
    assert get_mapping(app, owner, upload_id)["sheets"][0]["columns"][1]["field"] == "email"  # unchanged
    cancel(app, owner, upload_id)


def test_the_import_runs_with_exactly_the_confirmed_mapping(app, tmp_path):
    """Of a two-sheet workbook, one sheet is left out, a column changes field and another is not imported."""
    owner = app.headers()
    leads_rows, archive_rows = people(tagged_headers(), 3, rejected=1), people(tagged_headers(), 2)
    path = write_xlsx(tmp_path / "two sheets.xlsx", {"Leads": leads_rows, "Archive": archive_rows})
    upload_id = awaiting_review(app, owner, path)
    shown = get_mapping(app, owner, upload_id)
    assert [(sheet["worksheet"], sheet["rows"]) for sheet in shown["sheets"]] == [("Leads", 4), ("Archive", 2)]

    choice = {
        "sheets": [
            {"worksheet": "Leads", "columns": [{"index": 0, "field": "company"}, {"index": 2, "field": None}]},
            {"worksheet": "Archive", "include": False},
        ]
    }
    confirmed = put_mapping(app, owner, upload_id, choice)
    assert confirmed.status_code == 202, confirmed.text
    assert confirmed.json()["uploadId"] == upload_id
    assert confirmed.json()["status"] in ("uploaded", "processing", *FINAL)

    record = wait_for(app, owner, upload_id, FINAL)
    assert (record["status"], record["progress"]) == ("completed", 100)
    assert (record["rows"], record["created"], record["updated"], record["rejected"]) == (4, 3, 0, 1)
    assert_accounted(record)
    assert list(record["worksheets"]) == ["Leads"]  # the excluded sheet counts nothing

    leads = {lead["email"]: lead for lead in leads_of(app, owner, upload_id)}
    assert sorted(leads) == sorted(row[1] for row in leads_rows[1:4])
    for name, email, code in leads_rows[1:4]:
        assert leads[email]["company"] == name
        assert "name" not in leads[email]
        assert code not in leads[email].get("notes", "")
    for _, email, _ in archive_rows[1:]:
        found = requests.get(app.api("/leads"), headers=owner, params={"search": email}, timeout=10).json()
        assert found["pagination"]["totalCount"] == 0, email

    again = put_mapping(app, owner, upload_id, choice)
    assert assert_error(again, 409, "CONFLICT") == "This upload is not waiting for a review of its columns."
    after = get_mapping(app, owner, upload_id)  # the proposal is still there to look at
    assert after["status"] == "completed" and after["sheets"] == shown["sheets"]


def test_a_confirmed_mapping_is_used_for_the_same_headers_by_the_whole_team(app, colleague, tmp_path):
    owner = app.headers()
    headers = tagged_headers()
    first = awaiting_review(app, owner, write_csv(tmp_path / "first.csv", people(headers, 2)))
    choice = {
        "sheets": [{"worksheet": None, "columns": [{"index": 0, "field": "company"}, {"index": 2, "field": None}]}]
    }
    assert put_mapping(app, owner, first, choice).status_code == 202
    assert wait_for(app, owner, first, FINAL)["status"] == "completed"

    reviewed = awaiting_review(app, colleague, write_csv(tmp_path / "next week.csv", people(headers, 2)))
    columns = get_mapping(app, colleague, reviewed)["sheets"][0]["columns"]
    assert [(c["header"], c["field"], c["reason"], c["confidence"]) for c in columns] == [
        ("Name", "company", "saved", 1),
        ("EmailID", "email", "saved", 1),
        (headers[2], None, "saved", 1),
    ]
    cancel(app, colleague, reviewed)

    rows = people(headers, 2)
    straight = start(app, colleague, write_csv(tmp_path / "no review.csv", rows), review=False)
    record = wait_for(app, colleague, straight, FINAL)
    assert (record["status"], record["rows"], record["created"]) == ("completed", 2, 2)
    leads = {lead["email"]: lead for lead in leads_of(app, colleague, straight)}
    for name, email, code in rows[1:]:
        assert leads[email]["company"] == name and "name" not in leads[email]
        assert code not in leads[email].get("notes", "")

    other_headers = people(tagged_headers(), 1)  # other headers: proposed afresh
    fresh = awaiting_review(app, colleague, write_csv(tmp_path / "other.csv", other_headers))
    assert {c["reason"] for c in get_mapping(app, colleague, fresh)["sheets"][0]["columns"]} <= {"header", "content"}
    cancel(app, colleague, fresh)


def test_cancel_while_the_mapping_waits_imports_nothing(app, tmp_path):
    owner = app.headers()
    upload_id = awaiting_review(app, owner, write_csv(tmp_path / "never mind.csv", people(tagged_headers(), 3)))
    cancelled = cancel(app, owner, upload_id)
    assert (cancelled["status"], cancelled["progress"], cancelled["rows"]) == ("cancelled", 100, 0)
    assert_accounted(cancelled)
    assert all(cancelled[counter] == 0 for counter in COUNTERS)
    choice = {"sheets": [{"worksheet": None, "columns": []}]}
    assert_error(put_mapping(app, owner, upload_id, choice), 409, "CONFLICT")
    time.sleep(1)  # nothing is running behind the answer
    record = status(app, owner, upload_id)
    assert (record["status"], record["rows"]) == ("cancelled", 0)
    assert leads_of(app, owner, upload_id) == []


# Content matching on a CRM export: the seller's side and short codes are not the lead's ----------------

CRM_EXPORT_HEADERS = ["First", "Last", "Work Email", "Mobile", "State", "Department", "Opt-in", "Lead Owner"]


def crm_export(tag: str) -> list[list[str]]:
    """A CRM export: the person's own email, and the lead owner's (a sales rep of ours) further right."""
    rows = [[*CRM_EXPORT_HEADERS, "Owner Email", f"Internal code {tag}"]]
    for number, (first, state, department, opt_in, owner) in enumerate(
        [("Ada", "CA", "IT", "Y", "sam"), ("Bob", "NY", "HR", "Y", "sam"), ("Cy", "MA", "IT", "N", "pat")]
    ):
        rows.append(
            [first, f"Tester{number}", f"{first.lower()}.{tag}@acme.example", f"(650) 253-000{number}", state,
             department, opt_in, owner.title(), f"{owner}.{tag}@ourco.example", f"X-{number}"]
        )  # fmt: skip
    return rows


def test_a_lead_owners_email_does_not_become_the_leads_email(app, tmp_path):
    owner = app.headers()
    tag = uuid.uuid4().hex[:8]
    rows = crm_export(tag)
    upload_id = start(app, owner, write_csv(tmp_path / "crm export.csv", rows), review=False)
    record = wait_for(app, owner, upload_id, FINAL)
    assert (record["status"], record["rows"], record["created"]) == ("completed", 3, 3), record
    assert sorted(lead["email"] for lead in leads_of(app, owner, upload_id)) == sorted(row[2] for row in rows[1:])


def test_state_department_and_yes_no_columns_are_not_countries(app, tmp_path):
    owner = app.headers()
    upload_id = awaiting_review(app, owner, write_csv(tmp_path / "codes.csv", crm_export(uuid.uuid4().hex[:8])))
    try:
        columns = {column["header"]: column for column in get_mapping(app, owner, upload_id)["sheets"][0]["columns"]}
        assert {header: columns[header]["field"] for header in ("State", "Department", "Opt-in")} == {
            "State": "notes",
            "Department": "notes",
            "Opt-in": "notes",
        }
    finally:
        cancel(app, owner, upload_id)

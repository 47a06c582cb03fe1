"""Undoing imports over HTTP against `scripts/easycrm serve`: import A, import B that overlaps A, undo B →
the leads are exactly what they were after A; undo A → none of them is left; the team's history shows
both undone; and the lead table's total, its filters, the summary and the chatbot agree after each undo."""

from __future__ import annotations

import time
import uuid

import requests

from tests.e2e.test_api_journey import upload_file, wait_for_completion
from tests.support.workbooks import write_csv

HEADERS = ["Name", "Email", "Company", "Job Title", "Industry", "Lead Source"]
UNDO_SECONDS = 120


def rows_a(tag: str) -> list[list[str]]:
    return [
        HEADERS,
        ["Ann Archer", f"ann.{tag}@example.com", f"Acme {tag}", "Buyer", "Retail", f"Webinar {tag}"],
        ["Ben Baker", f"ben.{tag}@example.com", f"Acme {tag}", "", "", f"Webinar {tag}"],
        ["Cleo Cole", f"cleo.{tag}@example.com", f"Globex {tag}", "CTO", "Technology", f"Fair {tag}"],
    ]


def rows_b(tag: str) -> list[list[str]]:
    return [
        HEADERS,
        ["Ann Archer", f"ann.{tag}@example.com", f"Initech {tag}", "Head of Buying", "Retail", f"Webinar {tag}"],
        ["Ben Baker", f"ben.{tag}@example.com", f"Acme {tag}", "Engineer", "", f"Webinar {tag}"],
        ["Dan Dunn", f"dan.{tag}@example.com", f"Initech {tag}", "", "", f"Referral {tag}"],
    ]


def get(app, headers: dict, path: str, **params: str) -> dict:
    response = requests.get(app.api(path), headers=headers, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def tagged_leads(app, headers: dict, tag: str) -> dict[str, dict]:
    """Every lead of this test, read whole (GET /leads/{leadId}), by email."""
    listed = get(app, headers, "/leads", search=tag, pageSize="100")["leads"]
    return {lead["email"]: get(app, headers, f"/leads/{lead['leadId']}") for lead in listed}


def total(app, headers: dict, **filters: str) -> int:
    return get(app, headers, "/leads", pageSize="1", **filters)["pagination"]["totalCount"]


def import_file(app, headers: dict, path) -> dict:
    record, _ = wait_for_completion(app, headers, upload_file(app, headers, path))
    assert record["status"] == "completed", record
    return record


def undo(app, headers: dict, upload_id: str) -> dict:
    response = requests.post(app.api(f"/uploads/{upload_id}/undo"), headers=headers, timeout=30)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "undoing"
    deadline = time.monotonic() + UNDO_SECONDS
    while (record := get(app, headers, f"/status/{upload_id}"))["status"] == "undoing":
        assert time.monotonic() < deadline, record
        time.sleep(0.3)
    assert record["status"] == "undone", record
    assert record["undo"]["progress"] == 100 and record["canUndo"] is False
    return record


def ask(app, headers: dict, question: str) -> dict:
    response = requests.post(app.api("/chatbot"), headers=headers, json={"message": question}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def assert_reads_agree(app, headers: dict, tag: str) -> None:
    """The lead table's total, a filter, the summary and the chatbot's count all say the same."""
    everyone = total(app, headers)
    assert get(app, headers, "/leads/summary")["total"] == everyone
    assert ask(app, headers, "How many leads do we have?")["count"] == everyone
    leads = tagged_leads(app, headers, tag)
    for company in {lead["company"] for lead in leads.values()}:
        assert total(app, headers, company=company) == sum(lead["company"] == company for lead in leads.values())
    summary = get(app, headers, "/leads/summary", top="50")
    sources = {group["value"]: group["count"] for group in summary["bySource"]["groups"]}
    for source in {lead["source"] for lead in leads.values()}:
        assert sources.get(source) == total(app, headers, source=source)


def test_undo_b_gives_back_the_leads_of_a_and_undo_a_leaves_none(app, tmp_path):
    headers = app.headers()
    tag = uuid.uuid4().hex[:8]
    first = import_file(app, headers, write_csv(tmp_path / "a.csv", rows_a(tag)))
    after_a = tagged_leads(app, headers, tag)
    total_after_a = total(app, headers)
    assert len(after_a) == 3
    second = import_file(app, headers, write_csv(tmp_path / "b.csv", rows_b(tag)))
    assert (second["created"], second["updated"]) == (1, 2)
    assert tagged_leads(app, headers, tag)[f"ann.{tag}@example.com"]["company"] == f"Initech {tag}"

    undone_b = undo(app, headers, second["uploadId"])
    assert {name: undone_b["undo"][name] for name in ("deleted", "restored", "conflicts", "failed")} == {
        "deleted": 1,
        "restored": 2,
        "conflicts": 0,
        "failed": 0,
    }
    assert tagged_leads(app, headers, tag) == after_a
    assert total(app, headers) == total_after_a
    assert total(app, headers, company=f"Initech {tag}") == 0
    assert_reads_agree(app, headers, tag)

    undone_a = undo(app, headers, first["uploadId"])
    assert undone_a["undo"]["deleted"] == 3
    assert tagged_leads(app, headers, tag) == {}
    assert total(app, headers) == total_after_a - 3
    assert_reads_agree(app, headers, tag)

    history = {upload["uploadId"]: upload for upload in get(app, headers, "/uploads", scope="team")["uploads"]}
    for record in (first, second):
        shown = history[record["uploadId"]]
        assert (shown["status"], shown["ownerEmail"], shown["fileName"]) == ("undone", app.email, record["fileName"])
        assert (shown["rows"], shown["created"], shown["updated"]) == (3, record["created"], record["updated"])

    again = requests.post(app.api(f"/uploads/{first['uploadId']}/undo"), headers=headers, timeout=30)
    assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"


def test_another_users_import_is_not_found_unless_the_caller_is_an_admin(app, tmp_path):
    tag = uuid.uuid4().hex[:8]
    email, password = f"seller-{tag}@example.com", "Seller-Test-Passw0rd!"
    app.create_user(email, password)
    seller = app.headers(email, password)
    record = import_file(app, seller, write_csv(tmp_path / "seller.csv", rows_a(tag)))
    other_email = f"other-{tag}@example.com"
    app.create_user(other_email, password)
    other = app.headers(other_email, password)
    refused = requests.post(app.api(f"/uploads/{record['uploadId']}/undo"), headers=other, timeout=30)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "NOT_FOUND"
    [seen] = [u for u in get(app, other, "/uploads", scope="team")["uploads"] if u["uploadId"] == record["uploadId"]]
    assert seen["canUndo"] is False and seen["ownerEmail"] == email
    admin = app.headers()  # the demo user is in admins
    assert undo(app, admin, record["uploadId"])["undo"]["requestedBy"] == app.email
    assert tagged_leads(app, seller, tag) == {}

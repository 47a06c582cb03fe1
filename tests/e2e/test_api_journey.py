"""A client's whole journey over HTTP against `scripts/easycrm serve`: sign in, upload, watch, page, export."""

from __future__ import annotations

import csv
import io
import time

import requests

from tests.support.workbooks import messy_leads, write_xlsx

FINAL = ("completed", "completed_with_errors", "failed", "cancelled")


def upload_file(app, headers: dict, path) -> str:
    content = path.read_bytes()
    started = requests.post(
        app.api("/upload"),
        headers=headers,
        json={"fileName": path.name, "fileSize": len(content), "contentType": ""},
        timeout=10,
    )
    assert started.status_code == 201, started.text
    body = started.json()
    posted = requests.post(
        body["upload"]["url"], data=body["upload"]["fields"], files={"file": (path.name, content)}, timeout=60
    )
    assert posted.status_code in (200, 204), posted.text
    return body["uploadId"]


def wait_for_completion(app, headers: dict, upload_id: str) -> tuple[dict, list[int]]:
    seen: list[int] = []
    deadline = time.monotonic() + 180
    while True:
        response = requests.get(app.api(f"/status/{upload_id}"), headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        record = response.json()
        seen.append(record["progress"])
        if record["status"] in FINAL:
            return record, seen
        assert time.monotonic() < deadline, record
        time.sleep(0.3)


def test_upload_watch_page_and_export_a_workbook(app, tmp_path):
    headers = app.headers()  # signed in through cognitoEndpoint from /config.json
    first, second = messy_leads(120, seed=71), messy_leads(90, seed=72)
    path = write_xlsx(tmp_path / "journey.xlsx", {"Expo": first.rows, "Inbound": second.rows})
    upload_id = upload_file(app, headers, path)

    record, progress = wait_for_completion(app, headers, upload_id)
    assert record["status"] == "completed"
    assert progress == sorted(progress) and progress[-1] == 100
    assert record["rows"] == first.data_rows + second.data_rows
    assert record["rows"] == sum(record[c] for c in ("created", "updated", "rejected", "failed", "cancelled"))
    assert set(record["worksheets"]) == {"Expo", "Inbound"}
    expected = len(first.keys | second.keys)

    page_size, seen_ids, page = 25, [], 1
    while True:
        response = requests.get(
            app.api("/leads"),
            headers=headers,
            params={"uploadId": upload_id, "pageSize": page_size, "page": page, "sortBy": "email", "sortOrder": "asc"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["pagination"]["totalCount"] == expected
        assert body["pagination"]["totalPages"] == -(-expected // page_size)
        if not body["leads"]:
            break
        seen_ids += [lead["leadId"] for lead in body["leads"]]
        emails = [lead.get("email", "") for lead in body["leads"]]
        assert emails == sorted(emails, key=lambda email: (email == "", email))
        page += 1
    assert page == body["pagination"]["totalPages"] + 1  # the page past the end came back empty
    assert len(seen_ids) == len(set(seen_ids)) == expected

    detail = requests.get(app.api(f"/leads/{seen_ids[0]}"), headers=headers, timeout=10)
    assert detail.status_code == 200
    assert any(source["uploadId"] == upload_id for source in detail.json()["sources"])

    exported = requests.get(app.api("/export"), headers=headers, params={"uploadId": upload_id}, timeout=60)
    assert exported.status_code == 200, exported.text
    assert exported.json()["rows"] == expected
    download = requests.get(exported.json()["downloadUrl"], timeout=60)
    assert download.status_code == 200
    assert download.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == expected


def test_uploads_belong_to_their_owner_over_http(app, tmp_path):
    owner = app.headers()
    email, password = "journey-other@example.com", "Other-Passw0rd1"
    app.create_user(email, password)
    stranger = app.headers(email, password)
    path = tmp_path / "mine.csv"
    path.write_text("Email,Name\nmine.one@example.com,One\n")
    upload_id = upload_file(app, owner, path)
    record, _ = wait_for_completion(app, owner, upload_id)
    assert record["status"] == "completed"

    listed = requests.get(app.api("/uploads"), headers=owner, timeout=10).json()["uploads"]
    assert upload_id in [upload["uploadId"] for upload in listed]
    assert upload_id not in [
        u["uploadId"] for u in requests.get(app.api("/uploads"), headers=stranger).json()["uploads"]
    ]
    for method, route in (("GET", f"/status/{upload_id}"), ("POST", f"/status/{upload_id}/cancel")):
        answer = requests.request(method, app.api(route), headers=stranger, timeout=10)
        assert answer.status_code == 404, (route, answer.text)
        assert answer.json()["error"]["code"] == "NOT_FOUND"
    finished = requests.post(app.api(f"/status/{upload_id}/cancel"), headers=owner, timeout=10)
    assert finished.status_code == 409
    bad_page = requests.get(app.api("/leads"), headers=owner, params={"pageSize": 101}, timeout=10)
    assert bad_page.status_code == 400 and bad_page.json()["error"]["message"]

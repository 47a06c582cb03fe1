"""GET /export through the real handler: CSV in S3, read back through the presigned link."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid

import pytest
import requests

from scripts.local_stack.apigw import proxy_event
from tests.integration.conftest import OWNER, Pipeline
from tests.support.workbooks import messy_leads

TAG = uuid.uuid4().hex[:8]
# No phone-only leads: other modules' tests read `lead["email"]` of every stored lead.
BIG = messy_leads(1000, seed=9917, phone_only_share=0.0)
HEADERS = ["Name", "Email", "Phone", "Company", "Industry", "Notes"]
TRICKY = [
    ["@SUM(1)", f"formula.{TAG}@example.com", "+1 650 253 0000", '=HYPERLINK("x")', f"Software {TAG}", "=1+1"],
    ["Zoë Ångström", f"zoe.{TAG}@example.com", "", f"Société Générale {TAG}", f"Software {TAG}", "-5% discount"],
    ["Tab Person", f"tab.{TAG}@example.com", "", f"+Plus Corp {TAG}", f"Software {TAG}", "call +1 415 555 0100"],
]
E164 = re.compile(r"\+\d{7,15}")


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def imported(stack):
    """Imported once for the module, in batches of 100 rows (the session stack's 3 would triple the time)."""
    from easycrm import wiring

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BATCH_SIZE", "100")
        wiring.reset()
        pipe = Pipeline(stack)
        pipe.delete(pipe.receive(max_messages=10_000))
        uploads = {
            "big": pipe.run("export-big.csv", csv_bytes(BIG.rows)),
            "tricky": pipe.run("export-tricky.csv", csv_bytes([HEADERS, *TRICKY])),
        }
    wiring.reset()
    return uploads


def export(stack, **query) -> tuple[int, dict]:
    event = proxy_event("GET", "/export", query=query or None, claims=OWNER, resource="/export")
    response = stack.function("lead_exporter").invoke(event)
    return response["statusCode"], json.loads(response["body"])


def listing(stack, **query) -> dict:
    event = proxy_event("GET", "/leads", query=query or None, claims=OWNER, resource="/leads")
    response = stack.function("lead_reader").invoke(event)
    assert response["statusCode"] == 200, response["body"]
    return json.loads(response["body"])


def download(url: str) -> tuple[requests.Response, list[dict]]:
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    text = response.content.decode("utf-8-sig")
    return response, list(csv.DictReader(io.StringIO(text, newline="")))


def test_export_of_an_upload_has_every_matching_lead_in_order(stack, imported):
    status, body = export(stack, uploadId=imported["big"], sortBy="email")
    assert status == 200, body
    total = listing(stack, uploadId=imported["big"], pageSize="1")["pagination"]["totalCount"]
    assert body["rows"] == total == BIG.unique_leads
    response, rows = download(body["downloadUrl"])
    assert "attachment" in response.headers.get("Content-Disposition", "")
    assert len(rows) == total
    from easycrm.leads.queries import EXPORT_COLUMNS

    assert list(rows[0]) == list(EXPORT_COLUMNS)
    keys = {row["email"] or row["phone"] for row in rows}
    assert keys == set(BIG.keys)
    assert [row["email"] for row in rows] == sorted(row["email"] for row in rows)
    assert any("ü" in row["name"] for row in rows) and any("é" in row["name"] for row in rows)  # accents intact
    assert all(E164.fullmatch(row["phone"]) or row["phone"] in ("", "N/A") for row in rows)
    assert all(imported["big"] in row["sources"] or row["uploadId"] == imported["big"] for row in rows[:50])


def test_export_neutralizes_formulas_and_keeps_e164_phones(stack, imported):
    status, body = export(stack, uploadId=imported["tricky"], sortBy="name")
    assert status == 200, body
    assert body["rows"] == 3
    stored = {lead["email"]: lead for lead in listing(stack, uploadId=imported["tricky"])["leads"]}
    _, rows = download(body["downloadUrl"])
    by_email = {row["email"]: row for row in rows}

    formula = by_email[f"formula.{TAG}@example.com"]
    assert stored[f"formula.{TAG}@example.com"]["name"].startswith("@")
    assert formula["name"] == "'" + stored[f"formula.{TAG}@example.com"]["name"]
    assert formula["company"] == '\'=HYPERLINK("x")'
    assert formula["notes"].startswith("'=1+1")
    assert formula["phone"] == "+16502530000"  # exactly E.164: left as it is

    accents = by_email[f"zoe.{TAG}@example.com"]
    assert accents["name"] == "Zoë Ångström"
    assert accents["company"] == f"Société Générale {TAG}"
    assert accents["notes"].startswith("'-5% discount")

    plus = by_email[f"tab.{TAG}@example.com"]
    assert plus["company"] == f"'+Plus Corp {TAG}"
    for row in rows:
        for column, cell in row.items():
            if column != "phone":
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)


def test_unfiltered_export_counts_what_the_listing_counts(stack, imported):
    status, body = export(stack)
    assert status == 200, body
    assert body["rows"] == listing(stack, pageSize="1")["pagination"]["totalCount"]
    _, rows = download(body["downloadUrl"])
    assert len(rows) == body["rows"]
    created = [row["createdAt"] for row in rows]
    assert created == sorted(created, reverse=True)


def test_filtered_export_matches_the_filtered_total(stack, imported):
    status, body = export(stack, industry=f"software {TAG}", search="e")
    assert status == 200
    assert body["rows"] == listing(stack, industry=f"software {TAG}", search="e")["pagination"]["totalCount"] == 3


@pytest.mark.parametrize("query", [{"sortBy": "phone"}, {"sortOrder": "sideways"}, {"company": "x" * 201}])
def test_bad_export_parameters_are_400(stack, query):
    status, body = export(stack, **query)
    assert status == 400
    assert body["error"]["code"] == "INVALID_REQUEST"


def test_large_csv_goes_to_s3_in_parts(stack, wiring):
    """Past one part the writer switches to a multipart upload; the object reads back whole."""
    from easycrm.leads.export import S3CsvWriter

    bucket = wiring.settings().upload_bucket
    key = f"exports/test-{uuid.uuid4().hex}.csv"
    row = ["é" * 300, "=x", "z" * 400]
    with S3CsvWriter(bucket, key, part_size=5 * 1024 * 1024, download_name="big.csv") as writer:
        for _ in range(12_000):
            writer.writerow(row)
    assert len(writer._parts) == 3
    body = stack.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    assert len(lines) == 12_001 and lines[-1] == ""
    assert lines[0] == ",".join(["é" * 300, "'=x", "z" * 400])  # the writer itself neutralizes formulas


def test_failed_export_leaves_no_object(stack, wiring):
    from easycrm.leads.export import S3CsvWriter

    bucket = wiring.settings().upload_bucket
    key = f"exports/test-{uuid.uuid4().hex}.csv"
    s3 = stack.client("s3")
    with pytest.raises(RuntimeError), S3CsvWriter(bucket, key, part_size=5 * 1024 * 1024) as writer:
        for _ in range(7_000):
            writer.writerow(["x" * 1000])
        raise RuntimeError("the reader failed")
    assert s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) == 0
    assert not s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads")

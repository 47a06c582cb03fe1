"""`scripts/easycrm mapping` and `import --mapping`: the review of a file's columns from the command line,
through the real upload, splitter and status-reader handlers on the embedded stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_import_cli import easycrm
from tests.support.workbooks import write_csv

HEADERS = ["Name", "EmailID", "Internal code"]  # Zoho's `EmailID`: no header names the email column


def contacts(path: Path, *people: str) -> Path:
    rows = [HEADERS] + [[person, f"{person.split()[0].lower()}@example.com", f"X-{person[0]}"] for person in people]
    return write_csv(path, rows)


def columns_by_header(shown: dict) -> dict[str, dict]:
    [sheet] = shown["sheets"]
    return {column["header"]: column for column in sheet["columns"]}


def test_mapping_shows_the_email_column_found_by_its_content(tmp_path):
    path = contacts(tmp_path / "contacts.csv", "Ada Lovelace", "Grace Hopper", "Alan Turing")

    human = easycrm("mapping", str(path))
    assert human.returncode == 0, human.stderr[-3000:]
    assert human.stdout.startswith("contacts.csv: 1 sheet(s)\n")
    [row] = [line.split() for line in human.stdout.splitlines() if "EmailID" in line and "@" in line]
    assert row[:3] == ["1", "EmailID", "email"] and "content" in row, human.stdout
    assert "ada@example.com" in row

    as_json = easycrm("mapping", str(path), "--json")
    assert as_json.returncode == 0, as_json.stderr[-3000:]
    shown = json.loads(as_json.stdout)
    assert set(shown) == {"uploadId", "status", "fields", "sheets", "warnings"}
    assert shown["status"] == "needs_review"
    assert "email" in shown["fields"]
    [sheet] = shown["sheets"]
    assert (sheet["worksheet"], sheet["headerRow"], sheet["include"], sheet["rows"]) == (None, 1, True, 3)
    email = columns_by_header(shown)["EmailID"]
    assert (email["index"], email["field"], email["reason"]) == (1, "email", "content")
    assert 0.5 <= email["confidence"] <= 1
    assert email["samples"][0] == "ada@example.com"


def test_import_with_a_mapping_changes_a_field_and_leaves_a_column_out(tmp_path):
    """The `mapping --json` answer, edited, is the M.json; the same one applies to every file; nothing was
    imported by `mapping`; and the confirmed mapping is remembered in the data directory."""
    data_dir = tmp_path / "data"
    first = contacts(tmp_path / "first.csv", "Ada Lovelace", "Grace Hopper", "Alan Turing")
    second = contacts(tmp_path / "second.csv", "Edsger Dijkstra", "Barbara Liskov")
    proposed = easycrm("mapping", str(first), "--json", "--data-dir", str(data_dir))
    assert proposed.returncode == 0, proposed.stderr[-3000:]
    choice = json.loads(proposed.stdout)  # keys PUT does not take (uploadId, samples, …) are ignored
    columns = columns_by_header(choice)
    columns["Name"]["field"] = "company"
    columns["Internal code"]["field"] = None  # don't import, not even into notes
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(choice), encoding="utf-8")

    dump = tmp_path / "leads.json"
    result = easycrm(
        "import", str(first), str(second), "--mapping", str(mapping), "--json", "--dump-leads", str(dump),
        "--data-dir", str(data_dir),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = json.loads(result.stdout)
    assert [(s["fileName"], s["status"], s["rows"], s["created"], s["updated"]) for s in summaries] == [
        ("first.csv", "completed", 3, 3, 0),  # 0 merged: `mapping` imported nothing
        ("second.csv", "completed", 2, 2, 0),
    ]
    leads = {lead["email"]: lead for lead in json.loads(dump.read_text())}
    assert sorted(leads) == sorted(f"{first}@example.com" for first in ("ada", "grace", "alan", "edsger", "barbara"))
    for email, company in (("ada@example.com", "Ada Lovelace"), ("barbara@example.com", "Barbara Liskov")):
        lead = leads[email]
        assert lead["company"] == company
        assert "name" not in lead and "firstName" not in lead
        assert "X-" not in lead.get("notes", "")

    remembered = easycrm("mapping", str(second), "--json", "--data-dir", str(data_dir))
    assert remembered.returncode == 0, remembered.stderr[-3000:]
    assert [(c["field"], c["reason"]) for c in columns_by_header(json.loads(remembered.stdout)).values()] == [
        ("company", "saved"),
        ("email", "saved"),
        (None, "saved"),
    ]


def test_a_mapping_the_api_refuses_cancels_the_upload(tmp_path):
    path = contacts(tmp_path / "contacts.csv", "Ada Lovelace", "Grace Hopper")
    mapping = tmp_path / "mapping.json"
    unknown_field = {"sheets": [{"worksheet": None, "columns": [{"index": 1, "field": "emailAddress"}]}]}
    mapping.write_text(json.dumps(unknown_field))
    dump = tmp_path / "leads.json"
    result = easycrm("import", str(path), "--mapping", str(mapping), "--json", "--dump-leads", str(dump))
    assert result.returncode == 1, result.stdout
    assert "contacts.csv: mapping refused (UNKNOWN_FIELD): 'emailAddress' is not a lead field" in result.stderr
    [summary] = json.loads(result.stdout)
    assert (summary["status"], summary["rows"], summary["created"]) == ("cancelled", 0, 0)
    assert summary["error"].startswith("The mapping was refused: 'emailAddress' is not a lead field.")
    assert json.loads(dump.read_text()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the mapping"),
        ('{"sheets": [', "is not valid JSON"),
        ("[]", 'must be a JSON object with a "sheets" list'),
        ('{"sheet": []}', 'must be a JSON object with a "sheets" list'),
    ],
)
def test_a_mapping_file_that_is_not_a_mapping_stops_before_anything_starts(tmp_path, content, message):
    path = contacts(tmp_path / "contacts.csv", "Ada Lovelace")
    mapping = tmp_path / "mapping.json"
    if content is not None:
        mapping.write_text(content)
    result = easycrm("import", str(path), "--mapping", str(mapping), timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("easycrm: ") and message in result.stderr and str(mapping) in result.stderr
    assert result.stdout == ""


def test_mapping_of_a_file_that_cannot_be_read_or_is_refused_says_why(tmp_path):
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 this is no workbook" * 40)
    result = easycrm("mapping", str(damaged))
    assert result.returncode == 1
    assert "easycrm: damaged.xlsx: failed: " in result.stderr, result.stderr[-3000:]
    assert result.stdout == ""

    refused = tmp_path / "notes.pdf"
    refused.write_bytes(b"%PDF-1.4")
    result = easycrm("mapping", str(refused))
    assert result.returncode == 1
    assert "easycrm: notes.pdf: refused: notes.pdf is not a supported file type" in result.stderr

"""`scripts/easycrm import` and `invoke`: the real pipeline on the embedded stack, as a user runs it."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.workbooks import messy_leads, write_csv, write_xlsx

REPO = Path(__file__).resolve().parents[2]
EASYCRM = REPO / "scripts" / "easycrm"
COUNTERS = ("created", "updated", "rejected", "failed", "cancelled")
EMAIL = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,}$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def easycrm(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EASYCRM), *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )


def import_files(*paths: Path, dump: Path | None = None, export: Path | None = None) -> list[dict]:
    args = ["import", *map(str, paths), "--json"]
    if dump:
        args += ["--dump-leads", str(dump)]
    if export:
        args += ["--export", str(export)]
    result = easycrm(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def assert_accounted(summary: dict) -> None:
    assert summary["status"] in ("completed", "completed_with_errors"), summary
    assert summary["rows"] == sum(summary[counter] for counter in COUNTERS), summary


def assert_every_lead_reachable(leads: list[dict]) -> None:
    for lead in leads:
        email, phone = lead.get("email"), lead.get("phone")
        assert (email and EMAIL.match(email)) or (phone and E164.match(phone)), lead


@pytest.fixture(scope="module")
def messy_workbook(tmp_path_factory):
    """Three sheets with messy headers, a title block, an empty sheet, and cross-sheet duplicates."""
    trade_show, webinar = messy_leads(60, seed=11), messy_leads(45, seed=12)
    partner_rows = [["Partnerliste 2026", "", ""], [], *([["Vorname Nachname", "E-Mail-Adresse", "Telefon"]])]
    copied = [row for row in trade_show.rows[1:] if row[1].strip() and "@" in row[1]][:8]
    partner_rows += [[row[0], row[1], row[2]] for row in copied]
    path = tmp_path_factory.mktemp("books") / "messy leads.xlsx"
    write_xlsx(
        path, {"Trade Show": trade_show.rows, "Empty": [], "Webinar": webinar.rows, "Partner (DE)": partner_rows}
    )
    return path, trade_show, webinar, [row[1] for row in copied]


def test_messy_workbook_is_imported_with_every_row_accounted(messy_workbook, tmp_path):
    path, trade_show, webinar, copied = messy_workbook
    dump = tmp_path / "leads.json"
    [summary] = import_files(path, dump=dump)
    assert_accounted(summary)
    assert summary["rows"] == trade_show.data_rows + webinar.data_rows + len(copied)
    assert summary["rejected"] == trade_show.rejected + webinar.rejected
    assert set(summary["worksheets"]) == {"Trade Show", "Webinar", "Partner (DE)"}
    leads = json.loads(dump.read_text())
    assert_every_lead_reachable(leads)
    assert summary["created"] == len(leads) == len(trade_show.keys | webinar.keys)
    partner = [lead for lead in leads if any(s["worksheet"] == "Partner (DE)" for s in lead["sources"])]
    assert len(partner) == len({email.strip().lower().removeprefix("mailto:") for email in copied})
    assert all(any(s["worksheet"] == "Trade Show" for s in lead["sources"]) for lead in partner)


ENCODINGS = [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("cp1252", "|")]


def test_csvs_in_every_encoding_merge_into_the_same_leads_and_reimport_creates_nothing(tmp_path):
    data = messy_leads(40, seed=21)
    paths = []
    for encoding, delimiter in ENCODINGS:
        path = tmp_path / f"leads-{encoding}.{'tsv' if delimiter == chr(9) else 'csv'}"
        write_csv(path, data.rows, encoding=encoding, delimiter=delimiter)
        paths.append(path)
    dump = tmp_path / "leads.json"
    summaries = import_files(*paths, paths[0], dump=dump)
    for summary in summaries:
        assert_accounted(summary)
        assert (summary["rows"], summary["rejected"]) == (data.data_rows, data.rejected)
    assert sum(summary["created"] for summary in summaries) == len(data.keys)
    assert summaries[-1]["created"] == 0  # the same file again: everything merges
    leads = json.loads(dump.read_text())
    assert len(leads) == len(data.keys)
    assert_every_lead_reachable(leads)
    names = {lead.get("name", "") for lead in leads}
    assert any("é" in name or "ü" in name or "í" in name for name in names)  # every decoder kept the accents


def test_two_overlapping_files_at_once_give_one_lead_per_person(tmp_path):
    first, second = messy_leads(50, seed=31), messy_leads(50, seed=32)
    overlap = [row for row in first.rows[1:] if row[1].strip()][:15]
    write_csv(tmp_path / "a.csv", first.rows)
    write_csv(tmp_path / "b.csv", second.rows + overlap)
    dump, export = tmp_path / "leads.json", tmp_path / "leads.csv"
    summaries = import_files(tmp_path / "a.csv", tmp_path / "b.csv", dump=dump, export=export)
    for summary in summaries:
        assert_accounted(summary)
    leads = json.loads(dump.read_text())
    assert sum(summary["created"] for summary in summaries) == len(leads) == len(first.keys | second.keys)
    exported = list(csv.DictReader(export.read_text(encoding="utf-8-sig").splitlines()))
    assert sorted(row["leadId"] for row in exported) == sorted(lead["leadId"] for lead in leads)


def test_undo_takes_an_import_back_in_the_store_of_data_dir(tmp_path):
    store = tmp_path / "store"
    first = write_csv(
        tmp_path / "first.csv", [["Email", "Company"], ["a@example.com", "Acme"], ["b@example.com", "Acme"]]
    )
    second = write_csv(
        tmp_path / "second.csv", [["Email", "Company"], ["b@example.com", "Initech"], ["c@example.com", "Initech"]]
    )
    ids = []
    for path in (first, second):  # one after the other: the second import is the later one on lead b
        imported = easycrm("import", str(path), "--json", "--data-dir", str(store))
        assert imported.returncode == 0, imported.stderr[-3000:]
        ids.append(json.loads(imported.stdout)[0]["uploadId"])
    first_id, second_id = ids

    undone = easycrm("undo", second_id, "--data-dir", str(store))
    assert undone.returncode == 0, undone.stderr[-3000:]
    assert undone.stdout.strip() == (f"second.csv ({second_id}): undone — 1 deleted, 1 restored, 0 conflicts, 0 failed")
    again = easycrm("undo", second_id, "--data-dir", str(store))
    assert again.returncode == 2 and "undone already" in again.stderr
    unknown = easycrm("undo", "0" * 32, "--data-dir", str(store))
    assert unknown.returncode == 2 and "no such upload" in unknown.stderr

    dump = tmp_path / "leads.json"
    undone = easycrm("undo", first_id, "--json", "--data-dir", str(store))
    assert json.loads(undone.stdout)["undo"] == {"deleted": 2, "restored": 0, "conflicts": 0, "failed": 0}
    empty = write_csv(tmp_path / "none.csv", [["Email"], ["not-an-email"]])
    listed = easycrm("import", str(empty), "--json", "--data-dir", str(store), "--dump-leads", str(dump))
    assert listed.returncode == 0 and json.loads(dump.read_text()) == []


def test_human_summary_and_missing_file(tmp_path):
    path = write_csv(tmp_path / "few.csv", [["Email", "Name"], ["a@example.com", "A"], ["nope", "B"]])
    result = easycrm("import", str(path))
    assert result.returncode == 0, result.stderr
    assert "few.csv: completed - 2 rows: 1 new, 0 merged, 1 rejected" in result.stdout
    missing = easycrm("import", str(tmp_path / "absent.csv"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr


@pytest.mark.parametrize(
    ("function", "event", "check"),
    [
        ("lead_splitter", "events/s3-object-created.json", lambda out: list(out["outcomes"].values()) == ["split"]),
        ("deepseek_caller", "events/sqs-lead-batch.json", lambda out: out == {"batchItemFailures": []}),
        ("file_upload", "events/api-post-upload.json", lambda out: out["statusCode"] == 201),
        ("status_reader", "events/api-get-status.json", lambda out: json.loads(out["body"])["progress"] == 0),
        ("upload_sweeper", "events/schedule-sweep.json", lambda out: out == {"closed": {}}),
        (
            "upload_sweeper",
            "events/sqs-split-failure.json",
            lambda out: out == {"closed": {"0f8fad5bd9cb469fa16570867728950e": "failed"}},
        ),
        # The sample's upload is seeded `uploading`: the plan is dropped, and the message handled.
        ("import_undoer", "events/sqs-undo-plan.json", lambda out: out == {"batchItemFailures": []}),
    ],
)
def test_invoke_runs_the_real_handler_with_a_sample_event(function, event, check):
    result = easycrm("invoke", function, event, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert check(json.loads(result.stdout)), result.stdout

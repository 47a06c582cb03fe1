"""The local engine keeps what it holds: a data directory survives a restart, an import the server was in
the middle of ends accounted, and the gateway serves requests side by side."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import subprocess
import threading
from pathlib import Path

import requests

from scripts.local_stack.gateway import Gateway
from scripts.local_stack.recovery import STOPPED_BEFORE_ARRIVAL, STOPPED_WHILE_IMPORTING
from scripts.local_stack.stack import LocalStack
from tests.e2e.conftest import REPO_ROOT, RunningApp, serve, wait_for
from tests.e2e.test_api_journey import upload_file
from tests.support.fake_llm import FakeLlmServer, Reply

FINAL = {"completed", "completed_with_errors", "failed", "cancelled"}
COUNTERS = ("created", "updated", "rejected", "failed", "cancelled")


def csv_file(path: Path, rows: int, label: str, bad_rows: int = 0) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Email", "Full Name", "Company"])
    writer.writerows([f"{label}{n}@example.com", f"Person {n}", f"Company {n % 7}"] for n in range(rows))
    writer.writerows([f"not-an-email-{n}", "Nobody", ""] for n in range(bad_rows))
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def accounted(upload: dict) -> bool:
    return upload["rows"] == sum(int(upload.get(counter, 0)) for counter in COUNTERS)


def sub_of(id_token: str) -> str:
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def uploads_by_id(app, headers: dict) -> dict[str, dict]:
    response = requests.get(app.api("/uploads"), headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return {upload["uploadId"]: upload for upload in response.json()["uploads"]}


def test_a_data_directory_keeps_leads_uploads_and_reports_across_restarts(tmp_path):
    data_dir = tmp_path / "data"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("EASYCRM_DEMO")}

    # `import --data-dir` adds to the store, as the demo user
    small = csv_file(tmp_path / "small.csv", rows=40, label="small", bad_rows=2)
    imported = subprocess.run(
        [str(REPO_ROOT / "scripts" / "easycrm"), "import", str(small), "--data-dir", str(data_dir), "--json"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    assert imported.returncode == 0, imported.stderr
    [summary] = json.loads(imported.stdout)
    assert (summary["status"], summary["rows"], summary["created"], summary["rejected"]) == ("completed", 42, 40, 2)
    assert "_aws" not in imported.stdout + imported.stderr  # summaries, not CloudWatch metric lines

    # first run: the import is there; a big upload is stopped halfway
    big = csv_file(tmp_path / "big.csv", rows=3000, label="big")
    with serve(data_dir, tmp_path / "first.log", environment) as app:
        tokens = app.sign_in(app.email, app.password)
        headers = {"Authorization": tokens["IdToken"]}
        first_sub = sub_of(tokens["IdToken"])
        uploads = uploads_by_id(app, headers)
        assert uploads[summary["uploadId"]]["created"] == 40
        report = requests.get(uploads[summary["uploadId"]]["rejectsUrl"], timeout=30)
        assert report.status_code == 200 and b"not-an-email-1" in report.content
        big_id = upload_file(app, headers, big)
        wait_for(
            lambda: uploads_by_id(app, headers)[big_id].get("completedBatches", 0) >= 3,
            timeout=120,
            what="the big upload under way",
        )

    # second run: the same identity sees the same history, and the stopped upload is settled
    with serve(data_dir, tmp_path / "second.log", environment) as app:
        assert app.password  # the data directory's own, printed again
        tokens = app.sign_in(app.email, app.password)
        headers = {"Authorization": tokens["IdToken"]}
        assert sub_of(tokens["IdToken"]) == first_sub
        uploads = uploads_by_id(app, headers)
        assert uploads[summary["uploadId"]]["rows"] == 42 and uploads[summary["uploadId"]]["created"] == 40
        again = requests.get(uploads[summary["uploadId"]]["rejectsUrl"], timeout=30)
        assert again.status_code == 200 and again.content == report.content
        settled = wait_for(
            lambda: (upload := uploads_by_id(app, headers)[big_id])["status"] in FINAL and upload,
            timeout=120,
            what="the stopped upload settled",
        )
        assert accounted(settled), settled
        if settled["status"] == "failed":  # else it had finished before the server stopped
            assert settled["error"] == STOPPED_WHILE_IMPORTING
            assert settled["failed"] > 0 and settled["created"] > 0
        leads = requests.get(app.api("/leads"), headers=headers, timeout=30).json()
        assert leads["pagination"]["totalCount"] == 40 + settled["created"]

        # one stack per data directory: another is refused in one line, not a traceback
        refused = subprocess.run(
            [str(REPO_ROOT / "scripts" / "easycrm"), "import", str(small), "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
        )
        assert refused.returncode == 2
        assert refused.stderr.strip().splitlines() == [
            f"easycrm: {data_dir} is in use by another `scripts/easycrm`; stop it, or pass another --data-dir"
        ]


def test_import_without_a_data_directory_leaves_nothing_behind(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    small = csv_file(tmp_path / "few.csv", rows=3, label="few")
    imported = subprocess.run(
        [str(REPO_ROOT / "scripts" / "easycrm"), "import", str(small), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
        timeout=600,
    )
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)[0]["created"] == 3
    assert list(scratch.iterdir()) == []


def test_a_restart_resumes_stored_files_and_closes_what_was_in_flight(tmp_path):
    """What a stopped run leaves behind, made directly in a data directory, then a start on it."""
    content = b"Email,Name\nresumed1@example.com,One\nresumed2@example.com,Two\n"
    with LocalStack(data_dir=tmp_path) as stack:
        from easycrm import wiring

        statuses, bucket = wiring.statuses(), wiring.files().bucket

        def upload(upload_id: str, stored: bool) -> None:
            key = f"uploads/{upload_id}/{upload_id}.csv"
            statuses.create(
                upload_id=upload_id, owner="someone", file_name=f"{upload_id}.csv", file_size=1, object_key=key
            )
            if stored:
                stack.client("s3").put_object(Bucket=bucket, Key=key, Body=content)

        upload("stored-not-read", stored=True)  # S3's event was lost with the server
        statuses.mark_uploaded("stored-not-read", len(content))
        upload("arrived-unnoticed", stored=True)
        upload("never-arrived", stored=False)
        upload("in-flight", stored=True)
        statuses.mark_uploaded("in-flight", 1)
        statuses.start_processing("in-flight", total_batches=4, rows=40, sheet_rows={}, warnings=[])

    with LocalStack(data_dir=tmp_path) as stack:
        from easycrm import wiring

        stack.start_workers()
        statuses = wiring.statuses()
        ids = ("stored-not-read", "arrived-unnoticed", "never-arrived", "in-flight")

        def all_final() -> dict | None:
            found = {upload_id: statuses.get(upload_id) for upload_id in ids}
            return found if all(record["status"] in FINAL for record in found.values()) else None

        records = wait_for(all_final, timeout=120, what="every left-over upload final")
    for upload_id in ("stored-not-read", "arrived-unnoticed"):
        assert (records[upload_id]["status"], records[upload_id]["rows"]) == ("completed", 2), records[upload_id]
    assert records["never-arrived"]["status"] == "failed"
    assert records["never-arrived"]["error"] == STOPPED_BEFORE_ARRIVAL
    in_flight = records["in-flight"]
    assert (in_flight["status"], in_flight["error"]) == ("failed", STOPPED_WHILE_IMPORTING)
    assert (in_flight["rows"], in_flight["failed"]) == (40, 40) and accounted(in_flight)


def test_the_gateway_serves_requests_side_by_side(tmp_path, monkeypatch):
    with FakeLlmServer(default=Reply.slow(2.0)) as llm:
        monkeypatch.setenv("LLM_PROVIDER", "deepseek")
        monkeypatch.setenv("DEEPSEEK_API_KEY", "test-key")
        monkeypatch.setenv("DEEPSEEK_BASE_URL", llm.base_url)
        with LocalStack() as stack:
            gateway = Gateway(stack, port=0).start()
            try:
                email, password = "side@example.com", "Side-by-side-1"
                stack.add_user(email, password)
                config = gateway.config()
                app = RunningApp(gateway.url, stack.endpoint("cognito-idp"), config, email, password)
                headers = app.headers(email, password)
                statuses = []

                def ask() -> None:
                    body = {"message": "How many leads are there?", "history": []}
                    response = requests.post(config["apiUrl"] + "/chatbot", headers=headers, json=body, timeout=120)
                    statuses.append(response.status_code)

                threads = [threading.Thread(target=ask) for _ in range(2)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            finally:
                gateway.stop()
        assert statuses == [200, 200]
        assert llm.most_in_flight == 2  # both questions were with the model at once

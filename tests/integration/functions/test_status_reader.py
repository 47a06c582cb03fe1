"""The status-reader handler against moto, on uploads driven through the real pipeline."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from scripts.local_stack.apigw import proxy_event
from tests.integration.conftest import OWNER, unique_email
from tests.integration.functions.test_pipeline_handlers import assert_accounted, csv_bytes, xlsx_bytes

ADMIN = {"sub": "admin-1", "email": "admin@example.com", "cognito:groups": "admins"}
STRANGER = {"sub": "stranger-1", "email": "stranger@example.com"}
STATUS, CANCEL, FORCE = "/status/{uploadId}", "/status/{uploadId}/cancel", "/status/{uploadId}/force-complete"
ROUTES = [("GET", STATUS), ("POST", CANCEL), ("POST", FORCE)]


def call(stack, method: str, resource: str, upload_id: str | None = None, *, claims=OWNER, query=None):
    """One request through the real handler, as API Gateway would deliver it; returns (status, body)."""
    path = resource.replace("{uploadId}", upload_id) if upload_id else resource
    event = proxy_event(
        method,
        path,
        claims=claims,
        query=query,
        resource=resource,
        path_parameters={"uploadId": upload_id} if upload_id else None,
    )
    response = stack.function("status_reader").invoke(event)
    return response["statusCode"], json.loads(response["body"])


def status_of(stack, upload_id: str, claims=OWNER) -> dict:
    code, body = call(stack, "GET", STATUS, upload_id, claims=claims)
    assert code == 200, body
    return body


def emails(count: int) -> list[list[str]]:
    return [["Email"]] + [[unique_email()] for _ in range(count)]


def split_in_order(pipeline, upload_id: str, file_name: str) -> list[dict]:
    pipeline.split(upload_id, file_name)
    return sorted(pipeline.receive(), key=lambda message: json.loads(message["Body"])["batchIndex"])


# GET /status/{uploadId} -------------------------------------------------------------------------


def test_finished_upload_shows_counts_progress_and_a_working_rejects_link(pipeline):
    rows = [["Name", "Email"], ["Ghost", "nobody-at-example"], ["Real", unique_email()], ["Also", unique_email()]]
    upload_id = pipeline.run("finished.csv", csv_bytes(rows))
    status = status_of(pipeline.stack, upload_id)
    assert (status["status"], status["progress"]) == ("completed", 100)
    assert (status["rows"], status["created"], status["rejected"]) == (3, 2, 1)
    assert_accounted(status)
    assert (status["uploadId"], status["fileName"], status["owner"]) == (upload_id, "finished.csv", OWNER["sub"])
    assert status["cancelRequested"] is False
    assert not {"objectKey", "doneBatches"} & set(status)
    report = requests.get(status["rejectsUrl"], timeout=30)
    assert report.status_code == 200
    text = report.content.decode("utf-8-sig")
    assert "nobody-at-example" in text and "Ghost" in text
    assert "Real" not in text


def test_progress_moves_between_0_and_100_while_batches_remain(pipeline):
    upload_id = pipeline.upload("halfway.csv", csv_bytes(emails(9)))
    assert status_of(pipeline.stack, upload_id)["progress"] == 0
    messages = split_in_order(pipeline, upload_id, "halfway.csv")
    pipeline.process(messages[:1])
    status = status_of(pipeline.stack, upload_id)
    assert status["status"] == "processing"
    assert 0 < status["progress"] < 100
    assert (status["completedBatches"], status["totalBatches"], status["created"]) == (1, 3, 3)
    assert "rejectsUrl" not in status
    pipeline.process(messages[1:])
    assert status_of(pipeline.stack, upload_id)["progress"] == 100
    pipeline.delete(messages)


def test_counts_are_shown_per_worksheet(pipeline):
    workbook = xlsx_bytes(
        {
            "Trade Show": [["Email"], [unique_email()], ["not-an-email"], [unique_email()]],
            "Webinar": [["E-mail Address"], [unique_email()]],
        }
    )
    upload_id = pipeline.run("sheets.xlsx", workbook)
    sheets = status_of(pipeline.stack, upload_id)["worksheets"]
    assert sheets == {
        "Trade Show": {"rows": 3, "created": 2, "updated": 0, "rejected": 1, "failed": 0, "cancelled": 0},
        "Webinar": {"rows": 1, "created": 1, "updated": 0, "rejected": 0, "failed": 0, "cancelled": 0},
    }


@pytest.mark.parametrize(("method", "resource"), ROUTES)
def test_another_users_upload_answers_like_a_missing_one(pipeline, method, resource):
    upload_id = pipeline.upload("private.csv", csv_bytes(emails(2)))
    foreign = call(pipeline.stack, method, resource, upload_id, claims=STRANGER)
    missing = call(pipeline.stack, method, resource, uuid.uuid4().hex, claims=STRANGER)
    assert foreign == missing
    assert foreign[0] == 404 and foreign[1]["error"]["code"] == "NOT_FOUND"
    assert status_of(pipeline.stack, upload_id)["cancelRequested"] is False  # nothing happened to it


def test_every_route_needs_a_signed_in_caller(pipeline):
    code, body = call(pipeline.stack, "GET", STATUS, uuid.uuid4().hex, claims=None)
    assert (code, body["error"]["code"]) == (401, "UNAUTHORIZED")


# POST /status/{uploadId}/cancel -----------------------------------------------------------------


def test_cancel_mid_way_skips_the_rest_and_a_second_cancel_is_refused(pipeline):
    upload_id = pipeline.upload("cancel.csv", csv_bytes(emails(9)))
    messages = split_in_order(pipeline, upload_id, "cancel.csv")
    pipeline.process(messages[:1])
    code, body = call(pipeline.stack, "POST", CANCEL, upload_id)
    assert code == 202
    assert (body["status"], body["cancelRequested"]) == ("processing", True)
    pipeline.process(messages[1:])
    status = status_of(pipeline.stack, upload_id)
    assert (status["status"], status["created"], status["cancelled"], status["progress"]) == ("cancelled", 3, 6, 100)
    assert_accounted(status)
    code, body = call(pipeline.stack, "POST", CANCEL, upload_id)
    assert (code, body["error"]["code"]) == (409, "CONFLICT")
    assert body["error"]["message"] == "This upload has already finished."
    pipeline.delete(messages)


def test_cancel_of_a_completed_upload_is_a_conflict(pipeline):
    upload_id = pipeline.run("done.csv", csv_bytes(emails(2)))
    code, body = call(pipeline.stack, "POST", CANCEL, upload_id)
    assert (code, body["error"]["code"]) == (409, "CONFLICT")
    assert status_of(pipeline.stack, upload_id)["status"] == "completed"


def test_cancel_before_the_file_arrives_ends_at_once_and_the_late_file_is_ignored(pipeline):
    content = csv_bytes(emails(4))
    started = pipeline.start_upload("late.csv", len(content))
    upload_id = started["uploadId"]
    code, body = call(pipeline.stack, "POST", CANCEL, upload_id)
    assert code == 202
    assert (body["status"], body["rows"], body["progress"]) == ("cancelled", 0, 100)
    assert_accounted(body)
    posted = requests.post(
        started["upload"]["url"], data=started["upload"]["fields"], files={"file": ("late.csv", content)}, timeout=30
    )
    assert posted.status_code in (200, 204)
    assert list(pipeline.split(upload_id, "late.csv")["outcomes"].values()) == ["duplicate"]
    assert pipeline.receive() == []
    assert status_of(pipeline.stack, upload_id)["status"] == "cancelled"


def test_cancel_while_the_file_is_being_read_ends_the_upload_at_once(pipeline, wiring):
    upload_id = pipeline.upload("splitting.csv", csv_bytes(emails(5)))
    wiring.statuses().mark_uploaded(upload_id, 100)  # the splitter has taken the file, no batch queued yet
    code, body = call(pipeline.stack, "POST", CANCEL, upload_id)
    assert (code, body["status"], body["rows"], body["progress"]) == (202, "cancelled", 0, 100)
    assert "nothing was imported" in body["error"]
    assert list(pipeline.split(upload_id, "splitting.csv")["outcomes"].values()) == ["duplicate"]
    assert pipeline.receive() == []


def test_a_splitter_that_loses_the_race_with_a_cancel_queues_nothing(pipeline, wiring, monkeypatch):
    """The cancel lands after the splitter started reading and before it recorded the totals."""
    from easycrm.importing.splitter import UploadSplitter

    upload_id = pipeline.upload("racing.csv", csv_bytes(emails(25)))
    read_file = UploadSplitter._spool_batches

    def read_then_cancel(splitter, *args):
        plan = read_file(splitter, *args)
        assert call(pipeline.stack, "POST", CANCEL, upload_id)[0] == 202
        return plan

    monkeypatch.setattr(UploadSplitter, "_spool_batches", read_then_cancel)
    assert list(pipeline.split(upload_id, "racing.csv")["outcomes"].values()) == ["closed_while_reading"]
    assert pipeline.receive() == []
    status = status_of(pipeline.stack, upload_id)
    assert (status["status"], status["rows"]) == ("cancelled", 0)
    assert_accounted(status)


# POST /status/{uploadId}/force-complete ---------------------------------------------------------


def test_owner_who_is_not_an_admin_may_not_force_complete(pipeline):
    upload_id = pipeline.upload("mine.csv", csv_bytes(emails(2)))
    code, body = call(pipeline.stack, "POST", FORCE, upload_id)
    assert (code, body["error"]["code"]) == (403, "FORBIDDEN")
    assert status_of(pipeline.stack, upload_id)["status"] == "uploading"


def test_admin_force_completes_a_stuck_upload_and_a_late_batch_changes_nothing(pipeline):
    workbook = xlsx_bytes(
        {
            "Trade Show": [["Email"], [unique_email()], ["not-an-email"], [unique_email()], [unique_email()]],
            "Webinar": [["Email"], [unique_email()], [unique_email()], [unique_email()]],
        }
    )
    upload_id = pipeline.upload("stuck.xlsx", workbook)
    messages = split_in_order(pipeline, upload_id, "stuck.xlsx")
    assert len(messages) == 3  # Trade Show 3 + 1 rows, Webinar 3 rows
    pipeline.process(messages[:1])  # the other two batches never get processed
    code, forced = call(pipeline.stack, "POST", FORCE, upload_id, claims=ADMIN)
    assert code == 200, forced
    assert (forced["status"], forced["progress"], forced["forcedBy"]) == ("completed_with_errors", 100, ADMIN["sub"])
    assert (forced["rows"], forced["created"], forced["rejected"], forced["failed"]) == (7, 2, 1, 4)
    assert forced["completedBatches"] == forced["totalBatches"] == 3
    assert forced["worksheets"]["Trade Show"]["failed"] == 1
    assert forced["worksheets"]["Webinar"]["failed"] == 3
    assert_accounted(forced)
    assert "not-an-email" in requests.get(forced["rejectsUrl"], timeout=30).content.decode("utf-8-sig")

    assert pipeline.process(messages[1:]) == {"batchItemFailures": []}  # late deliveries
    after = status_of(pipeline.stack, upload_id)
    assert {key: after[key] for key in forced if key not in ("rejectsUrl", "updatedAt")} == {
        key: forced[key] for key in forced if key not in ("rejectsUrl", "updatedAt")
    }
    code, body = call(pipeline.stack, "POST", FORCE, upload_id, claims=ADMIN)
    assert (code, body["error"]["code"]) == (409, "CONFLICT")
    pipeline.delete(messages)


def test_admin_force_complete_closes_an_upload_whose_file_never_arrived(pipeline):
    upload_id = pipeline.start_upload("never.csv", 100)["uploadId"]
    code, body = call(pipeline.stack, "POST", FORCE, upload_id, claims=ADMIN)
    assert code == 200
    assert (body["status"], body["rows"], body["forcedBy"]) == ("failed", 0, ADMIN["sub"])
    assert "never arrived" in body["error"]


def test_admin_force_completes_a_file_still_being_read_and_the_splitter_queues_nothing(pipeline, wiring):
    upload_id = pipeline.upload("reading.csv", csv_bytes(emails(2)))
    wiring.statuses().mark_uploaded(upload_id, 100)
    code, body = call(pipeline.stack, "POST", FORCE, upload_id, claims=ADMIN)
    assert (code, body["status"], body["rows"], body["forcedBy"]) == (200, "failed", 0, ADMIN["sub"])
    assert "while its file was being read" in body["error"]
    assert list(pipeline.split(upload_id, "reading.csv")["outcomes"].values()) == ["duplicate"]
    assert pipeline.receive() == []


# GET /uploads -----------------------------------------------------------------------------------


def test_uploads_are_the_callers_own_newest_first(pipeline):
    me = {"sub": f"lister-{uuid.uuid4().hex[:8]}", "email": "lister@example.com"}
    mine = [pipeline.start_upload(f"file-{number}.csv", 100, claims=me)["uploadId"] for number in range(3)]
    pipeline.start_upload("someone-else.csv", 100, claims=STRANGER)
    code, body = call(pipeline.stack, "GET", "/uploads", claims=me)
    assert code == 200
    assert [upload["uploadId"] for upload in body["uploads"]] == mine[::-1]
    assert all(upload["progress"] == 0 and upload["status"] == "uploading" for upload in body["uploads"])
    code, body = call(pipeline.stack, "GET", "/uploads", claims=me, query={"limit": "2"})
    assert [upload["uploadId"] for upload in body["uploads"]] == mine[:0:-1]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
def test_uploads_limit_must_be_between_1_and_100(pipeline, limit):
    code, body = call(pipeline.stack, "GET", "/uploads", query={"limit": limit})
    assert code == 400
    assert body["error"]["code"] == "INVALID_REQUEST"
    assert "limit" in body["error"]["message"]


def test_a_report_of_more_parts_than_one_listing_page_is_whole(stack, wiring):
    """S3 lists 1,000 keys a page: a report assembled from more parts follows the continuation token."""
    files = wiring.files()
    upload_id = f"many-parts-{uuid.uuid4().hex[:8]}"
    for part in range(1001):
        files.write_reject_part(upload_id, f"{part:08d}", [{"row": part + 2, "reason": "Rejected", "values": ""}])
    key = files.assemble_rejects_report(upload_id)
    report = stack.client("s3").get_object(Bucket=files.bucket, Key=key)["Body"].read().decode("utf-8-sig")
    assert len(report.splitlines()) == 1 + 1001

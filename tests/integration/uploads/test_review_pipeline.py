"""The review step through the real handlers against the embedded services, one step at a time: the
splitter proposes and waits, redelivered events change nothing, the confirmation (an S3 event for
`reviews/<uploadId>/confirmed.json`) queues batches that carry exactly the confirmed mapping, and the
sweeper cancels a review nobody answered.

The stack is shared by the whole session and confirmed mappings are remembered by header signature, so
every file here has a header of its own."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import requests
from easycrm.importing.dedup import lead_id_for

from scripts.local_stack.apigw import proxy_event
from tests.integration.conftest import OWNER, unique_email
from tests.integration.functions.test_pipeline_handlers import assert_accounted, csv_bytes
from tests.integration.functions.test_status_reader import status_of
from tests.integration.uploads.test_backstop import sweeper_at, updated_at

MAPPING = "/uploads/{uploadId}/mapping"


def tagged_rows(count: int) -> list[list[str]]:
    rows = [["Name", "EmailID", f"Internal code {uuid.uuid4().hex[:8]}"]]
    return rows + [[f"Person {number}", unique_email(f"person{number}"), f"X-{number}"] for number in range(count)]


def upload_for_review(pipeline, file_name: str, content: bytes) -> str:
    body = {"fileName": file_name, "fileSize": len(content), "contentType": "text/csv", "review": True}
    response = pipeline.stack.function("file_upload").invoke(proxy_event("POST", "/upload", body=body, claims=OWNER))
    started = json.loads(response["body"])
    assert response["statusCode"] == 201, started
    posted = requests.post(
        started["upload"]["url"], data=started["upload"]["fields"], files={"file": (file_name, content)}, timeout=30
    )
    assert posted.status_code in (200, 204), posted.text
    return started["uploadId"]


def mapping_call(pipeline, method: str, upload_id: str, body: object = None) -> tuple[int, dict]:
    event = proxy_event(
        method,
        MAPPING.replace("{uploadId}", upload_id),
        body=body,
        claims=OWNER,
        resource=MAPPING,
        path_parameters={"uploadId": upload_id},
    )
    response = pipeline.stack.function("status_reader").invoke(event)
    return response["statusCode"], json.loads(response["body"])


def confirmation_event(pipeline, upload_id: str) -> dict:
    event = pipeline.s3_event(upload_id, "unused")
    event["Records"][0]["s3"]["object"]["key"] = f"reviews/{upload_id}/confirmed.json"
    return event


def outcome(result: dict) -> str:
    [value] = result["outcomes"].values()
    return value


def test_the_file_is_read_once_for_review_and_split_once_with_the_confirmed_mapping(pipeline, wiring):
    rows = tagged_rows(5)
    upload_id = upload_for_review(pipeline, "review.csv", csv_bytes(rows))
    splitter = pipeline.stack.function("lead_splitter")

    assert outcome(pipeline.split(upload_id, "review.csv")) == "needs_review"
    assert pipeline.receive() == []
    assert status_of(pipeline.stack, upload_id)["status"] == "needs_review"
    assert outcome(pipeline.split(upload_id, "review.csv")) == "duplicate"  # S3 delivers an event twice at times
    assert outcome(splitter.invoke(confirmation_event(pipeline, upload_id))) == "ignored"  # nothing confirmed yet
    assert status_of(pipeline.stack, upload_id)["status"] == "needs_review"

    chosen = [{"index": 0, "field": "company"}, {"index": 2, "field": None}]
    choice = {"sheets": [{"worksheet": None, "columns": chosen}]}
    code, started = mapping_call(pipeline, "PUT", upload_id, choice)
    assert (code, started["status"]) == (202, "uploaded"), started
    confirmed = wiring.files().get_review_document(upload_id, "confirmed")
    columns = {"0": "company", "1": "email", "2": None}  # the proposal's email column, kept
    assert confirmed["sheets"] == [{"worksheet": "", "include": True, "columns": columns}]
    assert confirmed["confirmedBy"] == OWNER["sub"]
    assert outcome(pipeline.split(upload_id, "review.csv")) == "duplicate"  # the file's event: its mapping is chosen

    assert outcome(splitter.invoke(confirmation_event(pipeline, upload_id))) == "split"
    messages = sorted(pipeline.receive(), key=lambda message: json.loads(message["Body"])["batchIndex"])
    bodies = [json.loads(message["Body"]) for message in messages]
    assert [len(body["rows"]) for body in bodies] == [3, 2]  # BatchSize 3
    assert all(body["mapping"] == {"company": [0], "email": [1]} and body["dropped"] == [2] for body in bodies)
    assert outcome(splitter.invoke(confirmation_event(pipeline, upload_id))) == "duplicate"
    assert pipeline.receive() == []

    assert pipeline.process(messages) == {"batchItemFailures": []}
    pipeline.delete(messages)
    status = status_of(pipeline.stack, upload_id)
    assert (status["status"], status["rows"], status["created"]) == ("completed", 5, 5)
    assert_accounted(status)
    for name, email, code in rows[1:]:
        lead = wiring.leads().get(lead_id_for(f"email:{email}"))
        assert lead["company"] == name and "name" not in lead
        assert code not in lead.get("notes", "")
    code, again = mapping_call(pipeline, "PUT", upload_id, choice)
    assert (code, again["error"]["code"]) == (409, "CONFLICT")


def test_a_review_nobody_answers_is_cancelled_after_a_day(pipeline, wiring):
    from easycrm.uploads.sweeper import REVIEW_EXPIRED, REVIEW_WAIT

    upload_id = upload_for_review(pipeline, "forgotten.csv", csv_bytes(tagged_rows(4)))
    assert outcome(pipeline.split(upload_id, "forgotten.csv")) == "needs_review"
    waiting_since = updated_at(wiring, upload_id)

    early, _ = sweeper_at(wiring, waiting_since + REVIEW_WAIT - timedelta(seconds=1))
    assert upload_id not in early.sweep()
    assert status_of(pipeline.stack, upload_id)["status"] == "needs_review"

    late, _ = sweeper_at(wiring, waiting_since + REVIEW_WAIT + timedelta(seconds=1))
    assert late.sweep()[upload_id] == "cancelled"
    status = status_of(pipeline.stack, upload_id)
    assert (status["status"], status["rows"], status["progress"]) == ("cancelled", 0, 100)
    assert status["error"] == REVIEW_EXPIRED
    assert_accounted(status)
    code, body = mapping_call(pipeline, "PUT", upload_id, {"sheets": []})
    assert (code, body["error"]["code"]) == (409, "CONFLICT")
    assert pipeline.receive() == []

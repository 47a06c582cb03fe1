"""The sample events in events/ agree with template.yaml and the code that reads them."""

import json
import re
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from easycrm.adapters.file_store import UPLOAD_PREFIX, upload_id_from_key
from easycrm.importing.batch_message import BatchMessage
from easycrm.importing.spreadsheet import SUPPORTED_EXTENSIONS
from easycrm.settings import Settings
from easycrm.uploads.start import ACCEPTED_CONTENT_TYPES, clean_file_name

from scripts.local_stack.template import ACCOUNT_ID, REGION, Template

REPO_ROOT = Path(__file__).resolve().parents[2]
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


def load(name: str) -> dict:
    return json.loads((REPO_ROOT / "events" / name).read_text())


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(REPO_ROOT / "template.yaml")


def test_s3_event_names_the_upload_bucket_and_an_upload_key(template):
    (record,) = load("s3-object-created.json")["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"].startswith("ObjectCreated:")
    bucket = template.resolve(template.resources["UploadBucket"]["Properties"]["BucketName"])
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    key = unquote_plus(record["s3"]["object"]["key"])
    assert key.startswith(UPLOAD_PREFIX)
    upload_id = upload_id_from_key(key)
    assert upload_id and UPLOAD_ID.fullmatch(upload_id)
    file_name = key.split("/", 2)[2]
    assert clean_file_name(file_name) == file_name


def test_s3_event_bucket_is_what_the_functions_are_told(template):
    (record,) = load("s3-object-created.json")["Records"]
    variables = template.body["Globals"]["Function"]["Environment"]["Variables"]
    assert template.resolve(variables["UPLOAD_BUCKET"]) == record["s3"]["bucket"]["name"]


def test_sqs_event_comes_from_the_lead_processing_queue(template):
    (record,) = load("sqs-lead-batch.json")["Records"]
    assert record["eventSource"] == "aws:sqs"
    queue_name = template.resolve(template.resources["LeadProcessingQueue"]["Properties"]["QueueName"])
    assert record["eventSourceARN"] == f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}"
    assert record["awsRegion"] == REGION
    assert int(record["attributes"]["ApproximateReceiveCount"]) >= 1


def test_undo_event_comes_from_the_undo_queue_and_is_an_undo_plan(template):
    from easycrm.undo.messages import PLAN, UndoMessage

    (record,) = load("sqs-undo-plan.json")["Records"]
    queue_name = template.resolve(template.resources["UndoQueue"]["Properties"]["QueueName"])
    assert record["eventSourceARN"] == f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}"
    message = UndoMessage.from_body(json.loads(record["body"]))
    assert message.kind == PLAN and UPLOAD_ID.fullmatch(message.upload_id)


def test_sqs_event_body_is_a_valid_batch_message():
    (record,) = load("sqs-lead-batch.json")["Records"]
    message = BatchMessage.from_body(json.loads(record["body"]))
    assert UPLOAD_ID.fullmatch(message.upload_id)
    assert message.rows
    assert len(message.rows) <= Settings().batch_size
    assert "email" in message.mapping
    for columns in message.mapping.values():
        assert all(0 <= column < len(message.headers) for column in columns)
    for number, cells in message.rows:
        assert number >= 2  # row 1 holds the headers
        assert cells is None or len(cells) == len(message.headers)


def test_api_event_is_an_authorized_post_upload():
    event = load("api-post-upload.json")
    assert event["httpMethod"] == "POST"
    assert event["resource"] == event["path"] == "/upload"
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["sub"]
    assert not event["isBase64Encoded"]
    body = json.loads(event["body"])
    assert set(body) >= {"fileName", "fileSize", "contentType"}
    assert clean_file_name(body["fileName"]) == body["fileName"]
    assert "." + body["fileName"].rpartition(".")[2].lower() in SUPPORTED_EXTENSIONS
    assert isinstance(body["fileSize"], int) and 0 < body["fileSize"] <= Settings().max_upload_bytes
    assert body["contentType"] in ACCEPTED_CONTENT_TYPES


def test_every_function_has_a_sample_event_that_reaches_one_of_its_triggers(template):
    """events/ holds an event for every function, shaped like what its template trigger delivers."""
    events = [load(path.name) for path in sorted((REPO_ROOT / "events").glob("*.json"))]
    sources = {event["Records"][0]["eventSource"] for event in events if "Records" in event}
    routes = {(event.get("httpMethod"), event.get("resource")) for event in events}
    for logical_id, function in template.of_type("AWS::Serverless::Function").items():
        triggers = function["Properties"]["Events"].values()
        reached = [
            trigger
            for trigger in triggers
            if (
                trigger["Type"] == "Api"
                and (trigger["Properties"]["Method"].upper(), trigger["Properties"]["Path"]) in routes
            )
            or (trigger["Type"] in ("S3", "SQS") and f"aws:{trigger['Type'].lower()}" in sources)
            or (trigger["Type"] == "Schedule" and any(event.get("source") == "aws.events" for event in events))
        ]
        assert reached, f"events/ has no sample event for {logical_id}"


def test_chatbot_event_asks_a_question_as_a_signed_in_user():
    event = load("api-post-chatbot.json")
    assert (event["httpMethod"], event["resource"]) == ("POST", "/chatbot")
    assert event["requestContext"]["authorizer"]["claims"]["sub"]
    body = json.loads(event["body"])
    assert body["message"].strip() and body["history"] == []


def test_split_failure_event_is_the_record_lambda_sends_to_the_splitter_s_destination(template):
    (record,) = load("sqs-split-failure.json")["Records"]
    queue_name = template.resolve(template.resources["SplitFailuresQueue"]["Properties"]["QueueName"])
    assert record["eventSourceARN"] == f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}"
    destination = json.loads(record["body"])
    assert destination["requestContext"]["condition"] == "RetriesExhausted"
    assert destination["responseContext"]["functionError"] == "Unhandled"
    assert destination["requestPayload"] == load("s3-object-created.json")


def test_schedule_event_is_an_eventbridge_scheduled_event():
    event = load("schedule-sweep.json")
    assert (event["source"], event["detail-type"]) == ("aws.events", "Scheduled Event")

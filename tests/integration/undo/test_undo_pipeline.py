"""Undoing an import through the real handlers on the embedded services: POST /uploads/{id}/undo on the
status reader, then the undo queue worked by the import-undoer, batch by batch, redeliveries included.

The session's stack holds other tests' leads, so each test tags its emails and companies and compares
only its own leads, or compares the counter with what the table holds."""

from __future__ import annotations

import json
import uuid

import pytest

from scripts.local_stack.apigw import proxy_event
from tests.integration.conftest import OWNER
from tests.integration.functions.test_pipeline_handlers import csv_bytes
from tests.integration.functions.test_status_reader import ADMIN, STRANGER, call, status_of

UNDO = "/uploads/{uploadId}/undo"
HEADERS = ["Name", "Email", "Company", "Job Title", "Industry", "Lead Source"]


@pytest.fixture
def undo_queue(pipeline):
    sqs, url = pipeline.sqs, pipeline.stack.queues["UndoQueue"]
    sqs.purge_queue(QueueUrl=url)
    return UndoQueue(pipeline.stack, url)


class UndoQueue:
    """The undo queue, worked by the real import-undoer handler one message per invocation (BatchSize 1)."""

    def __init__(self, stack, url: str):
        self.stack, self.url, self.sqs = stack, url, stack.client("sqs")

    def receive(self) -> list[dict]:
        messages = []
        while batch := self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", []):
            messages.extend(batch)
        return messages

    def invoke(self, message: dict, receive_count: int = 1) -> dict:
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {**message.get("Attributes", {}), "ApproximateReceiveCount": str(receive_count)},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": self.stack.template.physical["UndoQueue"]["Arn"],
            "awsRegion": "us-east-1",
        }
        return self.stack.function("import_undoer").invoke({"Records": [record]})

    def drain(self) -> list[dict]:
        """Work every message until the queue is empty; every message handled, in the order received."""
        handled = []
        while messages := self.receive():
            for message in messages:
                assert self.invoke(message) == {"batchItemFailures": []}
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
                handled.append(message)
        return handled


def tagged(tag: str, label: str) -> str:
    return f"{label}.{tag}@example.com"


def undo(stack, upload_id: str, claims=OWNER) -> tuple[int, dict]:
    return call(stack, "POST", UNDO, upload_id, claims=claims)


def leads_with(stack, tag: str) -> dict[str, dict]:
    """This test's leads as GET /leads shows them (searched by the tag), by email."""
    event = proxy_event("GET", "/leads", claims=OWNER, query={"search": tag, "pageSize": "100"})
    body = json.loads(stack.function("lead_reader").invoke(event)["body"])
    return {lead["email"]: lead for lead in body["leads"]}


def full_leads(stack, tag: str) -> dict[str, dict]:
    """Each lead of the test read whole (GET /leads/{leadId}), without `updatedAt`'s moment of writing."""
    found = {}
    for email, lead in leads_with(stack, tag).items():
        event = proxy_event(
            "GET",
            f"/leads/{lead['leadId']}",
            claims=OWNER,
            resource="/leads/{leadId}",
            path_parameters={"leadId": lead["leadId"]},
        )
        found[email] = json.loads(stack.function("lead_reader").invoke(event)["body"])
    return found


def lead_count(stack) -> int:
    event = proxy_event("GET", "/leads", claims=OWNER, query={"pageSize": "1"})
    return json.loads(stack.function("lead_reader").invoke(event)["body"])["pagination"]["totalCount"]


def file_a(tag: str) -> bytes:
    return csv_bytes(
        [
            HEADERS,
            ["Ann Archer", tagged(tag, "ann"), f"Acme {tag}", "Buyer", "Retail", "Webinar"],
            ["Ben Baker", tagged(tag, "ben"), f"Acme {tag}", "", "", "Webinar"],
            ["Cleo Cole", tagged(tag, "cleo"), f"Globex {tag}", "CTO", "Technology", "Trade Show"],
            ["Nobody", "not-an-email", "", "", "", ""],
        ]
    )


def file_b(tag: str) -> bytes:
    """Overlaps A: Ann moves company and title, Ben gets a title (a field A left empty), Cleo is repeated
    unchanged, and Dan is new."""
    return csv_bytes(
        [
            HEADERS,
            ["Ann Archer", tagged(tag, "ann"), f"Initech {tag}", "Head of Buying", "Retail", "Webinar"],
            ["Ben Baker", tagged(tag, "ben"), f"Acme {tag}", "Engineer", "", "Webinar"],
            ["Cleo Cole", tagged(tag, "cleo"), f"Globex {tag}", "CTO", "Technology", "Trade Show"],
            ["Dan Dunn", tagged(tag, "dan"), f"Initech {tag}", "", "", "Referral"],
        ]
    )


def run_undo(pipeline, undo_queue, upload_id: str, claims=OWNER) -> dict:
    code, body = undo(pipeline.stack, upload_id, claims)
    assert code == 202, body
    assert body["status"] == "undoing"
    undo_queue.drain()
    return status_of(pipeline.stack, upload_id, ADMIN)


def test_undo_after_create_only_deletes_every_lead_it_created_and_keeps_the_report(pipeline, undo_queue):
    tag = uuid.uuid4().hex[:8]
    before = lead_count(pipeline.stack)
    upload_id = pipeline.run("a.csv", file_a(tag))
    assert lead_count(pipeline.stack) == before + 3
    status = run_undo(pipeline, undo_queue, upload_id)
    assert status["status"] == "undone"
    assert {key: status["undo"][key] for key in ("deleted", "restored", "conflicts", "failed", "progress")} == {
        "deleted": 3,
        "restored": 0,
        "conflicts": 0,
        "failed": 0,
        "progress": 100,
    }
    assert status["undo"]["requestedBy"] == OWNER["email"] and status["undo"]["finishedAt"]
    assert (status["rows"], status["created"], status["rejected"]) == (4, 3, 1)  # the import's account stays
    assert status["rejectsUrl"]  # and so does its rejected-rows report
    assert leads_with(pipeline.stack, tag) == {}
    assert lead_count(pipeline.stack) == before


def test_undo_of_an_overlapping_import_gives_back_exactly_the_leads_of_the_first(pipeline, undo_queue):
    tag = uuid.uuid4().hex[:8]
    first = pipeline.run("a.csv", file_a(tag))
    after_first = full_leads(pipeline.stack, tag)
    count_after_first = lead_count(pipeline.stack)
    second = pipeline.run("b.csv", file_b(tag))
    changed = full_leads(pipeline.stack, tag)
    assert changed[tagged(tag, "ann")]["company"] == f"Initech {tag}"
    assert changed[tagged(tag, "ben")]["title"] == "Engineer"

    status = run_undo(pipeline, undo_queue, second)
    assert (status["undo"]["deleted"], status["undo"]["restored"], status["undo"]["conflicts"]) == (1, 3, 0)
    assert full_leads(pipeline.stack, tag) == after_first  # values, sources, uploads, provenance, updatedAt
    assert lead_count(pipeline.stack) == count_after_first

    status = run_undo(pipeline, undo_queue, first)
    assert (status["undo"]["deleted"], status["undo"]["restored"], status["undo"]["conflicts"]) == (3, 0, 0)
    assert leads_with(pipeline.stack, tag) == {}
    history = {upload["uploadId"]: upload for upload in _team_history(pipeline.stack)}
    assert history[first]["status"] == history[second]["status"] == "undone"


def test_undoing_the_first_of_two_imports_keeps_what_the_later_one_changed_and_counts_conflicts(pipeline, undo_queue):
    tag = uuid.uuid4().hex[:8]
    first = pipeline.run("a.csv", file_a(tag))
    second = pipeline.run("b.csv", file_b(tag))
    after_second = full_leads(pipeline.stack, tag)

    status = run_undo(pipeline, undo_queue, first)
    # Ann's company and title were changed again by B: B's values stay (one lead with conflicts). Ben and
    # Cleo keep what B supplied too; only A's own rows leave them.
    assert (status["undo"]["deleted"], status["undo"]["conflicts"]) == (0, 1)
    assert status["undo"]["restored"] == 2
    leads = full_leads(pipeline.stack, tag)
    assert set(leads) == set(after_second)
    ann, ben = leads[tagged(tag, "ann")], leads[tagged(tag, "ben")]
    assert (ann["company"], ann["title"], ann["industry"]) == (f"Initech {tag}", "Head of Buying", "Retail")
    assert (ben["company"], ben["title"], ben["source"]) == (f"Acme {tag}", "Engineer", "Webinar")
    assert {source["uploadId"] for lead in leads.values() for source in lead["sources"]} == {second}
    assert all(lead["uploadId"] == second for lead in leads.values())  # provenance moved to B's rows

    status = run_undo(pipeline, undo_queue, second)
    assert status["undo"]["deleted"] == 4
    assert leads_with(pipeline.stack, tag) == {}


def test_a_field_a_later_import_changed_keeps_the_later_value_when_the_earlier_import_is_undone(pipeline, undo_queue):
    tag = uuid.uuid4().hex[:8]
    base = pipeline.run(
        "base.csv", csv_bytes([HEADERS, ["Eve Ek", tagged(tag, "eve"), f"Old {tag}", "Intern", "", ""]])
    )
    middle = pipeline.run(
        "m.csv", csv_bytes([HEADERS, ["Eve Ek", tagged(tag, "eve"), f"Mid {tag}", "Analyst", "", ""]])
    )
    late = pipeline.run("late.csv", csv_bytes([HEADERS, ["Eve Ek", tagged(tag, "eve"), f"Late {tag}", "", "", ""]]))

    status = run_undo(pipeline, undo_queue, middle)
    assert (status["undo"]["restored"], status["undo"]["conflicts"]) == (0, 1)
    eve = full_leads(pipeline.stack, tag)[tagged(tag, "eve")]
    assert eve["company"] == f"Late {tag}"  # changed again later: kept
    assert eve["title"] == "Intern"  # only the undone import changed it: back to the base import's value
    assert {source["uploadId"] for source in eve["sources"]} == {base, late}


def test_undo_twice_and_undo_of_an_unfinished_upload_are_conflicts(pipeline, undo_queue):
    tag = uuid.uuid4().hex[:8]
    upload_id = pipeline.run("a.csv", file_a(tag))
    assert run_undo(pipeline, undo_queue, upload_id)["status"] == "undone"
    code, body = undo(pipeline.stack, upload_id)
    assert (code, body["error"]["code"]) == (409, "CONFLICT")
    assert "undone already" in body["error"]["message"]

    waiting = pipeline.start_upload("never.csv", 100)["uploadId"]
    code, body = undo(pipeline.stack, waiting)
    assert (code, body["error"]["code"]) == (409, "CONFLICT")
    assert "not finished" in body["error"]["message"]


def test_another_users_upload_is_not_found_but_an_admin_may_undo_it(pipeline, undo_queue):
    tag = uuid.uuid4().hex[:8]
    upload_id = pipeline.run("a.csv", file_a(tag))
    code, body = undo(pipeline.stack, upload_id, STRANGER)
    assert (code, body["error"]["code"]) == (404, "NOT_FOUND")
    assert status_of(pipeline.stack, upload_id)["status"] == "completed"
    assert status_of(pipeline.stack, upload_id)["canUndo"] is True

    status = run_undo(pipeline, undo_queue, upload_id, ADMIN)
    assert status["status"] == "undone"
    assert status["undo"]["requestedBy"] == ADMIN["email"]
    assert leads_with(pipeline.stack, tag) == {}


def test_redelivered_undo_messages_change_and_count_nothing_twice(pipeline, undo_queue, stack):
    tag = uuid.uuid4().hex[:8]
    rows = [HEADERS] + [[f"P {n}", tagged(tag, f"p{n}"), f"Co {tag}", "", "", ""] for n in range(250)]
    first = pipeline.run("many.csv", csv_bytes(rows[:121]))  # p0..p119
    later = [[f"P {n}", tagged(tag, f"p{n}"), f"New {tag}", "", "", ""] for n in range(100, 250)]
    second = pipeline.run("more.csv", csv_bytes([HEADERS, *later]))  # p100..p249: 20 of them were A's
    before = lead_count(stack)
    code, _ = undo(stack, second)
    assert code == 202
    [plan] = undo_queue.receive()
    assert undo_queue.invoke(plan) == {"batchItemFailures": []}
    assert undo_queue.invoke(plan, receive_count=2) == {"batchItemFailures": []}  # the plan, redelivered
    batches = undo_queue.receive()
    # 150 leads in batches of 100, sent twice by the two deliveries of the plan
    assert sorted(json.loads(message["Body"])["batchIndex"] for message in batches) == [0, 0, 1, 1]
    for message in batches:
        assert undo_queue.invoke(message) == {"batchItemFailures": []}
    for message in batches[:2]:
        assert undo_queue.invoke(message, receive_count=2) == {"batchItemFailures": []}
    status = status_of(stack, second)
    assert status["status"] == "undone"
    assert (status["undo"]["deleted"], status["undo"]["restored"], status["undo"]["conflicts"]) == (130, 20, 0)
    assert lead_count(stack) == before - 130
    shown = full_leads(stack, tag).values()  # a page of 100 of the 120 left
    assert len(shown) == 100
    assert all(lead["company"] == f"Co {tag}" and lead["uploadId"] == first for lead in shown)


def test_a_batch_out_of_retries_counts_its_leads_as_failed_and_the_undo_still_ends(
    pipeline, undo_queue, stack, monkeypatch
):
    tag = uuid.uuid4().hex[:8]
    upload_id = pipeline.run("a.csv", file_a(tag))
    code, _ = undo(stack, upload_id)
    assert code == 202
    [plan] = undo_queue.receive()
    undo_queue.invoke(plan)
    [batch] = undo_queue.receive()
    from easycrm.adapters import lead_repository

    def broken(*args, **kwargs):
        raise RuntimeError("the table is unreachable")

    monkeypatch.setattr(lead_repository.LeadRepository, "revert_upload", broken)
    result = undo_queue.invoke(batch, receive_count=3)
    assert result["batchItemFailures"]  # SQS moves it to the DLQ
    status = status_of(stack, upload_id)
    assert status["status"] == "undone"
    assert (status["undo"]["failed"], status["undo"]["deleted"]) == (3, 0)


def _team_history(stack) -> list[dict]:
    code, body = call(stack, "GET", "/uploads", claims=STRANGER, query={"scope": "team", "limit": "100"})
    assert code == 200, body
    return body["uploads"]


def test_the_team_history_lists_everyones_imports_with_who_and_counts_but_acts_only_for_owners(pipeline):
    tag = uuid.uuid4().hex[:8]
    upload_id = pipeline.run("mine.csv", file_a(tag))
    [entry] = [upload for upload in _team_history(pipeline.stack) if upload["uploadId"] == upload_id]
    assert (entry["ownerEmail"], entry["fileName"], entry["status"]) == (OWNER["email"], "mine.csv", "completed")
    assert (entry["rows"], entry["created"], entry["rejected"]) == (4, 3, 1)
    assert entry["canUndo"] is False and "rejectsUrl" not in entry  # the stranger may see, not act
    code, body = call(pipeline.stack, "GET", "/uploads", claims=STRANGER, query={"scope": "everyone"})
    assert (code, body["error"]["code"]) == (400, "INVALID_SCOPE")
    code, body = call(pipeline.stack, "GET", "/uploads", claims=STRANGER)
    assert code == 200 and upload_id not in {upload["uploadId"] for upload in body["uploads"]}

"""Asking for an undo and working it through the undo queue, on fakes: who may, from which states, the
plan and its batches, redeliveries, and batches out of retries."""

from __future__ import annotations

import pytest
from easycrm.errors import Conflict, NotFound
from easycrm.undo.messages import BATCH, PLAN, UndoMessage
from easycrm.undo.worker import LEADS_PER_BATCH
from easycrm.uploads.states import UploadState

from tests.support.fake_pipeline import ADMIN, OWNER, STRANGER, FakePipeline, csv_bytes, emails


@pytest.fixture
def pipeline() -> FakePipeline:
    return FakePipeline.build(batch_size=50)


def test_an_undo_deletes_what_the_import_created_and_the_upload_ends_undone(pipeline):
    record = pipeline.run("a.csv", csv_bytes(emails(250)))
    assert pipeline.leads.lead_count == 250
    undone = pipeline.undo(record["uploadId"])
    assert undone["status"] == "undone"
    assert {name: undone["undo"][name] for name in ("deleted", "restored", "conflicts", "failed")} == {
        "deleted": 250,
        "restored": 0,
        "conflicts": 0,
        "failed": 0,
    }
    assert undone["undoBatches"] == -(-250 // LEADS_PER_BATCH) == undone["undoCompletedBatches"]
    assert pipeline.leads.lead_count == 0 and pipeline.leads.leads == []
    assert (undone["rows"], undone["created"]) == (250, 250)  # the import's own account stays


def test_the_view_says_who_may_undo_and_how_far_the_undo_is(pipeline):
    upload_id = pipeline.run("a.csv", csv_bytes(emails(3)))["uploadId"]
    assert pipeline.status.get(OWNER, upload_id)["canUndo"] is True
    assert pipeline.status.get(ADMIN, upload_id)["canUndo"] is True
    [seen_by_stranger] = [view for view in pipeline.status.list_uploads(STRANGER, 10, "team")]
    assert seen_by_stranger["canUndo"] is False
    pipeline.undo_requests.request(OWNER, upload_id)
    view = pipeline.status.get(OWNER, upload_id)
    assert (view["status"], view["canUndo"], view["undo"]["progress"]) == ("undoing", False, 0)
    assert "from" not in view["undo"]
    pipeline.work_undo_queue()
    view = pipeline.status.get(OWNER, upload_id)
    assert (view["status"], view["undo"]["progress"], view["progress"]) == ("undone", 100, 100)


@pytest.mark.parametrize("caller", [STRANGER])
def test_another_users_upload_is_not_found(pipeline, caller):
    upload_id = pipeline.run("a.csv", csv_bytes(emails(2)))["uploadId"]
    with pytest.raises(NotFound):
        pipeline.undo_requests.request(caller, upload_id)
    with pytest.raises(NotFound):
        pipeline.undo_requests.request(OWNER, "no-such-upload")
    assert pipeline.undo(upload_id, ADMIN)["undo"]["requestedBy"] == ADMIN.email


def test_only_an_import_that_ended_can_be_undone_and_only_once(pipeline):
    waiting = pipeline.start("never.csv")
    with pytest.raises(Conflict, match="not finished"):
        pipeline.undo_requests.request(OWNER, waiting)
    upload_id = pipeline.run("a.csv", csv_bytes(emails(2)))["uploadId"]
    pipeline.undo_requests.request(OWNER, upload_id)
    with pytest.raises(Conflict, match="being undone already"):
        pipeline.undo_requests.request(OWNER, upload_id)
    pipeline.work_undo_queue()
    with pytest.raises(Conflict, match="undone already"):
        pipeline.undo_requests.request(ADMIN, upload_id)


def test_a_failed_import_with_nothing_imported_has_nothing_to_undo(pipeline):
    upload_id = pipeline.upload("broken.xlsx", b"not a workbook")
    pipeline.split(upload_id)
    assert pipeline.record(upload_id)["status"] == "failed"
    with pytest.raises(Conflict, match="nothing to undo"):
        pipeline.undo_requests.request(OWNER, upload_id)


def test_an_import_older_than_the_undo_window_is_refused(pipeline):
    upload_id = pipeline.run("a.csv", csv_bytes(emails(2)))["uploadId"]
    pipeline.clock.advance(days=pipeline.settings.undo_window_days + 1)
    assert pipeline.status.get(OWNER, upload_id)["canUndo"] is False
    with pytest.raises(Conflict, match="can be undone for 30 days"):
        pipeline.undo_requests.request(OWNER, upload_id)


def test_a_cancelled_import_is_undone_too(pipeline):
    upload_id = pipeline.upload("a.csv", csv_bytes(emails(120)))
    pipeline.split(upload_id)
    [first, *rest] = pipeline.receive()
    pipeline.deliver([first])
    pipeline.status.cancel(OWNER, upload_id)
    pipeline.deliver(rest)
    assert pipeline.record(upload_id)["status"] == "cancelled"
    assert pipeline.undo(upload_id)["undo"]["deleted"] == 50


def test_a_redelivered_plan_sends_the_same_batches_and_each_batch_counts_once(pipeline):
    upload_id = pipeline.run("a.csv", csv_bytes(emails(150)))["uploadId"]
    pipeline.undo_requests.request(OWNER, upload_id)
    [plan] = pipeline.undo_queue.receive()
    pipeline.undoer.handle(UndoMessage.from_body(plan))
    pipeline.undoer.handle(UndoMessage.from_body(plan))  # delivered again
    batches = [UndoMessage.from_body(body) for body in pipeline.undo_queue.receive()]
    assert [(message.kind, message.batch_index) for message in batches] == [(BATCH, 0), (BATCH, 1)] * 2
    assert batches[0].lead_ids == batches[2].lead_ids
    pipeline.undoer.handle(batches[0])
    pipeline.undoer.handle(batches[2])  # the same batch again: its leads are done, its count is refused
    assert pipeline.record(upload_id)["undo"]["deleted"] == 100
    pipeline.undoer.handle(batches[1])
    record = pipeline.record(upload_id)
    assert (record["status"], record["undo"]["deleted"]) == ("undone", 150)
    pipeline.undoer.handle(batches[3])  # after the end: dropped
    assert pipeline.record(upload_id)["undo"]["deleted"] == 150


def test_a_batch_that_ran_half_way_before_its_redelivery_counts_every_lead_once(pipeline):
    first = pipeline.run("a.csv", csv_bytes(emails(3)))["uploadId"]
    rows = [["Email", "Company"], *[[row[0], "New"] for row in emails(4)[1:]]]  # three of a's, one new
    second = pipeline.run("b.csv", csv_bytes(rows))["uploadId"]
    pipeline.undo_requests.request(OWNER, second)
    [plan] = pipeline.undo_queue.receive()
    pipeline.undoer.handle(UndoMessage.from_body(plan))
    [batch] = [UndoMessage.from_body(body) for body in pipeline.undo_queue.receive()]
    pipeline.leads.revert_upload(second, batch.lead_ids[:2])  # the first delivery died after two leads
    pipeline.undoer.handle(batch)
    record = pipeline.record(second)
    assert (record["undo"]["deleted"], record["undo"]["restored"]) == (1, 3)
    assert all(lead["uploadId"] == first and "company" not in lead for lead in pipeline.leads.leads)


def test_batches_out_of_retries_count_their_leads_as_failed_and_the_undo_ends(pipeline):
    upload_id = pipeline.run("a.csv", csv_bytes(emails(3)))["uploadId"]
    pipeline.undo_requests.request(OWNER, upload_id)
    [plan] = [UndoMessage.from_body(body) for body in pipeline.undo_queue.receive()]
    pipeline.undoer.handle(plan)
    [batch] = [UndoMessage.from_body(body) for body in pipeline.undo_queue.receive()]
    pipeline.undoer.account_as_failed(batch)
    record = pipeline.record(upload_id)
    assert (record["status"], record["undo"]["failed"], record["undo"]["deleted"]) == ("undone", 3, 0)


def test_a_plan_out_of_retries_puts_the_upload_back_with_the_reason_so_it_can_be_asked_again(pipeline):
    upload_id = pipeline.run("a.csv", csv_bytes(emails(3)))["uploadId"]
    pipeline.undo_requests.request(OWNER, upload_id)
    [plan] = [UndoMessage.from_body(body) for body in pipeline.undo_queue.receive()]
    assert plan.kind == PLAN
    pipeline.undoer.account_as_failed(plan)
    record = pipeline.record(upload_id)
    assert record["status"] == "completed"
    assert "could not be listed" in record["undo"]["error"]
    assert pipeline.undo(upload_id)["status"] == "undone"


def test_an_undo_that_cannot_be_queued_is_withdrawn_and_said(pipeline, monkeypatch):
    upload_id = pipeline.run("a.csv", csv_bytes(emails(2)))["uploadId"]

    def refused() -> None:
        raise RuntimeError("SQS is unreachable")

    monkeypatch.setattr(pipeline.undo_queue, "flush", refused)
    with pytest.raises(RuntimeError):
        pipeline.undo_requests.request(OWNER, upload_id)
    record = pipeline.record(upload_id)
    assert record["status"] == "completed" and "could not be queued" in record["undo"]["error"]


def test_an_import_with_no_lead_left_is_undone_at_once(pipeline):
    upload_id = pipeline.run("rejects.csv", csv_bytes([["Email"], ["not-an-email"]]))["uploadId"]
    record = pipeline.undo(upload_id)
    assert (record["status"], record["undoBatches"], record["undo"]["deleted"]) == ("undone", 0, 0)


def test_an_undo_whose_messages_were_lost_is_resumed_by_the_sweeper_and_finishes_once(pipeline):
    upload_id = pipeline.run("a.csv", csv_bytes(emails(150)))["uploadId"]
    pipeline.undo_requests.request(OWNER, upload_id)
    [plan] = [UndoMessage.from_body(body) for body in pipeline.undo_queue.receive()]
    pipeline.undoer.handle(plan)
    first, _lost = [UndoMessage.from_body(body) for body in pipeline.undo_queue.receive()]
    pipeline.undoer.handle(first)  # the other batch is lost with the queue
    assert pipeline.sweeper().sweep() == {}
    assert pipeline.undo_queue.receive() == []  # not stalled yet: nothing resent
    pipeline.clock.advance(pipeline.bounds().undo)
    assert pipeline.sweeper().sweep() == {}  # an undo is resumed, never closed
    assert pipeline.sweeper().sweep() == {}  # and only once while it moves again
    [resent] = [UndoMessage.from_body(body) for body in pipeline.undo_queue.receive()]
    assert resent.kind == PLAN
    pipeline.undoer.handle(resent)
    pipeline.work_undo_queue()
    record = pipeline.record(upload_id)
    assert (record["status"], record["undo"]["deleted"], record["undoCompletedBatches"]) == ("undone", 150, 2)
    assert "openKey" not in pipeline.statuses.items[upload_id]


def test_a_failed_import_that_stored_leads_can_be_undone(pipeline):
    """A local restart closes an import mid-way as `failed`, keeping what its batches stored."""
    upload_id = pipeline.upload("a.csv", csv_bytes(emails(120)))
    pipeline.split(upload_id)
    [first, *_lost] = pipeline.receive()
    pipeline.deliver([first])
    record = pipeline.record(upload_id)
    closed = pipeline.accounting.close(record, closed_by="test", why="stopped", ends_as=UploadState.FAILED)
    assert closed is not None and (closed["status"], closed["created"]) == ("failed", 50)
    assert pipeline.status.get(OWNER, upload_id)["canUndo"] is True
    assert pipeline.undo(upload_id)["undo"]["deleted"] == 50
    assert pipeline.leads.lead_count == 0

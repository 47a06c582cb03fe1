"""UploadSplitter on the in-memory fakes: real files in, batches queued, totals recorded, or a clear failure."""

from __future__ import annotations

import json

import pytest
from easycrm.adapters.batch_queue import MAX_MESSAGE_BYTES
from easycrm.importing.splitter import NO_DATA_MESSAGE, UploadSplitter
from easycrm.observability import metrics
from easycrm.uploads.service import CANCELLED_BEFORE_READING

from tests.support.fake_pipeline import OWNER, FakePipeline, assert_accounted, csv_bytes, emails
from tests.support.hostile_files import damaged_second_sheet_xlsx
from tests.support.workbooks import write_xlsx

COUNTERS_ZERO = {"created": 0, "updated": 0, "rejected": 0, "failed": 0, "cancelled": 0}


@pytest.fixture(autouse=True)
def _metrics_cleared():
    yield
    metrics.clear_metrics()


@pytest.fixture
def pipeline() -> FakePipeline:
    return FakePipeline.build(batch_size=3)


def test_a_csv_is_queued_in_batches_of_batch_size_with_the_mapping_and_its_totals(pipeline):
    upload_id = pipeline.upload(
        "seven.csv", csv_bytes([["Name", "Email"]] + [[f"P{i}", f"p{i}@x.test"] for i in range(7)])
    )
    assert pipeline.split(upload_id) == "split"

    bodies = [json.loads(text) for text in pipeline.queue.messages]
    assert [body["batchIndex"] for body in bodies] == [0, 1, 2]
    assert [len(body["rows"]) for body in bodies] == [3, 3, 1]
    assert [row[0] for body in bodies for row in body["rows"]] == [2, 3, 4, 5, 6, 7, 8]  # sheet row numbers
    assert [body["mapping"] for body in bodies] == [{"name": [0], "email": [1]}] * 3
    assert all(body["headers"] == ["Name", "Email"] and body["worksheet"] is None for body in bodies)
    assert pipeline.queue.requests == [["b0", "b1", "b2"]]  # one SendMessageBatch

    record = pipeline.record(upload_id)
    assert (record["status"], record["totalBatches"], record["rows"], record["completedBatches"]) == (
        "processing",
        3,
        7,
        0,
    )
    assert record["fileSize"] == len(pipeline.files.objects[pipeline.key(upload_id)])
    assert record["worksheets"] == {}  # a CSV file has no worksheets


def test_every_worksheet_with_data_is_queued_and_counted_and_batch_indexes_run_on(pipeline, tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "Trade Show": [["Email", "Name"], ["a@x.test", "A"], ["b@x.test", "B"]],
            "Empty": [],
            "Headers Only": [["Email", "Name"]],
            "Webinar": [["E-mail Address"], ["c@x.test"], [None], ["d@x.test"], ["e@x.test"], ["f@x.test"]],
        },
    )
    upload_id = pipeline.upload(path.name, path.read_bytes())
    assert pipeline.split(upload_id) == "split"

    bodies = [json.loads(text) for text in pipeline.queue.messages]
    assert [(body["batchIndex"], body["worksheet"], len(body["rows"])) for body in bodies] == [
        (0, "Trade Show", 2),
        (1, "Webinar", 3),
        (2, "Webinar", 1),
    ]
    record = pipeline.record(upload_id)
    assert (record["totalBatches"], record["rows"]) == (3, 6)
    assert record["worksheets"] == {"Trade Show": {"rows": 2, **COUNTERS_ZERO}, "Webinar": {"rows": 4, **COUNTERS_ZERO}}


def test_the_same_s3_event_twice_splits_the_file_once(pipeline):
    upload_id = pipeline.upload("twice.csv", csv_bytes(emails(4)))
    assert pipeline.split(upload_id) == "split"
    before = pipeline.record(upload_id)
    assert pipeline.split(upload_id) == "duplicate"
    assert len(pipeline.queue.messages) == 2
    assert pipeline.record(upload_id) == before


def test_a_redelivered_event_after_the_upload_finished_is_a_duplicate_too(pipeline):
    record = pipeline.run("done.csv", csv_bytes(emails(2)))
    assert record["status"] == "completed"
    assert pipeline.split(record["uploadId"]) == "duplicate"
    assert pipeline.queue.messages == []


@pytest.mark.parametrize(
    ("file_name", "content", "outcome", "message"),
    [
        ("renamed.xlsx", b"Name,Email\nA,a@example.com\n", "unreadable", "This file is not a valid Excel workbook."),
        ("empty.csv", b"", "unreadable", "This file is empty."),
        ("only-headers.csv", b"Name,Email\n", "empty", NO_DATA_MESSAGE),
        ("leads.pdf", b"%PDF-1.7", "unreadable", "'.pdf' files are not supported."),
    ],
)
def test_a_file_that_cannot_be_imported_fails_with_a_reason_and_zero_rows(
    pipeline, file_name, content, outcome, message
):
    upload_id = pipeline.statuses.create(
        upload_id="u-bad", owner=OWNER.sub, file_name=file_name, file_size=1, object_key=f"uploads/u-bad/{file_name}"
    )["uploadId"]
    pipeline.files.put(f"uploads/u-bad/{file_name}", content)
    assert pipeline.split(upload_id) == outcome

    record = pipeline.record(upload_id)
    assert record["status"] == "failed"
    assert record["error"].startswith(message)
    assert (record["rows"], record["completedBatches"], "totalBatches" in record) == (0, 0, False)
    assert_accounted(record)
    assert pipeline.queue.messages == []
    assert pipeline.statuses.open_uploads("9999") == []  # final: the sweeper has nothing left to do


def test_a_damaged_second_worksheet_fails_the_whole_file_and_queues_nothing(pipeline, tmp_path):
    path = damaged_second_sheet_xlsx(tmp_path / "two sheets.xlsx")
    upload_id = pipeline.upload(path.name, path.read_bytes())
    assert pipeline.split(upload_id) == "unreadable"
    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"], record["created"]) == ("failed", 0, 0)
    assert "worksheet 'Cut Short' is damaged" in record["error"]
    assert pipeline.queue.messages == []


def test_a_reader_crash_fails_the_file_with_the_damaged_file_message(pipeline, monkeypatch):
    upload_id = pipeline.upload("crash.csv", csv_bytes(emails(3)))

    def crash(*args, **kwargs):
        raise RecursionError("deep")

    monkeypatch.setattr("easycrm.importing.splitter.open_sheets", crash)
    assert pipeline.split(upload_id) == "unreadable"
    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"]) == ("failed", 0)
    assert record["error"].startswith("This file could not be read")


def test_a_file_over_the_size_limit_fails_even_though_it_arrived():
    pipeline = FakePipeline.build(max_upload_mb=1)
    upload_id = pipeline.upload("big.csv", b"Email\n")
    pipeline.files.put(pipeline.key(upload_id), b"Email\n" + b"x@example.com\n" * 80_000)  # ~1.1 MB
    assert pipeline.split(upload_id) == "too_large"
    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"]) == ("failed", 0)
    assert "1 MB" in record["error"]
    assert pipeline.queue.messages == []


@pytest.mark.parametrize("key", ["uploads/no-such-upload/x.csv", "reports/u1/parts/0.csv", "uploads/only-an-id"])
def test_an_object_without_an_upload_record_is_ignored(pipeline, key):
    assert pipeline.splitter().split(key) == "ignored"
    assert pipeline.queue.messages == []


def test_a_cancel_while_the_file_is_read_wins_and_the_splitter_queues_nothing(pipeline, monkeypatch):
    upload_id = pipeline.upload("racing.csv", csv_bytes(emails(25)))
    read_file = UploadSplitter._spool_batches

    def read_then_cancel(splitter, *args):
        plan = read_file(splitter, *args)
        pipeline.status.cancel(OWNER, upload_id)  # `uploaded`, no totals yet: it closes at once
        return plan

    monkeypatch.setattr(UploadSplitter, "_spool_batches", read_then_cancel)
    assert pipeline.split(upload_id) == "closed_while_reading"
    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"], record["error"]) == ("cancelled", 0, CANCELLED_BEFORE_READING)
    assert "totalBatches" not in record
    assert pipeline.queue.messages == []


def test_a_cancel_right_after_the_totals_were_recorded_closes_the_upload_with_every_row_cancelled(pipeline):
    upload_id = pipeline.upload("stopped.csv", csv_bytes(emails(7)))
    start_processing = pipeline.statuses.start_processing

    def start_then_cancel(*args, **kwargs):
        started = start_processing(*args, **kwargs)
        pipeline.statuses.request_cancel(upload_id)
        return started

    pipeline.statuses.start_processing = start_then_cancel  # type: ignore[method-assign]
    assert pipeline.split(upload_id) == "split"
    assert pipeline.queue.messages == []
    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"], record["cancelled"], record["unsentRows"]) == ("cancelled", 7, 7, 7)
    assert record["totalBatches"] == record["completedBatches"] == 0
    assert_accounted(record)


def test_a_cancel_during_sending_stops_it_and_the_unsent_rows_are_cancelled_once():
    pipeline = FakePipeline.build(batch_size=1)
    upload_id = pipeline.upload("long.csv", csv_bytes(emails(60)))
    add = pipeline.queue.add

    def add_then_cancel(message_id, text):
        add(message_id, text)
        if message_id == "b30":
            pipeline.statuses.request_cancel(upload_id)

    pipeline.queue.add = add_then_cancel  # type: ignore[method-assign]
    pipeline.split(upload_id)
    messages = pipeline.receive()
    assert [message.batch_index for message in messages] == list(range(50))  # checked every 25 batches

    record = pipeline.record(upload_id)
    assert (record["totalBatches"], record["unsentRows"], record["cancelled"]) == (50, 10, 10)
    pipeline.deliver(messages)
    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"], record["cancelled"], record["created"]) == ("cancelled", 60, 60, 0)
    assert record["completedBatches"] == 50
    assert_accounted(record)


def test_a_cancel_during_sending_counts_the_unsent_rows_per_worksheet(tmp_path):
    pipeline = FakePipeline.build(batch_size=1)
    rows = [[f"p{number}@x.test"] for number in range(30)]
    path = write_xlsx(tmp_path / "sheets.xlsx", {"First": [["Email"], *rows[:26]], "Second": [["Email"], *rows[26:]]})
    upload_id = pipeline.upload(path.name, path.read_bytes())
    add = pipeline.queue.add

    def add_then_cancel(message_id, text):
        add(message_id, text)
        if message_id == "b0":
            pipeline.statuses.request_cancel(upload_id)

    pipeline.queue.add = add_then_cancel  # type: ignore[method-assign]
    pipeline.split(upload_id)
    messages = pipeline.receive()
    assert len(messages) == 25
    sheets = pipeline.record(upload_id)["worksheets"]
    assert (sheets["First"]["cancelled"], sheets["First"]["unsentRows"]) == (1, 1)
    assert (sheets["Second"]["cancelled"], sheets["Second"]["unsentRows"]) == (4, 4)

    pipeline.deliver(messages)
    record = pipeline.record(upload_id)
    assert (record["status"], record["cancelled"]) == ("cancelled", 30)
    assert record["worksheets"]["First"]["cancelled"] == 26 and record["worksheets"]["Second"]["cancelled"] == 4
    assert_accounted(record)


def test_a_batch_wider_than_a_message_travels_through_the_file_store(pipeline):
    headers = [f"Q{number}: how likely are you to recommend us? " + "x" * 160 for number in range(700)] + ["Email"]
    rows = [headers] + [["Somewhat likely, it depends " * 2] * 700 + [f"wide{row}@x.test"] for row in range(6)]
    upload_id = pipeline.upload("survey.csv", csv_bytes(rows))
    assert pipeline.split(upload_id) == "split"

    assert all(len(text.encode()) <= MAX_MESSAGE_BYTES for text in pipeline.queue.messages)
    pointers = [json.loads(text) for text in pipeline.queue.messages if "bodyKey" in json.loads(text)]
    assert pointers and all(pointer["bodyKey"] in pipeline.files.objects for pointer in pointers)
    pipeline.deliver(pipeline.receive())
    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"], record["created"]) == ("completed", 6, 6)

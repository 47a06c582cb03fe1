"""BatchImporter on the in-memory fakes: rows become leads, and every batch is accounted exactly once."""

from __future__ import annotations

import pytest
from easycrm.errors import LlmBalanceExhausted, LlmUnavailable
from easycrm.importing.batch_message import OVERSIZED_ROW_REASON, BatchMessage
from easycrm.importing.importer import INTERNAL_ERROR_REASON
from easycrm.observability import metrics

from tests.support.fake_pipeline import FakePipeline, assert_accounted, csv_bytes, emails
from tests.support.fakes import FakeLanguageModel

OUT_OF_RETRIES = "Processing failed after 3 attempts"


@pytest.fixture(autouse=True)
def _metrics_cleared():
    yield
    metrics.clear_metrics()


@pytest.fixture
def pipeline() -> FakePipeline:
    return FakePipeline.build(batch_size=3)


def split(pipeline: FakePipeline, file_name: str, rows: list[list[str]]) -> tuple[str, list[BatchMessage]]:
    upload_id = pipeline.upload(file_name, csv_bytes(rows))
    assert pipeline.split(upload_id) == "split"
    return upload_id, pipeline.receive()


def test_rows_become_clean_deduplicated_leads_and_the_last_batch_completes_the_upload(pipeline):
    rows = [
        ["Full Name", "E-mail Address", "Mobile", "Country"],
        ["DOE, JANE", "  JANE@EXAMPLE.COM ", "(415) 555-0134", "USA"],
        ["max mustermann", "max@example.de", "030 1234567", "Germany"],
        ["Nobody", "not-an-email", "", ""],
        ["Jane Doe", "jane@example.com", "", ""],
    ]
    record = pipeline.run("people.csv", csv_bytes(rows))

    assert record["status"] == "completed"
    assert (record["rows"], record["created"], record["updated"], record["rejected"]) == (4, 2, 1, 1)
    assert (record["completedBatches"], record["totalBatches"]) == (2, 2)
    assert_accounted(record)
    jane = pipeline.leads.by_email("jane@example.com")
    assert (jane["name"], jane["phone"]) == ("Jane Doe", "+14155550134")
    assert [source["row"] for source in jane["sources"]] == [2, 5]
    assert pipeline.leads.by_email("max@example.de")["phone"] == "+49301234567"
    assert pipeline.leads.lead_count == 2

    [reject] = pipeline.report(record["uploadId"])
    assert (reject["row"], reject["worksheet"]) == ("4", "")
    assert reject["reason"].startswith("No valid email or phone")
    assert "E-mail Address: not-an-email" in reject["values"] and "Full Name: Nobody" in reject["values"]


def test_a_redelivered_batch_is_imported_again_but_counted_once(pipeline):
    upload_id, messages = split(pipeline, "redeliver.csv", emails(5))
    pipeline.importer.process(messages[0])
    after_first = pipeline.record(upload_id)

    pipeline.importer.process(messages[0])  # SQS delivers it again
    assert len(pipeline.leads.merged) == 6  # its three rows were merged twice...
    assert pipeline.ledger.refused == [(upload_id, 0)]  # ...and the ledger turned the second count away
    assert pipeline.record(upload_id) == after_first
    assert (after_first["created"], after_first["completedBatches"]) == (3, 1)

    pipeline.importer.process(messages[1])
    record = pipeline.record(upload_id)
    assert (record["status"], record["created"], record["updated"], record["completedBatches"]) == (
        "completed",
        5,
        0,
        2,
    )
    assert pipeline.leads.lead_count == 5
    assert all(len(lead["sources"]) == 1 for lead in pipeline.leads.leads)


def test_a_redelivered_last_batch_does_not_finish_the_upload_twice(pipeline):
    upload_id, messages = split(pipeline, "twice.csv", emails(2))
    pipeline.deliver(messages)
    finished = pipeline.record(upload_id)
    pipeline.clock.advance(minutes=5)
    pipeline.deliver(messages)
    assert pipeline.record(upload_id) == finished


def test_rows_seen_in_an_earlier_upload_are_updated_not_created(pipeline):
    pipeline.run("first.csv", csv_bytes(emails(3)))
    record = pipeline.run("second.csv", csv_bytes(emails(4)))
    assert (record["created"], record["updated"], record["status"]) == (1, 3, "completed")
    lead = pipeline.leads.by_email("person1@example.com")
    assert len(lead["sources"]) == 2 and len(lead["uploadIds"]) == 2


def test_a_batch_out_of_retries_counts_its_rows_as_failed_and_lists_them_in_the_report_parts(pipeline):
    upload_id, messages = split(pipeline, "doomed.csv", emails(4))
    pipeline.importer.process(messages[0])
    pipeline.importer.account_as_failed(messages[1], OUT_OF_RETRIES)

    record = pipeline.record(upload_id)
    assert (record["status"], record["created"], record["failed"], record["rows"]) == ("completed_with_errors", 3, 1, 4)
    assert_accounted(record)
    [part] = pipeline.files.keys(f"reports/{upload_id}/parts/")
    assert part.endswith("/00000001.csv")
    text = pipeline.files.objects[part].decode()
    assert f"5,{OUT_OF_RETRIES},Email: person4@example.com" in text


def test_a_batch_whose_leads_cannot_be_stored_is_not_counted_until_a_delivery_succeeds(pipeline):
    upload_id, messages = split(pipeline, "broken.csv", emails(2))
    pipeline.leads.merge_error = RuntimeError("the table is gone")
    with pytest.raises(RuntimeError):
        pipeline.importer.process(messages[0])
    assert pipeline.ledger.counted(upload_id) == set()
    assert pipeline.record(upload_id)["completedBatches"] == 0

    pipeline.leads.merge_error = None
    pipeline.importer.process(messages[0])  # the next delivery
    record = pipeline.record(upload_id)
    assert (record["status"], record["created"]) == ("completed", 2)


def test_a_batch_of_a_cancelled_upload_counts_its_rows_as_cancelled_and_stores_nothing(pipeline):
    upload_id, messages = split(pipeline, "cancel.csv", emails(9))
    pipeline.importer.process(messages[0])
    assert pipeline.statuses.request_cancel(upload_id) is not None
    pipeline.deliver(messages[1:])

    record = pipeline.record(upload_id)
    assert (record["status"], record["created"], record["cancelled"], record["rows"]) == ("cancelled", 3, 6, 9)
    assert_accounted(record)
    assert len(pipeline.leads.leads) == 3


def test_a_batch_of_a_final_upload_changes_nothing(pipeline):
    upload_id, messages = split(pipeline, "late.csv", emails(6))
    pipeline.importer.process(messages[0])
    record = pipeline.record(upload_id)
    closed = pipeline.accounting.close(record, closed_by="admin-1", why="Forced.")
    assert closed is not None and closed["status"] == "completed_with_errors"

    pipeline.importer.process(messages[1])  # arrives after the close
    assert pipeline.record(upload_id) == closed
    assert len(pipeline.leads.leads) == 3  # its rows were not imported
    assert pipeline.ledger.counted(upload_id) == {0, 1}  # counted as cancelled in the ledger, never mirrored


def test_a_batch_for_an_unknown_upload_is_dropped():
    pipeline = FakePipeline.build()
    message = BatchMessage("no-such-upload", 0, "x.csv", None, ["Email"], {"email": [0]}, [(2, ["a@x.test"])])
    pipeline.importer.process(message)
    assert pipeline.leads.leads == [] and pipeline.ledger.shards == {} and pipeline.statuses.items == {}


def test_an_oversized_row_is_rejected_and_reported_without_its_values(pipeline):
    upload_id = pipeline.upload("wide.csv", csv_bytes(emails(1)))
    pipeline.split(upload_id)
    [message] = pipeline.receive()
    oversized = BatchMessage(upload_id, 0, "wide.csv", None, ["Email"], {"email": [0]}, [(2, ["a@x.test"]), (3, None)])
    assert message.rows == [(2, ["person1@example.com"])]
    pipeline.statuses.items[upload_id]["rows"] = 2  # as if the splitter had seen the oversized row too

    pipeline.importer.process(oversized)
    record = pipeline.record(upload_id)
    assert (record["status"], record["created"], record["rejected"]) == ("completed", 1, 1)
    [reject] = pipeline.report(upload_id)
    assert (reject["row"], reject["reason"], reject["values"]) == ("3", OVERSIZED_ROW_REASON, "")


def test_a_row_the_rules_crash_on_is_failed_and_the_others_are_imported(pipeline, monkeypatch):
    from easycrm.importing import importer

    standardize = importer.standardize_row

    def crash_on_person2(values, **kwargs):
        if values.get("email") == "person2@example.com":
            raise ValueError("boom")
        return standardize(values, **kwargs)

    monkeypatch.setattr(importer, "standardize_row", crash_on_person2)
    record = pipeline.run("crash.csv", csv_bytes(emails(3)))
    assert (record["status"], record["created"], record["failed"]) == ("completed_with_errors", 2, 1)
    assert_accounted(record)
    [part] = pipeline.files.keys(f"reports/{record['uploadId']}/parts/")
    assert f"3,{INTERNAL_ERROR_REASON}" in pipeline.files.objects[part].decode()


def test_a_batch_kept_in_the_file_store_is_read_from_it(pipeline):
    message = BatchMessage("u1", 7, "x.csv", None, ["Email"], {"email": [0]}, [(2, ["a@x.test"])])
    key = pipeline.files.put_batch_body("u1", 7, message.to_body())
    assert pipeline.importer.read_message(BatchMessage.pointer("u1", 7, key)) == message
    assert pipeline.importer.read_message(message.to_body()) == message


# the language model ---------------------------------------------------------------------------------


def polished(document: dict) -> dict:
    """A careful model: every value in title case, the industry one of the list."""
    if document["field"] == "industry":
        return {"values": ["Technology"] * len(document["values"])}
    return {"values": [value.title() for value in document["values"]]}


def test_the_model_improves_distinct_values_and_never_sees_contact_fields():
    llm = FakeLanguageModel([polished] * 3)
    pipeline = FakePipeline.build(batch_size=50, llm=llm)
    rows = [
        ["Name", "Email", "Phone", "Company", "Title", "Industry"],
        ["ada lovelace", "ada@example.com", "(415) 555-0199", "acme inc", "vp sales", "software dev"],
        ["alan turing", "alan@example.com", "(415) 555-0198", "ACME INC", "vp sales", "software dev"],
    ]
    pipeline.run("llm.csv", csv_bytes(rows))
    for email in ("ada@example.com", "alan@example.com"):
        lead = pipeline.leads.by_email(email)
        assert (lead["company"], lead["title"], lead["industry"]) == ("Acme Inc", "Vp Sales", "Technology")
    assert pipeline.leads.by_email("ada@example.com")["phone"] == "+14155550199"
    assert sorted(request["field"] for request in llm.requests) == ["company", "industry", "title"]
    assert [request["values"] for request in llm.requests if request["field"] == "company"] == [["acme inc"]]
    assert "ada@example.com" not in str(llm.requests) and "555" not in str(llm.requests)


def test_values_are_resolved_before_the_batches_are_queued_and_a_batch_never_calls_the_model():
    llm = FakeLanguageModel([polished] * 3)
    pipeline = FakePipeline.build(batch_size=2, llm=llm)
    upload_id = pipeline.upload(
        "many.csv", csv_bytes([["Email", "Company"]] + [[f"p{n}@x.test", "acme"] for n in range(9)])
    )
    pipeline.split(upload_id)
    asked = len(llm.requests)
    assert asked == 1
    pipeline.deliver(pipeline.receive())
    assert len(llm.requests) == asked
    assert pipeline.leads.by_email("p8@x.test")["company"] == "Acme"


def test_an_exhausted_balance_is_shown_on_the_upload_and_the_rules_import_every_row():
    llm = FakeLanguageModel([LlmBalanceExhausted("The AI service balance is exhausted (HTTP 402).")])
    pipeline = FakePipeline.build(batch_size=25, llm=llm)
    record = pipeline.run(
        "broke.csv", csv_bytes([["Email", "Company"]] + [[f"p{n}@x.test", "acme"] for n in range(27)])
    )
    assert (record["status"], record["created"]) == ("completed", 27)
    assert "balance" in record["llmError"]
    assert pipeline.leads.by_email("p0@x.test")["company"] == "acme"


def test_a_model_that_is_unavailable_leaves_the_rule_values_and_is_asked_again_next_time():
    llm = FakeLanguageModel([LlmUnavailable("The AI service is unavailable.")])
    pipeline = FakePipeline.build(batch_size=50, llm=llm)
    rows = [["Email", "Company"], ["ada@example.com", "acme inc"]]
    record = pipeline.run("flaky.csv", csv_bytes(rows))
    assert record["created"] == 1
    assert record["llmError"].startswith("The AI service failed 1 of 1 requests")  # said on the upload
    assert pipeline.leads.by_email("ada@example.com")["company"] == "acme inc"  # the rule value

    llm.script.append(polished)
    pipeline.run("again.csv", csv_bytes(rows))  # not an error the upload remembers: the model is asked again
    assert len(llm.requests) == 2
    assert pipeline.leads.by_email("ada@example.com")["company"] == "Acme Inc"
    pipeline.run("third.csv", csv_bytes(rows))  # cached: no call
    assert len(llm.requests) == 2

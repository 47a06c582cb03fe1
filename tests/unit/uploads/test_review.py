"""The review of a mapping (uploads.review, the splitter's review path, the sweeper's expiry) on the
in-memory fakes: propose, show, confirm, remember, and every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from easycrm.errors import Conflict, InvalidInput, NotFound
from easycrm.uploads.sweeper import REVIEW_EXPIRED, REVIEW_WAIT

from tests.support.fake_pipeline import OWNER, STRANGER, FakePipeline, assert_accounted, csv_bytes
from tests.support.workbooks import write_xlsx

ROWS = [["Name", "EmailID", "Internal code"]] + [
    [f"Person {number}", f"person{number}@example.com", f"X-{number}"] for number in range(1, 6)
]


@pytest.fixture
def pipeline() -> FakePipeline:
    return FakePipeline.build(batch_size=2)


def awaiting_review(pipeline: FakePipeline, rows=ROWS, name: str = "people.csv") -> str:
    upload_id = pipeline.upload(name, csv_bytes(rows), review=True)
    assert pipeline.split(upload_id) == "needs_review"
    return upload_id


def test_a_reviewed_upload_waits_with_its_proposal_and_queues_nothing(pipeline):
    upload_id = awaiting_review(pipeline)
    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"], record["review"]) == ("needs_review", 0, True)
    assert pipeline.status.get(OWNER, upload_id)["progress"] == 0
    assert pipeline.queue.messages == []

    shown = pipeline.review.show(OWNER, upload_id)
    assert shown["uploadId"] == upload_id and "email" in shown["fields"]
    [sheet] = shown["sheets"]
    assert (sheet["worksheet"], sheet["headerRow"], sheet["include"], sheet["rows"]) == (None, 1, True, 5)
    columns = {column["header"]: column for column in sheet["columns"]}
    assert (columns["EmailID"]["field"], columns["EmailID"]["reason"]) == ("email", "content")
    assert columns["EmailID"]["samples"][:2] == ["person1@example.com", "person2@example.com"]
    assert columns["Name"]["field"] == "name"


def test_the_import_runs_with_exactly_the_confirmed_mapping(pipeline):
    upload_id = awaiting_review(pipeline)
    choice = {
        "sheets": [{"worksheet": None, "columns": [{"index": 0, "field": "company"}, {"index": 2, "field": None}]}]
    }
    started = pipeline.review.confirm(OWNER, upload_id, choice)
    assert (started["status"], started["mappingConfirmed"]) == ("uploaded", True)
    assert pipeline.split_confirmed(upload_id) == "split"
    pipeline.deliver(pipeline.receive())

    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"], record["created"]) == ("completed", 5, 5)
    lead = pipeline.leads.by_email("person1@example.com")
    assert lead["company"] == "Person 1" and "name" not in lead
    assert "X-1" not in lead.get("notes", "")  # "don't import": not even into the notes


def test_a_confirmed_mapping_is_remembered_for_the_same_headers(pipeline):
    upload_id = awaiting_review(pipeline)
    pipeline.review.confirm(OWNER, upload_id, {"sheets": [{"worksheet": "", "columns": [{"index": 2, "field": None}]}]})
    later = pipeline.upload("next-week.csv", csv_bytes(ROWS), owner=STRANGER, review=True)  # the whole team
    assert pipeline.split(later) == "needs_review"
    columns = pipeline.review.show(STRANGER, later)["sheets"][0]["columns"]
    assert [(column["field"], column["reason"]) for column in columns] == [
        ("name", "saved"),
        ("email", "saved"),
        (None, "saved"),
    ]
    straight = pipeline.run("no-review.csv", csv_bytes(ROWS))  # used without a review too
    assert straight["status"] == "completed"
    assert "X-1" not in pipeline.leads.by_email("person1@example.com").get("notes", "")


def test_an_excluded_sheet_counts_nothing(pipeline, tmp_path):
    path = write_xlsx(tmp_path / "two.xlsx", {"Leads": ROWS, "Archive": ROWS[:3]})
    upload_id = pipeline.upload("two.xlsx", path.read_bytes(), review=True)
    assert pipeline.split(upload_id) == "needs_review"
    assert [sheet["rows"] for sheet in pipeline.review.show(OWNER, upload_id)["sheets"]] == [5, 2]
    pipeline.review.confirm(OWNER, upload_id, {"sheets": [{"worksheet": "Archive", "include": False}]})
    pipeline.split_confirmed(upload_id)
    pipeline.deliver(pipeline.receive())
    record = pipeline.record(upload_id)
    assert (record["status"], record["rows"], list(record["worksheets"])) == ("completed", 5, ["Leads"])
    assert_accounted(record)


@pytest.mark.parametrize(
    ("choice", "code"),
    [
        ({"sheets": [{"worksheet": None, "columns": [{"index": 1, "field": "emailAddress"}]}]}, "UNKNOWN_FIELD"),
        ({"sheets": [{"worksheet": "Nope"}]}, "UNKNOWN_WORKSHEET"),
        ({"sheets": [{"worksheet": None, "columns": [{"index": 9, "field": "email"}]}]}, "UNKNOWN_COLUMN"),
        ({"sheets": [{"worksheet": None}, {"worksheet": ""}]}, "DUPLICATE_WORKSHEET"),
        ({"sheets": [{"worksheet": None, "include": False}]}, "NOTHING_INCLUDED"),
    ],
)
def test_a_bad_confirmation_is_refused_and_changes_nothing(pipeline, choice, code):
    upload_id = awaiting_review(pipeline)
    with pytest.raises(InvalidInput) as refused:
        pipeline.review.confirm(OWNER, upload_id, choice)
    assert refused.value.code == code
    assert pipeline.record(upload_id)["status"] == "needs_review"
    assert pipeline.saved_mappings.items == {}


def test_another_users_upload_is_not_found(pipeline):
    upload_id = awaiting_review(pipeline)
    with pytest.raises(NotFound):
        pipeline.review.show(STRANGER, upload_id)
    with pytest.raises(NotFound):
        pipeline.review.confirm(STRANGER, upload_id, {"sheets": []})


def test_conflicts_before_the_proposal_and_after_the_confirmation(pipeline):
    upload_id = pipeline.upload("people.csv", csv_bytes(ROWS), review=True)
    with pytest.raises(Conflict):
        pipeline.review.show(OWNER, upload_id)  # the file is not read yet
    with pytest.raises(Conflict):
        pipeline.review.confirm(OWNER, upload_id, {"sheets": []})
    pipeline.split(upload_id)
    pipeline.review.confirm(OWNER, upload_id, {"sheets": []})
    with pytest.raises(Conflict):
        pipeline.review.confirm(OWNER, upload_id, {"sheets": []})  # only once
    assert pipeline.review.show(OWNER, upload_id)["status"] == "uploaded"  # still shown after


def test_an_upload_without_review_has_no_mapping_to_show(pipeline):
    record = pipeline.run("people.csv", csv_bytes(ROWS))
    with pytest.raises(Conflict):
        pipeline.review.show(OWNER, record["uploadId"])


def test_redelivered_events_neither_ask_twice_nor_split_twice(pipeline):
    upload_id = awaiting_review(pipeline)
    assert pipeline.split(upload_id) == "duplicate"
    pipeline.review.confirm(OWNER, upload_id, {"sheets": []})
    assert pipeline.split(upload_id) == "duplicate"  # the file's event again, after the confirmation
    assert pipeline.split_confirmed(upload_id) == "split"
    assert pipeline.split_confirmed(upload_id) == "duplicate"


def test_cancel_works_while_the_review_waits(pipeline):
    upload_id = awaiting_review(pipeline)
    cancelled = pipeline.status.cancel(OWNER, upload_id)
    assert (cancelled["status"], cancelled["rows"]) == ("cancelled", 0)
    assert_accounted(pipeline.record(upload_id))
    with pytest.raises(Conflict):
        pipeline.review.confirm(OWNER, upload_id, {"sheets": []})


def test_a_review_left_unanswered_for_a_day_ends_cancelled(pipeline):
    upload_id = awaiting_review(pipeline)
    pipeline.clock.advance(REVIEW_WAIT - timedelta(minutes=1))
    assert pipeline.sweeper().sweep() == {}
    pipeline.clock.advance(timedelta(minutes=2))
    assert pipeline.sweeper().sweep() == {upload_id: "cancelled"}
    record = pipeline.record(upload_id)
    assert (record["error"], record["rows"]) == (REVIEW_EXPIRED, 0)
    assert_accounted(record)


def test_a_damaged_file_fails_at_once_instead_of_waiting_for_a_review(pipeline):
    upload_id = pipeline.upload("broken.xlsx", b"PK\x03\x04 not really a workbook", review=True)
    assert pipeline.split(upload_id) == "unreadable"
    assert pipeline.record(upload_id)["status"] == "failed"

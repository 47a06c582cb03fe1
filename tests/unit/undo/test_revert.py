"""What an import records on each lead and what undoing it gives back, on the in-memory lead store (the
same plan_merge and plan_revert the repository applies, applied to dicts)."""

from __future__ import annotations

import pytest
from easycrm.importing.dedup import SourceRef, dedup_key, lead_id_for
from easycrm.undo.revert import LeadOutcome

from tests.support.fakes import FakeLeadStore

EMAIL = "ann@example.com"
KEY = f"email:{EMAIL}"


def merge(store: FakeLeadStore, upload_id: str, row: int = 2, **fields: str) -> bool:
    lead = {"email": EMAIL, **fields}
    [created] = store.merge_rows([(dedup_key(lead), lead, SourceRef(upload_id, f"{upload_id}.csv", None, row))])
    return created


def undo(store: FakeLeadStore, upload_id: str) -> LeadOutcome:
    [outcome] = store.revert_upload(upload_id, [lead_id_for(KEY)])
    return outcome


def lead(store: FakeLeadStore) -> dict | None:
    return store.by_email(EMAIL)


def fields(store: FakeLeadStore) -> dict:
    shown = lead(store) or {}
    return {name: shown[name] for name in ("name", "company", "title", "industry") if name in shown}


@pytest.fixture
def store() -> FakeLeadStore:
    return FakeLeadStore()


def test_an_import_that_created_a_lead_nobody_else_touched_deletes_it(store):
    assert merge(store, "a", name="Ann", company="Acme") is True
    assert undo(store, "a") == LeadOutcome.DELETED
    assert lead(store) is None and store.lead_count == 0


def test_a_later_import_undone_gives_back_every_value_and_row_of_the_earlier_state(store):
    merge(store, "a", name="Ann", company="Acme")
    before = lead(store)
    store.clock.advance(minutes=5)
    merge(store, "b", row=7, company="Initech", title="CTO")
    assert fields(store) == {"name": "Ann", "company": "Initech", "title": "CTO"}
    assert undo(store, "b") == LeadOutcome.RESTORED
    assert lead(store) == before  # values, sources, uploadIds, provenance and updatedAt
    assert undo(store, "a") == LeadOutcome.DELETED


def test_a_field_changed_again_by_a_later_import_keeps_the_later_value_and_counts_a_conflict(store):
    merge(store, "a", company="Old", title="Intern")
    merge(store, "b", company="Mid", title="Analyst")
    merge(store, "c", company="Late")
    assert undo(store, "b") == LeadOutcome.CONFLICTS
    assert fields(store) == {"company": "Late", "title": "Intern"}
    # Undoing the later import too goes back past the one undone before it: to a's value.
    assert undo(store, "c") == LeadOutcome.RESTORED
    assert fields(store) == {"company": "Old", "title": "Intern"}


def test_undoing_the_creator_keeps_what_a_later_import_supplied_and_hands_it_over(store):
    merge(store, "a", name="Ann", company="Acme", industry="Retail")
    merge(store, "b", name="Ann", company="Acme", title="CTO")  # supplies name and company unchanged
    assert undo(store, "a") == LeadOutcome.RESTORED
    assert fields(store) == {"name": "Ann", "company": "Acme", "title": "CTO"}  # a's industry alone left
    shown = lead(store)
    assert shown["uploadIds"] == ["b"] and shown["uploadId"] == "b"
    assert [source["uploadId"] for source in shown["sources"]] == ["b"]
    assert undo(store, "b") == LeadOutcome.DELETED  # nobody contributes any more


def test_an_import_that_changed_nothing_leaves_the_lead_as_it_was(store):
    merge(store, "a", name="Ann", company="Acme")
    merge(store, "a2", name="Ann", company="Acme")  # the same file again
    before_second = {**lead(store)}
    assert undo(store, "a2") == LeadOutcome.RESTORED
    after = lead(store)
    assert {name: after[name] for name in ("name", "company", "uploadIds")} == {
        "name": "Ann",
        "company": "Acme",
        "uploadIds": ["a"],
    }
    assert before_second["uploadIds"] == ["a", "a2"]


def test_a_repeated_undo_writes_nothing_and_answers_as_the_first(store):
    merge(store, "a", company="Old")
    merge(store, "b", company="Mid")
    merge(store, "c", company="Late")
    assert undo(store, "b") == LeadOutcome.CONFLICTS
    stored = store.items[lead_id_for(KEY)]
    snapshot = {**stored, "undo": {**stored["undo"]}}
    assert undo(store, "b") == LeadOutcome.CONFLICTS
    assert store.items[lead_id_for(KEY)] == snapshot
    assert undo(store, "never") == LeadOutcome.UNTOUCHED


def test_several_rows_of_one_import_record_the_value_before_the_first_of_them(store):
    merge(store, "a", company="Acme")
    merge(store, "b", row=2, company="One")
    merge(store, "b", row=3, company="Two", title="CTO")
    assert undo(store, "b") == LeadOutcome.RESTORED
    assert fields(store) == {"company": "Acme"}


def test_an_unparseable_phone_never_counts_as_a_change_of_a_real_number(store):
    merge(store, "a", phone="+14155550100")
    merge(store, "b", phone="N/A", company="Acme")
    entry = store.items[lead_id_for(KEY)]["undo"]["b"]
    assert entry["b"] == {"company": None}
    assert undo(store, "b") == LeadOutcome.RESTORED
    assert lead(store)["phone"] == "+14155550100" and "company" not in lead(store)


def test_entries_older_than_the_undo_window_are_dropped_by_the_next_write(store):
    merge(store, "a", company="Acme")
    store.clock.advance(days=40)
    store.keep_since = store.clock.iso()[:10]  # the window starts today
    merge(store, "b", company="Initech")
    assert set(store.items[lead_id_for(KEY)]["undo"]) == {"b"}


def test_an_undo_moves_the_lead_out_of_the_indexes_it_no_longer_belongs_to(store):
    merge(store, "a", name="Ann")
    merge(store, "b", company="Initech", industry="Technology")
    item = store.items[lead_id_for(KEY)]
    assert (item["companyKey"], item["industryKey"]) == ("initech", "technology")
    undo(store, "b")
    item = store.items[lead_id_for(KEY)]
    assert item["companyKey"] == "\U0010ffff" and "industryKey" not in item
    assert item["nameKey"] == "ann"


def test_a_lead_written_before_undo_was_recorded_loses_the_rows_and_keeps_its_values(store):
    merge(store, "a", company="Acme")
    merge(store, "b", company="Initech")
    stored = store.items[lead_id_for(KEY)]
    del stored["undo"], stored["version"]  # as an item written by the earlier code
    assert undo(store, "b") == LeadOutcome.CONFLICTS  # nothing to restore from: the value stays
    shown = lead(store)
    assert shown["company"] == "Initech" and shown["uploadIds"] == ["a"]
    assert undo(store, "b") == LeadOutcome.CONFLICTS  # the marker answers a redelivery
    assert undo(store, "a") == LeadOutcome.DELETED  # nobody contributes any more

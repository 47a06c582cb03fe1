"""LeadRepository.merge against moto: a lead's list of contributing rows is bounded."""

from __future__ import annotations

import pytest

from tests.integration.conftest import empty_leads_table, unique_email


@pytest.fixture
def repository(stack, wiring, monkeypatch):
    from easycrm.adapters import lead_repository as leads
    from easycrm.leads import writes

    monkeypatch.setattr(writes, "MAX_SOURCES", 3)
    return leads.LeadRepository(empty_leads_table(stack, "sources"))


def test_a_lead_lists_at_most_max_sources_rows_and_still_merges_every_row(repository):
    """The same person on every row of a huge file: the item must never outgrow DynamoDB's 400 KB."""
    from easycrm.importing.dedup import SourceRef, dedup_key

    email = unique_email()
    created = []
    for row in range(2, 8):
        lead = {"email": email, "company": f"Company {row}"}
        created.append(repository.merge(dedup_key(lead), lead, SourceRef("u1", "same.csv", None, row)))
    assert created == [True, False, False, False, False, False]
    [lead] = [lead for lead in repository.scan_all() if lead["email"] == email]
    assert [source["row"] for source in lead["sources"]] == [2, 3, 4]
    assert lead["sourcesOmitted"] == 3
    assert lead["company"] == "Company 7"  # the omitted rows' values were still merged
    assert repository.count() == 1


def test_an_undo_works_on_a_lead_written_before_undo_was_recorded(repository):
    """Leads merged by earlier code carry no version and no undo map: the conditional writes accept them."""
    from easycrm.adapters import aws
    from easycrm.importing.dedup import SourceRef, lead_id_for
    from easycrm.undo.revert import LeadOutcome

    email = unique_email()
    lead_id = lead_id_for(f"email:{email}")
    tokens = {SourceRef(upload, "old.csv", None, 2).token() for upload in ("u-old", "u-later")}
    aws.dynamodb_table(repository._table_name).put_item(
        Item={
            "leadId": lead_id,
            "email": email,
            "company": "Initech",
            "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-02T00:00:00.000Z",
            "origin": {"createdBy": "", "dedupKey": f"email:{email}", "uploadId": "u-old"},
            "sources": tokens,
            "uploadIds": {"u-old", "u-later"},
            "listKey": "LEAD#0",
            "emailKey": email,
            "nameKey": "\U0010ffff",
            "companyKey": "initech",
        }
    )
    assert repository.revert_upload("u-later", [lead_id]) == [LeadOutcome.CONFLICTS]
    assert repository.revert_upload("u-later", [lead_id]) == [LeadOutcome.CONFLICTS]  # redelivered: the marker
    lead = repository.get(lead_id)
    assert (lead["company"], lead["uploadIds"]) == ("Initech", ["u-old"])
    assert [source["uploadId"] for source in lead["sources"]] == ["u-old"]
    lead = {"email": email, "title": "CTO"}
    assert repository.merge(f"email:{email}", lead, SourceRef("u-new", "new.csv", None, 2)) is False
    assert repository.revert_upload("u-new", [lead_id]) == [LeadOutcome.RESTORED]
    assert "title" not in repository.get(lead_id)
    assert repository.revert_upload("u-old", [lead_id]) == [LeadOutcome.DELETED]
    assert repository.get(lead_id) is None


def test_batches_racing_on_one_person_take_turns_and_lose_no_row(repository):
    """The same person on every row of a file, merged by four callers at once: every write is conditional
    on the lead as read, so the losers read again (after a short random wait) until each row is in."""
    from concurrent.futures import ThreadPoolExecutor

    from easycrm.importing.dedup import SourceRef, dedup_key

    email = unique_email()

    def merge_batch(batch: int) -> list[bool]:
        rows = []
        for row in range(batch * 25, batch * 25 + 25):
            lead = {"email": email, "title": f"Title {row}"}
            rows.append((dedup_key(lead), lead, SourceRef("race", "same.csv", None, row)))
        return repository.merge_rows(rows)

    with ThreadPoolExecutor(max_workers=4) as pool:
        created = [flag for flags in pool.map(merge_batch, range(8)) for flag in flags]
    assert (len(created), created.count(True)) == (200, 1)
    [lead] = [lead for lead in repository.scan_all() if lead["email"] == email]
    assert len(lead["sources"]) + lead.get("sourcesOmitted", 0) == 200  # MAX_SOURCES is 3 here
    assert repository.count() == 1

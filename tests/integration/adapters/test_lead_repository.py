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

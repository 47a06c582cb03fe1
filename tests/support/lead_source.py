"""The chatbot's in-memory LeadSource is the lead-store fake (tests/support/fakes.py): the leads of a list,
read the way the repository reads them, with a record of what was asked. Kept under this name for its users."""

from __future__ import annotations

from tests.support.fakes import FakeLeadStore as InMemoryLeads

__all__ = ["InMemoryLeads"]

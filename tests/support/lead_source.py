"""An in-memory LeadSource for the chatbot's tests: the leads of a list, read the way the repository
reads them, with a record of what was asked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from easycrm.leads.queries import LeadQuery, sort_value


class InMemoryLeads:
    def __init__(self, leads: Iterable[dict]) -> None:
        self.leads = list(leads)
        self.queries: list[LeadQuery] = []  # what `matching` was asked, in order
        self.whole_list_reads: list[str] = []  # count / find / field_values, in order

    def matching(self, query: LeadQuery) -> Iterator[dict]:
        """Every lead for every query: the executor checks each filter itself."""
        self.queries.append(query)
        return iter(self.leads)

    def count(self) -> int:
        self.whole_list_reads.append("count")
        return len(self.leads)

    def find(self, query: LeadQuery) -> tuple[list[dict], int]:
        """A page of the whole list in the lead table's order: (sort value, leadId)."""
        assert not query.filtered, "the executor only asks for pages of the whole list"
        self.whole_list_reads.append("find")

        def order(lead: dict) -> tuple[str, str]:
            value = lead.get("createdAt") if query.sort_by == "createdAt" else sort_value(lead.get(query.sort_by))
            return str(value or ""), lead["leadId"]

        ordered = sorted(self.leads, key=order, reverse=query.descending)
        return ordered[query.offset : query.offset + query.page_size], len(self.leads)

    def field_values(self, fields: tuple[str, ...]) -> list[dict]:
        self.whole_list_reads.append("field_values")
        return [{field: lead[field] for field in fields if field in lead} for lead in self.leads]

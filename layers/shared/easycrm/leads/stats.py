"""Counting leads by a field's value: the charts of the web app and the chatbot's group-by.

Values are grouped as the lead filters match them (case- and accent-insensitively, `leads.queries.fold`),
so a group's count is exactly what filtering the lead table by that value shows. Each group is labelled
with its most common spelling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from easycrm.leads.queries import key_value

SUMMARY_FIELDS = {"bySource": "source", "byIndustry": "industry", "byCompany": "company"}
DEFAULT_TOP = 8
MAX_TOP = 50


@dataclass(frozen=True)
class Group:
    value: str
    count: int


@dataclass(frozen=True)
class Grouping:
    """The largest groups (largest first, ties by value), and how many leads fall outside them."""

    groups: list[Group]
    other: int  # leads with a value that is not among the shown groups
    blank: int  # leads without a value

    def to_dict(self) -> dict:
        return {
            "groups": [{"value": group.value, "count": group.count} for group in self.groups],
            "other": self.other,
            "blank": self.blank,
        }


def group_counts(values: Iterable[str | None], top: int | None = None) -> Grouping:
    """Count values by their folded form; `top` limits the groups returned (None: all)."""
    # Values repeat (50,000 leads may have 400 companies): each distinct value is counted, then folded once.
    occurrences = Counter(values)
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    blank = 0
    for value, times in occurrences.items():
        key = key_value(value)
        if not key:
            blank += times
            continue
        counts[key] += times
        spellings.setdefault(key, Counter())[" ".join(str(value).split())] += times
    labelled = [Group(_label(spellings[key]), count) for key, count in counts.items()]
    labelled.sort(key=lambda group: (-group.count, key_value(group.value), group.value))
    shown = labelled if top is None else labelled[:top]
    other = sum(group.count for group in labelled[len(shown) :])
    return Grouping(shown, other, blank)


def _label(spellings: Counter[str]) -> str:
    """The most common spelling; a tie goes to the one that sorts first, so the label is stable."""
    return min(spellings.items(), key=lambda item: (-item[1], item[0]))[0]


def summarize(leads: Iterable[dict], top: int = DEFAULT_TOP) -> dict:
    """`{total, bySource, byIndustry, byCompany}` over the leads, in one pass."""
    columns: dict[str, list[str | None]] = {name: [] for name in SUMMARY_FIELDS}
    total = 0
    for lead in leads:
        total += 1
        for name, field in SUMMARY_FIELDS.items():
            columns[name].append(lead.get(field))
    return {"total": total, **{name: group_counts(values, top).to_dict() for name, values in columns.items()}}

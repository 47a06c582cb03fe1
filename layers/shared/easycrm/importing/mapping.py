"""A sheet's mapping: which lead field each column fills, decided once per sheet, and applied to each row.

Each column gets a decision with a confidence (0-1) and a reason:
- `header`: the header names the field ("E-mail Address", "Телефон"), and the values do not contradict it;
- `content`: the values decide: a column of addresses is the email column whatever its header says
  (Zoho Books' `EmailID`, a file without a header row), and a header whose values are not what it names
  ("E-mail 1 - Label" holding "* Work") loses its field;
- `saved`: the team confirmed a mapping for these exact headers before (uploads.review);
- `llm`: the model suggested a field for a header the rules could not place (importing.header_advice).

A column whose values belong to no lead field goes to `notes` ("Header: value"), so nothing is lost; only
the user's "Don't import" (field None) drops a column. Several columns may fill one field: they are
ranked, best first, and a row takes the first valid email (the first non-empty value for other fields);
the others are kept in notes.

The mapping that travels in the batch messages is the compact `ColumnMapping` (field → column indexes,
best first) plus the dropped column indexes: `message_mapping` builds it from the decisions.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from easycrm.importing.columns import (
    EXACT,
    QUALIFIED,
    WEAK,
    header_match,
    names_someone_else,
    names_the_seller_side,
    normalize_header,
)
from easycrm.importing.profiling import CELL_BUDGET, MAX_PROFILED_COLUMNS, ColumnProfile, profile_column
from easycrm.importing.standardize import normalize_email
from easycrm.models import LEAD_FIELDS

ColumnMapping = dict[str, list[int]]

REASONS = ("header", "content", "saved", "llm")
SAMPLES_SHOWN = 5
SAMPLE_CHARS = 100

_HEADER_CONFIDENCE = {EXACT: 0.95, QUALIFIED: 0.85, WEAK: 0.55}
_AGREEMENT_BONUS = 0.05  # the values confirm the header
LEFTOVER_CONFIDENCE = 0.3  # no field fits: kept in notes
_GUESSED_CONFIDENCE = 0.6  # a name or company told by the shape of the values alone
MIN_CONTENT_VALUES = 3
_UNCONFIRMED_FACTOR = 0.6  # named like the field, but empty in every sampled row
_CONTENT_SHARE = 0.5  # at least half the values are of the kind
_UNPROFILED = ColumnProfile(values=0, empty=1.0)
_PROVABLE_MULTI = frozenset({"email", "phone"})  # a column past MAX_PROFILED_COLUMNS
# Fields the values can prove, with the profile share that measures them.
_PROVABLE = {"email": "email", "phone": "phone", "country": "country"}


@dataclass
class ColumnDecision:
    index: int
    header: str
    field: str | None  # None: not imported
    confidence: float
    reason: str
    samples: list[str] = dataclass_field(default_factory=list)
    header_level: int = 0  # how strongly the header names the field (columns.EXACT …), 0 when it does not
    values_agree: bool = False  # the sampled values are of the kind the field holds (emails, phones)

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "header": self.header,
            "field": self.field,
            "confidence": round(self.confidence, 2),
            "reason": self.reason,
            "samples": self.samples,
        }


def header_signature(headers: Sequence[str]) -> str | None:
    """What identifies "the same headers" across files: a digest of the normalized header list; None for
    a sheet without a header row, whose columns say nothing about what the next such file holds."""
    normalized = [normalize_header(header or "") for header in headers]
    while normalized and not normalized[-1]:
        normalized.pop()  # a trailing empty column (Thunderbird, Excel's stray cells) is not a header
    if not any(normalized):
        return None
    return hashlib.sha256(json.dumps(normalized, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def propose_columns(
    headers: Sequence[str],
    sample_rows: Sequence[Sequence[str]],
    *,
    default_region: str = "US",
    saved: Mapping[int, str | None] | None = None,
) -> list[ColumnDecision]:
    """A decision for every column of the sheet, from its header and the sampled rows' values.

    `saved`, when the team confirmed a mapping for these headers before, decides every column it names.
    """
    width = max([len(headers), *(len(row) for row in sample_rows)], default=0)
    sample_rows = sample_rows[: max(10, CELL_BUDGET // max(width, 1))]
    decisions = []
    profiles: dict[int, ColumnProfile] = {}
    for index in range(width):
        header = (headers[index] if index < len(headers) else "") or ""
        cells = [row[index] if index < len(row) else "" for row in sample_rows]
        samples = _samples(cells)
        if saved is not None and index in saved:
            decisions.append(ColumnDecision(index, header, saved[index], 1.0, "saved", samples))
            continue
        if index < MAX_PROFILED_COLUMNS:
            profiles[index] = profile_column(cells, default_region=default_region)
        decisions.append(_decide(index, header, profiles.get(index, _UNPROFILED), samples))
    if saved is None:
        _place_people_and_companies(decisions, profiles)
        _demote_extras(decisions)
    return decisions


def _decide(index: int, header: str, profile: ColumnProfile, samples: list[str]) -> ColumnDecision:
    match = header_match(header)
    proven = _proven_field(profile)
    if names_the_seller_side(header):
        # "Lead Owner Email" holds addresses, but the seller's: as the lead's email it would merge every
        # lead of that seller into one.
        return ColumnDecision(index, header, "notes", LEFTOVER_CONFIDENCE, "content", samples)
    if match is not None:
        named, level = match
        confidence = _HEADER_CONFIDENCE[level]
        kind = _PROVABLE.get(named)
        if proven is not None and proven != named and (kind is None or profile.share(kind) < _CONTENT_SHARE):
            # "Phone" full of addresses: the values win.
            return ColumnDecision(index, header, proven, _content_confidence(profile, proven), "content", samples)
        if not profile.values:
            confidence *= _UNCONFIRMED_FACTOR
        elif kind is not None:
            if profile.share(kind) >= _CONTENT_SHARE:
                confidence = min(1.0, confidence + _AGREEMENT_BONUS)
                return ColumnDecision(index, header, named, confidence, "header", samples, level, values_agree=True)
            if profile.share(kind) == 0 and level < EXACT:
                # "E-mail 1 - Label" holding "* Work": named like the field, holding something else.
                return ColumnDecision(index, header, "notes", LEFTOVER_CONFIDENCE, "content", samples)
        return ColumnDecision(index, header, named, confidence, "header", samples, level)
    if proven is not None:
        return ColumnDecision(index, header, proven, _content_confidence(profile, proven), "content", samples)
    return ColumnDecision(
        index, header, "notes", LEFTOVER_CONFIDENCE, "content" if profile.values else "header", samples
    )


def _proven_field(profile: ColumnProfile) -> str | None:
    shares = {name: profile.share(kind) for name, kind in _PROVABLE.items()}
    best = max(shares, key=lambda name: shares[name])
    return best if shares[best] >= _CONTENT_SHARE else None


def _content_confidence(profile: ColumnProfile, field_name: str) -> float:
    return min(0.95, 0.5 + 0.45 * profile.share(_PROVABLE[field_name]))


def _place_people_and_companies(decisions: list[ColumnDecision], profiles: Mapping[int, ColumnProfile]) -> None:
    """When no header names the person or the company, the values may: a column of "First Last" shapes
    is the name, two neighbouring columns of single capitalised words the first and last name (a file
    without headers), a column of "… Inc" / "… GmbH" the company. Only columns the rules left over are
    considered, and only with enough values: two cells that happen to be two words prove nothing."""
    taken = {decision.field for decision in decisions}
    left_over = [
        decision
        for decision in decisions
        if decision.reason == "content"
        and decision.field == "notes"
        and profiles[decision.index].values >= MIN_CONTENT_VALUES
    ]
    if not taken & {"name", "firstName", "lastName"}:
        singles = [decision for decision in left_over if profiles[decision.index].single_name >= 0.8]
        for first, last in itertools.pairwise(singles):
            if last.index == first.index + 1:
                first.field, first.confidence = "firstName", _GUESSED_CONFIDENCE
                last.field, last.confidence = "lastName", _GUESSED_CONFIDENCE
                break
        full = next((d for d in left_over if d.field == "notes" and profiles[d.index].full_name >= 0.8), None)
        if full is not None:
            full.field, full.confidence = "name", _GUESSED_CONFIDENCE
    if "company" not in taken:
        company = next((d for d in left_over if d.field == "notes" and profiles[d.index].company >= 0.3), None)
        if company is not None:
            company.field, company.confidence = "company", _GUESSED_CONFIDENCE


def _demote_extras(decisions: list[ColumnDecision]) -> None:
    """Of each field keep the best column, and other columns only when their header names the field
    well or their values prove it ("Mobile" and "Work phone", three email columns): a weak or
    distracting match ("Mum email", "Company of spouse") never competes with the person's own column,
    and its values are kept in notes."""
    by_field: dict[str, list[ColumnDecision]] = {}
    for decision in decisions:
        if decision.field and decision.field != "notes":
            by_field.setdefault(decision.field, []).append(decision)
    for columns in by_field.values():
        _, *others = sorted(columns, key=_rank)
        for decision in others:
            if decision.header_level >= QUALIFIED:
                continue
            if decision.reason == "content" and decision.field in _PROVABLE_MULTI:
                continue  # a second column of addresses or numbers: a row takes the first valid one
            if decision.values_agree and not names_someone_else(decision.header):
                continue  # "Person - Email - Home" full of addresses: a weak header, but the person's own
            decision.field, decision.confidence = "notes", LEFTOVER_CONFIDENCE


def _rank(decision: ColumnDecision) -> tuple[float, int, int]:
    return (-decision.confidence, -decision.header_level, decision.index)


def _samples(cells: Sequence[str]) -> list[str]:
    shown: list[str] = []
    for cell in cells:
        text = (cell or "").strip()
        if text and text not in shown:
            shown.append(text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…")
            if len(shown) == SAMPLES_SHOWN:
                break
    return shown


def message_mapping(decisions: Sequence[ColumnDecision]) -> tuple[ColumnMapping, list[int]]:
    """The compact form batches carry: field → column indexes, best first, and the dropped columns.

    A `notes` column whose header names notes ("Comments") is the notes field; any other column sent to
    notes is left out of the mapping, so each row keeps it as "Header: value".
    """
    mapping: ColumnMapping = {}
    for decision in sorted(decisions, key=_rank):
        if decision.field is None:
            continue
        if decision.field == "notes" and (header_match(decision.header) or ("", 0))[0] != "notes":
            continue
        mapping.setdefault(decision.field, []).append(decision.index)
    dropped = sorted(decision.index for decision in decisions if decision.field is None)
    return mapping, dropped


def apply_mapping(
    mapping: Mapping[str, list[int]], headers: Sequence[str], cells: Sequence[str], dropped: Sequence[int] = ()
) -> dict[str, str]:
    """One row's raw values by field.

    Of a field's columns the first non-empty one wins; for the email, the first valid address (else the
    first non-empty value, so that an invalid one is reported). Every other non-empty cell (columns
    mapped to nothing, a second phone) is appended to `notes` as "Header: value", so nothing the user
    typed is lost, except the `dropped` columns the user chose not to import.
    """
    values: dict[str, str] = {}
    leftovers: list[int] = []
    used = set(dropped)
    for field_name, indexes in mapping.items():
        used.update(indexes)
        filled = [index for index in indexes if _cell(cells, index)]
        if not filled:
            continue
        if field_name == "email":
            valid = [index for index in filled if normalize_email(_cell(cells, index))]
            chosen = (valid or filled)[0]
        else:
            chosen = filled[0]
        values[field_name] = _cell(cells, chosen)
        leftovers.extend(index for index in filled if index != chosen)
    leftovers.extend(index for index in range(len(cells)) if index not in used and _cell(cells, index))
    extra_notes = [f"{column_label(headers, index)}: {_cell(cells, index)}" for index in sorted(leftovers)]
    notes = "; ".join(note for note in [values.get("notes", ""), *extra_notes] if note)
    if notes:
        values["notes"] = notes
    return values


def _cell(cells: Sequence[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) and cells[index] else ""


def column_label(headers: Sequence[str], index: int) -> str:
    """How a column is named to the user: its header, or "Column 3" when it has none."""
    header = headers[index].strip() if index < len(headers) and headers[index] else ""
    return header or f"Column {index + 1}"


def is_lead_field(name: object) -> bool:
    return isinstance(name, str) and name in LEAD_FIELDS

"""What a column's values look like: the share of emails, phones, countries, URLs, dates, person names.

A sheet's mapping is decided from its header *and* a sample of its rows, because headers lie or say
nothing: Zoho Books calls the address `EmailID`, Atomic CRM leaves `email_work` empty and fills
`email_other`, Thunderbird writes no header at all, and a Japanese header is not a word the rules know.
The values do not lie: a column of addresses is the email column whatever it is called.

Every share is of the column's non-empty sample values (placeholders such as "N/A" count as empty), so a
sparse column of emails is still an email column. The checks are the standardization rules' own
(`normalize_email`, `country_to_region`, phonenumbers' validity), applied to at most PHONE_CHECKS values
per column for the costly phone parse: a 700-column survey profiles in well under a second.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers

from easycrm.importing.standardize import PLACEHOLDERS, country_to_region, normalize_email

SAMPLE_ROWS = 200  # rows of each sheet the profile reads
PHONE_CHECKS = 12  # values per column parsed as phone numbers (the rest are judged by their shape)
ROW_CHECKS = 60  # cells of a row `looks_like_data` parses as phone numbers at most
# A sheet is profiled on at most this many cells: a 50,000-column row leaves few rows per column, and
# columns past MAX_PROFILED_COLUMNS are judged by their header alone.
CELL_BUDGET = 200_000
MAX_PROFILED_COLUMNS = 2_000
MAX_PROFILED_CHARS = 200  # a longer cell is free text, not an email, a phone or a name

# Digits with the punctuation people put in phone numbers, 7 to 15 digits (E.164's longest) in all.
_PHONE_SHAPE = re.compile(r"\+?[\d\s().\-/]{7,25}(\s*(x|ext\.?|extension)\s*\d{1,6})?", re.IGNORECASE)
_URL = re.compile(r"(https?://|www\.)\S+|[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}/\S*", re.IGNORECASE)
_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?"
)
_NUMBER = re.compile(r"[-+]?\d+([.,]\d+)?")
# A person's name: two to four words of letters (any script), with the particles, apostrophes, hyphens
# and initials names have; "Doe, Jane" too. A single word is a weaker sign (it may be a first name).
_NAME_WORD = r"[^\W\d_]+(['\u2019\-][^\W\d_]+)*\.?"
_FULL_NAME = re.compile(rf"{_NAME_WORD}(,?\s+{_NAME_WORD}){{1,3}}")
_SINGLE_NAME = re.compile(_NAME_WORD)
_COMPANY_WORDS = frozenset(
    {"inc", "llc", "ltd", "gmbh", "ag", "sa", "sas", "srl", "bv", "plc", "corp", "co", "company", "group", "kg"}
    | {"limited", "corporation", "holding", "holdings", "solutions", "systems", "partners", "labs", "technologies"}
)


@dataclass(frozen=True)
class ColumnProfile:
    """Shares (0-1) of a column's non-empty sample values that look like each kind of value."""

    values: int  # non-empty sample values
    empty: float  # share of sampled rows where the cell is empty
    email: float = 0.0
    phone: float = 0.0
    country: float = 0.0
    url: float = 0.0
    date: float = 0.0
    number: float = 0.0
    full_name: float = 0.0
    single_name: float = 0.0
    company: float = 0.0

    def share(self, kind: str) -> float:
        return float(getattr(self, kind))


def profile_column(cells: Sequence[str], *, default_region: str = "US") -> ColumnProfile:
    """The profile of one column's sampled cells (one per sampled row, "" when the row has none)."""
    values = [text for cell in cells if (text := (cell or "").strip()) and text.lower() not in PLACEHOLDERS]
    if not values:
        return ColumnProfile(values=0, empty=1.0)
    counts = dict.fromkeys(("email", "phone", "country", "url", "date", "number", "full_name", "single_name"), 0)
    company = 0
    phone_checked = phone_valid = 0
    for value in values:
        if len(value) > MAX_PROFILED_CHARS:
            continue
        if "@" in value and normalize_email(value):
            counts["email"] += 1
            continue
        if _URL.fullmatch(value):
            counts["url"] += 1
            continue
        if _DATE.fullmatch(value):
            counts["date"] += 1
            continue
        if _PHONE_SHAPE.fullmatch(value) and 7 <= sum(char.isdigit() for char in value) <= 15:
            if phone_checked < PHONE_CHECKS:
                phone_checked += 1
                phone_valid += _is_valid_phone(value, default_region)
            counts["phone"] += 1
            if _NUMBER.fullmatch(value):
                counts["number"] += 1
            continue
        if _NUMBER.fullmatch(value):
            counts["number"] += 1
            continue
        if _is_country(value):
            counts["country"] += 1
            continue
        words = {word.strip(".,").lower() for word in value.split()}
        if words & _COMPANY_WORDS:
            company += 1
        elif not all(not word[0].islower() for word in value.split()):
            continue  # "not a number": names are capitalised (in the scripts that have capitals)
        elif _FULL_NAME.fullmatch(value):
            counts["full_name"] += 1
        elif _SINGLE_NAME.fullmatch(value) and not value.isupper():  # "CA", "IT": codes, not first names
            counts["single_name"] += 1
    total = len(values)
    # Phone-shaped values count as phones in the share of those parsed that were valid numbers.
    phone_share = counts["phone"] / total * (phone_valid / phone_checked if phone_checked else 0)
    return ColumnProfile(
        values=total,
        empty=1 - total / len(cells),
        email=counts["email"] / total,
        phone=phone_share,
        country=counts["country"] / total,
        url=counts["url"] / total,
        date=counts["date"] / total,
        number=counts["number"] / total,
        full_name=counts["full_name"] / total,
        single_name=counts["single_name"] / total,
        company=company / total,
    )


def _is_country(value: str) -> bool:
    """A country's name ("Deutschland", "United States"). Codes prove nothing on their own: "IT" and "HR"
    are departments, "CA" and "MA" states, "Mr." a salutation; a column of codes is a country column
    when its header says so."""
    return len(value) > 3 and country_to_region(value) is not None


def _is_valid_phone(value: str, default_region: str) -> bool:
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, default_region))
    except phonenumbers.NumberParseException:
        return False


def looks_like_data(cells: Sequence[str], *, default_region: str = "US") -> bool:
    """Whether a row reads as a contact's data rather than as headers: it holds an email address or a
    valid phone number (headers never do)."""
    phones_checked = 0
    for cell in cells:
        text = (cell or "").strip()
        if not text or len(text) > MAX_PROFILED_CHARS:
            continue
        if "@" in text and normalize_email(text):
            return True
        if phones_checked < ROW_CHECKS and _PHONE_SHAPE.fullmatch(text) and 7 <= sum(c.isdigit() for c in text) <= 15:
            phones_checked += 1
            if _is_valid_phone(text, default_region):
                return True
    return False

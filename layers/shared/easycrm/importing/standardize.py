"""The deterministic standardization rules: one raw row in, one clean lead or a reason out (described in
docs/architecture.md, "The import pipeline").

Phones must pass `phonenumbers.is_valid_number`, not merely `is_possible_number`: a possible number
only has a plausible length ("555-1234" without an area code, "12345678" in Germany), and a lead keyed
or called by such a number is worse than an explicit "N/A" with the raw text kept in the notes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import phonenumbers

from easycrm.importing.columns import normalize_header
from easycrm.models import FIELD_MAX_LENGTH, LEAD_FIELDS, PHONE_UNPARSEABLE, RowResult

_TEXT_FIELDS = ("company", "title", "industry", "source", "country")
_ELLIPSIS = "…"
_REASON_VALUE_CHARS = 60

_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_TOP_LEVEL_DOMAIN = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
# What people type into a cell to say "nothing here"; treated as empty rather than as bad data.
PLACEHOLDERS = frozenset({"n/a", "na", "none", "null", "nil", "-", "--", "?", "unknown", "tbd"})

# Names people use for countries that neither ISO codes nor phonenumbers' country names cover (as _country_key).
_COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northernireland": "GB",
    "greatbritain": "GB",
    "britain": "GB",
    "usa": "US",
    "america": "US",
    "unitedstates": "US",
    "unitedstatesofamerica": "US",
    "holland": "NL",
    "thenetherlands": "NL",
    "czechia": "CZ",
    "turkiye": "TR",
    "southkorea": "KR",
    "korea": "KR",
    "russia": "RU",
    "uae": "AE",
    "deu": "DE",
    "gbr": "GB",
    "fra": "FR",
    "esp": "ES",
    "ita": "IT",
    "nld": "NL",
    "che": "CH",
    "aut": "AT",
    "can": "CA",
    "aus": "AU",
}

# Lower-case name particles ("Jane van der Berg"), and suffixes that follow a name after a comma.
_NAME_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la", "le", "ter", "ten", "zu"}
)
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq"})
_ROMAN_NUMERALS = frozenset({"ii", "iii", "iv"})


def normalize_email(raw: str) -> str | None:
    """Trimmed, lower-cased address from forms people paste ("mailto:…", "Jane <j@x.com>"); None if invalid."""
    text = raw.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1 : -1]
    text = text.strip().strip("'\"").rstrip(".,;:").lower().removeprefix("mailto:")
    text = re.sub(r"\s*@\s*", "@", text.strip())
    if len(text) > FIELD_MAX_LENGTH["email"] or text.count("@") != 1:
        return None
    local, domain = text.split("@")
    labels = domain.split(".")
    valid = (
        len(local) <= 64
        and _LOCAL_PART.fullmatch(local) is not None
        and len(labels) >= 2
        and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        and _TOP_LEVEL_DOMAIN.fullmatch(labels[-1]) is not None
    )
    return text if valid else None


def _country_key(text: str) -> str:
    """Letters only, accents folded: "U.S.A." → "usa", "Royaume-Uni" → "royaumeuni"."""
    return normalize_header(text).replace(" ", "")


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Country names in every language phonenumbers knows → region code (loaded once). Names that fold to
    fewer than three letters are left out: Vietnamese "Ý" (Italy) must not make "Y" a country."""
    from phonenumbers.geodata.locale import LOCALE_DATA  # 600 kB of names: import only when needed

    names: dict[str, str] = {}
    for region, by_language in LOCALE_DATA.items():
        for name in by_language.values():
            if not name.startswith("*"):  # "*xx" points at another language's identical name
                key = _country_key(name)
                if len(key) >= 3:
                    names.setdefault(key, region)
    return names


def country_to_region(country: str) -> str | None:
    """ISO 3166 alpha-2 code for a country as people write it ("Deutschland", "UK", "U.S.A."), else None."""
    key = _country_key(country)
    if not key:
        return None
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    if len(key) == 2 and key.upper() in phonenumbers.SUPPORTED_REGIONS:
        return key.upper()
    return _country_names().get(key)


def _parse_phone(raw: str, region: str | None, default_region: str) -> phonenumbers.PhoneNumber | None:
    text = raw.strip()
    if re.fullmatch(r"\d+\.0+", text):  # a number cell that became "4155550100.0" on the way
        text = text.split(".")[0]
    if text.startswith("00"):  # the international call prefix most of the world dials
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or default_region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone(raw: str, region: str | None, default_region: str = "US") -> str | None:
    """E.164 ("+14155550100") for a valid number, read in `region` (else `default_region`); None otherwise.

    Extensions ("x12") are dropped here: E.164 has no place for them (standardize_row keeps them in notes).
    """
    number = _parse_phone(raw, region, default_region)
    return _e164(number) if number else None


def _smart_case_word(word: str, *, particle_allowed: bool) -> str:
    """Title-case one name word: o'brien → O'Brien, mcdonald → McDonald, jean-luc → Jean-Luc, van → van."""
    if particle_allowed and word in _NAME_PARTICLES:
        return word
    if word in _ROMAN_NUMERALS:
        return word.upper()
    parts = []
    for part in word.split("-"):
        cased = part[:1].upper() + part[1:]
        if len(part) > 2 and part.startswith("mc"):
            cased = "Mc" + part[2:].capitalize()
        cased = re.sub(r"^(\w)(['\u2019])(\w)", lambda m: m[1].upper() + m[2] + m[3].upper(), cased)
        parts.append(cased)
    return "-".join(parts)


def normalize_name(raw: str) -> str:
    """Readable "First Last": swaps "DOE, JANE", title-cases ALL CAPS / all lower, collapses whitespace.

    Names in mixed case are kept as typed: the person who wrote "McDonald" or "van der Berg" knew best.
    """
    name = _collapse(raw)
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if first and last and first.lower().rstrip(".") not in _NAME_SUFFIXES:
            name = f"{first} {last}"
    if name != name.upper() and name != name.lower():
        return name
    words = name.lower().split()
    return " ".join(
        _smart_case_word(word, particle_allowed=position < len(words) - 1) for position, word in enumerate(words)
    )


def _collapse(raw: str) -> str:
    """One line: control characters and runs of whitespace become single spaces, ends trimmed."""
    return " ".join(_CONTROL_OR_SPACE.sub(" ", raw).split())


def clean_text(raw: str, field: str) -> str:
    """Trimmed single-line text, cut to the field's maximum length with "…" so a huge cell fits."""
    text = _collapse(raw)
    limit = FIELD_MAX_LENGTH[field]
    return text if len(text) <= limit else text[: limit - 1].rstrip() + _ELLIPSIS


def _split_full_name(name: str) -> tuple[str, str]:
    """First and last name from a full name: "Jane van der Berg" → ("Jane", "van der Berg")."""
    words = name.split()
    if len(words) == 1:
        return name, ""
    surname_start = len(words) - 1
    while surname_start > 1 and words[surname_start - 1].lower() in _NAME_PARTICLES:
        surname_start -= 1
    return " ".join(words[:surname_start]), " ".join(words[surname_start:])


def ambiguous_name(values: Mapping[str, str]) -> str | None:
    """The row's full name when the rules had to guess where the first name ends: three or more words,
    no separate first and last name, and no particle ("van", "de la") to show where the surname starts
    ("Mary Ann Smith", "José María García López"). Only such names go to the model."""
    raw = _raw(values)
    if raw["firstName"] or raw["lastName"] or "," in raw["name"]:
        return None
    name = clean_text(normalize_name(raw["name"]), "name")
    words = name.split()
    if len(words) < 3 or any(word.lower() in _NAME_PARTICLES for word in words[1:]):
        return None
    return name


def _names(raw: Mapping[str, str]) -> dict[str, str]:
    """Full name and its parts, each derived from the other when only one was given."""
    name, first, last = (normalize_name(raw[field]) for field in ("name", "firstName", "lastName"))
    if not name:
        name = " ".join(part for part in (first, last) if part)
    elif not first and not last:
        first, last = _split_full_name(name)
    return {"name": name, "firstName": first, "lastName": last}


def _shorten(value: str) -> str:
    return value if len(value) <= _REASON_VALUE_CHARS else value[: _REASON_VALUE_CHARS - 1] + _ELLIPSIS


def _raw(values: Mapping[str, str]) -> dict[str, str]:
    """Every lead field's cell on one line, a placeholder ("N/A", "-") read as empty."""
    raw = {field: _collapse(values.get(field, "")) for field in LEAD_FIELDS}
    return {field: "" if value.lower() in PLACEHOLDERS else value for field, value in raw.items()}


def text_values(values: Mapping[str, str]) -> dict[str, str]:
    """The rule values of the plain text fields (company, title, industry, source, country) of one row,
    as standardize_row gives them, without the cost of the email and phone checks."""
    raw = _raw(values)
    return {field: clean_text(raw[field], field) for field in _TEXT_FIELDS}


def standardize_row(values: Mapping[str, str], *, default_region: str = "US") -> RowResult:
    """Apply the rules to one row (apply_mapping's output); reject it when it has no way to reach the lead."""
    raw = _raw(values)
    lead: dict[str, str] = {field: clean_text(raw[field], field) for field in _TEXT_FIELDS}
    lead.update({field: clean_text(value, field) for field, value in _names(raw).items()})
    notes = [raw["notes"]]
    problems = []

    if raw["email"]:
        email = normalize_email(raw["email"])
        if email:
            lead["email"] = email
        else:
            notes.append(f"Invalid email: {raw['email']}")
            problems.append(f"invalid email '{_shorten(raw['email'])}'")

    has_valid_phone = False
    if raw["phone"]:
        region = country_to_region(raw["country"]) if raw["country"] else None
        number = _parse_phone(raw["phone"], region, default_region)
        has_valid_phone = number is not None
        if number is None:
            lead["phone"] = PHONE_UNPARSEABLE
            notes.append(f"Invalid phone: {raw['phone']}")
            problems.append(f"invalid phone '{_shorten(raw['phone'])}'")
        else:
            lead["phone"] = _e164(number)
            if number.extension:
                notes.append(f"Phone extension: {number.extension}")

    if "email" not in lead and not has_valid_phone:
        reason = "No valid email or phone"
        return RowResult(None, f"{reason}: {', '.join(problems)}" if problems else reason)

    lead["notes"] = clean_text("; ".join(note for note in notes if note), "notes")
    return RowResult({field: lead[field] for field in LEAD_FIELDS if lead.get(field)})

"""The checks every answer of the model passes before it is used: it may improve how a value reads, never
what it says.

A company, a title or a source may change case, spacing and punctuation ("ACME inc" → "Acme Inc.", "vp
sales" → "VP Sales"), never its letters, and must not carry an email address or a phone number; an
industry must be one of the fixed list; a name may only be split at a word boundary of itself. A value
the rules left empty stays empty: the model invents nothing. Anything else is refused, and the rule
value stands.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from easycrm.models import FIELD_MAX_LENGTH, INDUSTRIES

_INDUSTRY_BY_KEY = {industry.casefold(): industry for industry in INDUSTRIES}
_PHONE_LIKE = re.compile(r"\+?\d(?:[\s().-]*\d){6,}")
_NOT_LETTER = re.compile(r"[\W_]+")


def accepted_value(field: str, value: Any, rule_value: str) -> str | None:
    """The model's value for one field if it passes that field's checks, else None."""
    if value == rule_value:
        return rule_value
    text = _clean_text(field, value)
    if text is None or not rule_value:  # unusable, or a value the rules left empty: the model invents nothing
        return None
    if field == "industry":
        return _INDUSTRY_BY_KEY.get(text.casefold())
    if "@" in text or _PHONE_LIKE.search(text):
        return None
    # company, title, source: the same letters and digits in the same order, re-cased, re-spaced, re-punctuated
    return text if _letters(text) == _letters(rule_value) else None


def accepted_split(answer: Any, name: str) -> tuple[str, str] | None:
    """The model's [first name, last name] for `name`, if both are text and together they are the name's
    words, in order; else None."""
    if not isinstance(answer, list) or len(answer) != 2:
        return None
    first, last = (_clean_text("firstName", part) for part in answer)
    if first is None or last is None:
        return None
    if (first + " " + last).split() != name.split():
        return None
    return first, last


def _clean_text(field: str, value: Any) -> str | None:
    """`value` stripped, if it is a non-empty single-line string within the field's length limit."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > FIELD_MAX_LENGTH[field]:
        return None
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text):
        return None
    return text


def _letters(text: str) -> str:
    """What a value says, without how it reads: its letters and digits, case folded ("ACME, Inc." → "acmeinc")."""
    return _NOT_LETTER.sub("", text.casefold())

"""The vocabulary every part of Easy CRM shares: lead fields, row results and the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

# Canonical lead fields (docs/data-model.md, "The lead item"), in display/export order. The Literal is the source,
# so the chatbot's query language can name a lead field as a type.
LeadField = Literal[
    "name",
    "firstName",
    "lastName",
    "email",
    "phone",
    "company",
    "title",
    "industry",
    "source",
    "country",
    "notes",
]
LEAD_FIELDS: tuple[str, ...] = get_args(LeadField)

# Fields an LLM may improve; email and phone always come from the rules.
PRESENTATION_FIELDS: tuple[str, ...] = ("name", "firstName", "lastName", "company", "title", "industry", "source")

# Longest value stored per field, so a 5,000-character cell never breaks a row.
FIELD_MAX_LENGTH: dict[str, int] = {
    "name": 200,
    "firstName": 100,
    "lastName": 100,
    "email": 254,
    "phone": 32,
    "company": 200,
    "title": 200,
    "industry": 100,
    "source": 200,
    "country": 100,
    "notes": 2000,
}

# The fixed list an industry is mapped onto (by the model, and by the chatbot's filters).
INDUSTRIES: tuple[str, ...] = (
    "Agriculture",
    "Automotive",
    "Construction",
    "Consulting",
    "Education",
    "Energy & Utilities",
    "Financial Services",
    "Government",
    "Healthcare",
    "Hospitality & Travel",
    "Insurance",
    "Legal",
    "Manufacturing",
    "Marketing & Advertising",
    "Media & Entertainment",
    "Non-Profit",
    "Pharmaceuticals & Biotech",
    "Real Estate",
    "Retail & E-Commerce",
    "Technology",
    "Telecommunications",
    "Transportation & Logistics",
    "Other",
)

PHONE_UNPARSEABLE = "N/A"


@dataclass(frozen=True)
class RowResult:
    """One data row after the rules: a clean lead, or the reason it was rejected."""

    lead: dict[str, str] | None
    reason: str | None = None

    @property
    def rejected(self) -> bool:
        return self.lead is None


ADMINS_GROUP = "admins"


@dataclass(frozen=True)
class Caller:
    """The signed-in user, from the claims the Cognito authorizer verified."""

    sub: str
    email: str
    groups: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMINS_GROUP in self.groups

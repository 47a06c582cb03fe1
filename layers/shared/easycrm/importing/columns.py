"""Spreadsheet headers → canonical lead fields, by meaning rather than exact spelling.

A sheet's mapping is decided once from its header row and then applied to every data row, so it has to
be JSON-serializable (it travels in SQS messages): field → column indexes, best column first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ColumnMapping = dict[str, list[int]]

# Header phrases per field, already in `normalize_header` form. English plus the German, French and
# Spanish spellings seen in real lead lists; German compounds are listed whole because they are one token.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "mail",
        "email address",
        "mail address",
        "emailadresse",
        "mailadresse",
        "courriel",
        "adresse electronique",
        "correo",
        "correo electronico",
    ),
    "phone": (
        "phone",
        "phone number",
        "telephone",
        "telephone number",
        "tel",
        "mobile",
        "mobile number",
        "cell",
        "cellphone",
        "contact number",
        "direct dial",
        "telefon",
        "telefonnummer",
        "handy",
        "handynummer",
        "mobil",
        "mobilnummer",
        "rufnummer",
        "portable",
        "telefono",
        "movil",
        "celular",
    ),
    "name": (
        "name",
        "full name",
        "contact",
        "contact name",
        "contact person",
        "ansprechpartner",
        "kontakt",
        "kontaktperson",
        "vollstandiger name",
        "nom complet",
        "nombre completo",
    ),
    "firstName": ("first name", "firstname", "first", "fname", "given name", "forename", "vorname", "prenom", "nombre"),
    "lastName": (
        "last name",
        "lastname",
        "last",
        "lname",
        "surname",
        "family name",
        "nachname",
        "familienname",
        "nom",
        "nom de famille",
        "apellido",
        "apellidos",
    ),
    "company": (
        "company",
        "company name",
        "organisation",
        "organization",
        "org",
        "account",
        "account name",
        "employer",
        "business",
        "firma",
        "firmenname",
        "unternehmen",
        "societe",
        "entreprise",
        "empresa",
    ),
    "title": (
        "title",
        "job title",
        "jobtitle",
        "position",
        "role",
        "job role",
        "job",
        "designation",
        "titel",
        "funktion",
        "berufsbezeichnung",
        "poste",
        "fonction",
        "cargo",
        "puesto",
    ),
    "industry": (
        "industry",
        "sector",
        "vertical",
        "branche",
        "industrie",
        "secteur",
        "secteur d activite",
        "industria",
    ),
    "source": ("source", "lead source", "channel", "origin", "quelle", "herkunft", "origine", "fuente", "canal"),
    "country": ("country", "country region", "land", "pays", "pais"),
    "notes": (
        "notes",
        "note",
        "comments",
        "comment",
        "remarks",
        "bemerkungen",
        "bemerkung",
        "notizen",
        "notiz",
        "kommentar",
        "commentaires",
        "commentaire",
        "remarques",
        "notas",
        "comentarios",
        "observaciones",
    ),
}

# Words that may surround a synonym without changing what the column holds ("Work phone", "Email 2",
# "Nom de l'entreprise"). Any other extra word makes the match weak.
_QUALIFIERS = frozenset(
    {"work", "business", "biz", "primary", "main", "office", "private", "personal", "home", "direct"}
    | {"contact", "lead", "customer", "client", "full", "name", "nom", "nombre"}
    | {"address", "adresse", "direccion", "number", "no", "nr", "num"}
    | {"of", "the", "de", "la", "le", "l", "du", "des", "del", "der", "die", "das"}
)

# Words that say the column is *about* a field rather than holding it ("Email opt-in", "Company size").
_DISQUALIFIERS = frozenset(
    {"opt", "optin", "optout", "opted", "consent", "permission", "subscribed", "unsubscribed", "not"}
    | {"bounced", "verified", "valid", "status", "type", "date", "id", "count", "owner"}
    | {"size", "employees", "revenue", "domain", "url", "website", "web", "linkedin", "twitter"}
)

_EXACT, _QUALIFIED, _WEAK = 3, 2, 1
HEADER_CHARS = 200


def normalize_header(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: "E-Mail-Adresse" → "email adresse"."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text).strip()
    return re.sub(r"\be mail\b", "email", words)


def _match_level(header: str, synonym: str) -> int:
    """How well a normalized header matches one synonym: _EXACT, _QUALIFIED, _WEAK or 0."""
    if header == synonym or header.replace(" ", "") == synonym.replace(" ", ""):
        return _EXACT
    words, wanted = header.split(), synonym.split()
    for start in range(len(words) - len(wanted) + 1):
        if words[start : start + len(wanted)] == wanted:
            extras = words[:start] + words[start + len(wanted) :]
            return _QUALIFIED if all(word in _QUALIFIERS or word.isdigit() for word in extras) else _WEAK
    return 0


# Every (field, synonym) in preference order, and two indexes into it: a synonym can only match a header
# that holds its first word, or that equals it once spaces are dropped ("e mail", "firstname"). Looking
# candidates up instead of trying all of them keeps a 50,000-column header row fast.
_SYNONYM_ORDER = [(field, synonym) for field, synonyms in _SYNONYMS.items() for synonym in synonyms]
_BY_FIRST_WORD: dict[str, list[int]] = {}
_BY_COMPACT: dict[str, list[int]] = {}
for _position, (_field, _synonym) in enumerate(_SYNONYM_ORDER):
    _BY_FIRST_WORD.setdefault(_synonym.split()[0], []).append(_position)
    _BY_COMPACT.setdefault(_synonym.replace(" ", ""), []).append(_position)


@lru_cache(maxsize=4096)
def _best_field(header: str) -> tuple[str, int] | None:
    """The field a header most plausibly holds, with its match level; None when nothing fits."""
    words = header.split()
    if not header or _DISQUALIFIERS.intersection(words):
        return None
    candidates = set(_BY_COMPACT.get(header.replace(" ", ""), ()))
    for word in set(words):
        candidates.update(_BY_FIRST_WORD.get(word, ()))
    best_field, best_rank = None, (0, 0)
    for position in sorted(candidates):  # preference order, so the first of equals still wins
        field, synonym = _SYNONYM_ORDER[position]
        # Longer synonyms are more specific: "company name" beats "name" for "Company Name".
        rank = (_match_level(header, synonym), len(synonym.split()))
        if rank[0] and rank > best_rank:
            best_field, best_rank = field, rank
    return (best_field, best_rank[0]) if best_field else None


def map_headers(headers: list[str]) -> ColumnMapping:
    """Map each column to at most one field; per field the best column comes first.

    A field keeps extra columns only when they match well ("Mobile" and "Work phone"), so a weak
    match such as "Email of assistant" never competes with a real "Email" column.
    """
    candidates: dict[str, list[tuple[int, int]]] = {}  # field -> (level, column index)
    for index, header in enumerate(headers):
        match = _best_field(normalize_header((header or "")[:HEADER_CHARS]))
        if match:
            field, level = match
            candidates.setdefault(field, []).append((level, index))
    mapping: ColumnMapping = {}
    for field, columns in candidates.items():
        (_, best), *others = sorted(columns, key=lambda column: (-column[0], column[1]))
        mapping[field] = [best] + [index for level, index in others if level >= _QUALIFIED]
    return mapping


def find_header_row(rows: list[list[str]]) -> int | None:
    """Index of the row that looks most like a header: most fields recognized, strong matches first.

    Title rows ("Trade show leads 2026") and data rows rarely match more than one field, so the real
    header wins; among equals the earliest row wins.
    """
    best_index, best_score = None, (0, 0)
    for index, row in enumerate(rows):
        # Only a cell's head can be a header (headers travel cut to 200 characters): a 5 MB cell costs nothing.
        matches = [match for cell in row if (match := _best_field(normalize_header((cell or "")[:HEADER_CHARS])))]
        score = (
            len({field for field, level in matches if level >= _QUALIFIED}),
            len({field for field, _ in matches}),
        )
        if score > best_score:
            best_index, best_score = index, score
    return best_index


def apply_mapping(mapping: ColumnMapping, headers: list[str], cells: list[str]) -> dict[str, str]:
    """One row's raw values by field: the first non-empty mapped cell wins.

    Every other non-empty cell (unmapped columns, a second phone) is appended to `notes` as
    "Header: value", so nothing the user typed is lost.
    """
    values: dict[str, str] = {}
    leftovers: list[int] = []
    mapped: set[int] = set()
    for field, indexes in mapping.items():
        mapped.update(indexes)
        filled = [index for index in indexes if _cell(cells, index)]
        if filled:
            values[field] = _cell(cells, filled[0])
            leftovers.extend(filled[1:])
    leftovers.extend(index for index in range(len(cells)) if index not in mapped and _cell(cells, index))
    extra_notes = [f"{_column_label(headers, index)}: {_cell(cells, index)}" for index in sorted(leftovers)]
    notes = "; ".join(note for note in [values.get("notes", ""), *extra_notes] if note)
    if notes:
        values["notes"] = notes
    return values


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) and cells[index] else ""


def _column_label(headers: list[str], index: int) -> str:
    header = headers[index].strip() if index < len(headers) and headers[index] else ""
    return header or f"Column {index + 1}"

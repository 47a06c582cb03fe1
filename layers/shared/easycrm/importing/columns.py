"""What a header means: spreadsheet headers → canonical lead fields, by meaning rather than spelling.

This is the header half of a sheet's mapping (importing.mapping weighs it against the column's values):
each header gets the field it most plausibly names and how strongly (`header_match`), and the header row
of a sheet is found among its first rows (`find_header_row`). Headers are compared in `normalize_header`
form, which keeps letters of every script, so Cyrillic, Japanese and Arabic headers are read too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Header phrases per field (compared in `normalize_header` form). English plus the German, French,
# Spanish, Russian, Japanese and Arabic spellings seen in real lead lists; German and Japanese compounds
# are listed whole because they are one token.
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
        "электронная почта",
        "эл почта",
        "почта",
        "メール",
        "メールアドレス",
        "電子メール",
        "eメール",
        "البريد الإلكتروني",
        "البريد",
        "الايميل",
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
        "телефон",
        "мобильный",
        "мобильный телефон",
        "電話",
        "電話番号",
        "携帯",
        "携帯電話",
        "الهاتف",
        "هاتف",
        "رقم الهاتف",
        "الجوال",
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
        "фио",
        "имя",  # strictly the first name, but the exports seen hold the whole name under it
        "氏名",
        "名前",
        "الاسم",
        "الاسم الكامل",
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
        "фамилия",
        "姓",
        "اسم العائلة",
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
        "компания",
        "организация",
        "会社",
        "会社名",
        "企業名",
        "الشركة",
        "شركة",
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
        "должность",
        "役職",
        "المسمى الوظيفي",
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
    "country": ("country", "country region", "land", "pays", "pais", "страна", "国", "الدولة", "البلد"),
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
        "примечание",
        "комментарий",
        "メモ",
        "備考",
        "ملاحظات",
    ),
}

# Words that may surround a synonym without changing what the column holds ("Work phone", "Email 2",
# "Nom de l'entreprise"). Any other extra word makes the match weak.
_QUALIFIERS = frozenset(
    {"work", "business", "biz", "primary", "main", "office", "private", "personal", "home", "direct"}
    | {"contact", "lead", "customer", "client", "person", "full", "name", "nom", "nombre"}
    | {"address", "adresse", "direccion", "number", "no", "nr", "num", "value"}
    | {"other", "alt", "alternate", "alternative", "secondary", "second", "additional", "mobile", "cell"}
    | {"of", "the", "de", "la", "le", "l", "du", "des", "del", "der", "die", "das"}
)

# Words that say the column is *about* a field rather than holding it ("Email opt-in", "Company size").
_DISQUALIFIERS = frozenset(
    {"opt", "optin", "optout", "opted", "consent", "permission", "subscribed", "unsubscribed", "not"}
    | {"bounced", "verified", "valid", "status", "type", "date", "id", "count", "owner"}
    | {"size", "employees", "revenue", "domain", "url", "website", "web", "linkedin", "twitter"}
    | {"middle", "maiden", "phonetic", "yomi", "nickname", "nick"}  # part of a name, never the name
)

# Words that say the column belongs to someone or something else than the lead ("Mum email", "Billing
# Phone", "Assistant's phone"): still a match, but a weak one that ranks below the person's own column.
_DISTRACTORS = frozenset(
    {"billing", "shipping", "invoice", "delivery", "assistant", "assistants", "manager", "managers", "spouse"}
    | {"mum", "mom", "mother", "dad", "father", "parent", "parents", "emergency", "referrer", "referral", "fax"}
    | {"pager", "secretary", "guardian", "partner"}
)
# Words that say the column is about the seller's side, not the lead ("Lead Owner Email", "Created By",
# "Sales Rep Phone"): its addresses are never the lead's, whatever its values look like.
_OWN_SIDE = frozenset({"owner", "rep", "representative", "agent", "assigned", "salesperson", "seller", "created"})
_OWN_SIDE |= {"modified", "updated", "sender"}

EXACT, QUALIFIED, WEAK = 3, 2, 1
_KANA_MARKS = frozenset("\u3099\u309a")
HEADER_CHARS = 200


def normalize_header(text: str) -> str:
    """Lower-case words without accents, separated by single spaces: "E-Mail-Adresse" → "email adresse",
    "Электронная почта" → "электронная почта"."""
    decomposed = unicodedata.normalize("NFKD", text)
    # Accents and Arabic hamza marks go (é → e); the kana voicing marks stay: ド is not ト.
    kept = "".join(char for char in decomposed if not unicodedata.combining(char) or char in _KANA_MARKS)
    folded = unicodedata.normalize("NFC", kept).casefold()
    words = " ".join(re.sub(r"[\W_]+", " ", folded).split())
    return re.sub(r"\be mail\b", "email", words)


def _match_level(header: str, synonym: str) -> int:
    """How well a normalized header matches one synonym: EXACT, QUALIFIED, WEAK or 0."""
    if header == synonym or header.replace(" ", "") == synonym.replace(" ", ""):
        return EXACT
    words, wanted = header.split(), synonym.split()
    for start in range(len(words) - len(wanted) + 1):
        if words[start : start + len(wanted)] == wanted:
            extras = words[:start] + words[start + len(wanted) :]
            if _DISTRACTORS.intersection(extras):
                return WEAK
            return QUALIFIED if all(word in _QUALIFIERS or word.isdigit() for word in extras) else WEAK
    return 0


# Every (field, synonym) in preference order, and two indexes into it: a synonym can only match a header
# that holds its first word, or that equals it once spaces are dropped ("e mail", "firstname"). Looking
# candidates up instead of trying all of them keeps a 50,000-column header row fast.
_SYNONYM_ORDER = [(field, normalize_header(synonym)) for field, synonyms in _SYNONYMS.items() for synonym in synonyms]
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


def names_someone_else(header: str) -> bool:
    """Whether the header says the column belongs to someone else ("Mum email", "Billing Phone")."""
    return bool(_DISTRACTORS.intersection(normalize_header((header or "")[:HEADER_CHARS]).split()))


def names_the_seller_side(header: str) -> bool:
    """Whether the header says the column is about the seller's side ("Lead Owner Email", "Created By")."""
    return bool(_OWN_SIDE.intersection(normalize_header((header or "")[:HEADER_CHARS]).split()))


def header_match(header: str) -> tuple[str, int] | None:
    """The field a header names and how strongly (EXACT, QUALIFIED or WEAK); None when it names none.

    Only a header's head counts (headers travel cut to HEADER_CHARS): a 5 MB cell costs nothing.
    """
    return _best_field(normalize_header((header or "")[:HEADER_CHARS]))


def find_header_row(rows: list[list[str]]) -> int | None:
    """Index of the row that looks most like a header: most fields recognized, strong matches first.

    Title rows ("Trade show leads 2026") and data rows rarely match more than one field, so the real
    header wins; among equals the earliest row wins.
    """
    best_index, best_score = None, (0, 0)
    for index, row in enumerate(rows):
        matches = [match for cell in row if (match := header_match(cell))]
        score = (
            len({field for field, level in matches if level >= QUALIFIED}),
            len({field for field, _ in matches}),
        )
        if score > best_score:
            best_index, best_score = index, score
    return best_index

"""The offline question parser: plain-language questions → ChatQuery, with no LLM.

Deterministic and deliberately narrow. Recognizers run in a fixed order over the question; each one
blanks out the words it understood. If a word is left that is neither understood nor filler ("are",
"there", "please"…), the question is *not* understood — better to say so, with suggestions, than to
answer a different question. Values (company, worksheet, file…) are free text: quotes and trailing
punctuation are stripped, and matching ignores case and accents later, in the executor.

A follow-up ("and how many of them have phones?", "what about last week?") starts from the previous
turn's query: new filters replace that query's filters on the same field, a new date range replaces its
range, and the action, grouping, sort and limit carry over unless the follow-up names new ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from easycrm.chat.numbers import NUMBER_WORDS
from easycrm.chat.query import (
    MAX_DAYS,
    MAX_LIMIT,
    Action,
    ChatQuery,
    DatePreset,
    DateRange,
    Filter,
    FilterField,
    GroupField,
    Operator,
    Sort,
    SortOrder,
)
from easycrm.leads.queries import SortField, fold
from easycrm.leads.stats import MAX_TOP
from easycrm.models import INDUSTRIES, LeadField

SUGGESTIONS = (
    "How many leads came in this week?",
    "Which companies have the most leads?",
    "Top 5 industries",
    "Show leads from Acme with a phone number",
    "Who came from the Webinar sheet?",
    "Leads without email created in the last 30 days",
)

_CONSUMED = "\x1f"  # replaces understood words, so positions stay and values cannot run across them


def _words(text: str) -> list[str]:
    return text.split()


# Words that end a free-text value ("from Acme with a phone" → Acme); they, and a few more, never start one.
_END_WORDS = _words(
    "with without having has have had that who whose which where when created added came come arrived imported "
    "uploaded in on since between before after until till from during this last past today yesterday and or but "
    "sorted ordered order sort grouped by per top first limit newest oldest latest than are is were was leads lead"
)
_NOT_FIRST_WORDS = [
    *_END_WORDS,
    *_words("contacts contact people show list me all count how many number numbers address addresses"),
]
# A stop word ends a value only as a whole word: "leads" stops one, "leads-sample.xlsx" does not.
_WHOLE_WORD_END = rf"(?=[\s{_CONSUMED},;?!]|$)"
_FIRST_WORD = rf"(?<![^\s{_CONSUMED}])(?!(?:{'|'.join(_NOT_FIRST_WORDS)}){_WHOLE_WORD_END})[^\s{_CONSUMED},;?!\"]+"
_NEXT_WORD = rf"(?!(?:{'|'.join(_END_WORDS)}){_WHOLE_WORD_END})[^\s{_CONSUMED},;?!\"]+"
_END = rf"(?=\s*(?:$|[{_CONSUMED},;?!]|(?:{'|'.join(_END_WORDS)})\b))"


def _value_pattern(*, bounded: bool = True) -> str:
    """A free-text value: a quoted string, or up to six words.

    `bounded`: the words run to a stop word, punctuation or the end ("from Acme with…"); otherwise the
    pattern that follows ends them ("the Trade Show sheet").
    """
    words = rf"{_FIRST_WORD}(?:\s+{_NEXT_WORD}){{0,5}}?"
    quoted = rf"\"(?P<quoted>[^\"{_CONSUMED}]+)\"|(?<!\w)'(?P<single>[^'{_CONSUMED}]+)'(?!\w)"
    return rf"(?:{quoted}|(?P<bare>{words}){_END if bounded else ''})"


_VALUE = _value_pattern()
_VALUE_BEFORE = _value_pattern(bounded=False)

_NUMBER_WORDS = {word: number for word, number in NUMBER_WORDS.items() if number > 0}  # "top none" is no number
_NUMBER = rf"(?:\d{{1,4}}|{'|'.join(_NUMBER_WORDS)})"
_DATE = r"\d{4}-\d{2}-\d{2}"


def _alternatives(words: Mapping[str, str]) -> str:
    """A regex alternation of the keys, longest first (so "job title" wins over "title")."""
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True))


# Field names as people say them.
_FILTER_FIELD_WORDS: dict[str, FilterField] = {
    "name": "name",
    "full name": "name",
    "first name": "firstName",
    "given name": "firstName",
    "last name": "lastName",
    "surname": "lastName",
    "family name": "lastName",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "phone": "phone",
    "phone number": "phone",
    "telephone": "phone",
    "mobile": "phone",
    "company": "company",
    "organisation": "company",
    "organization": "company",
    "employer": "company",
    "title": "title",
    "job title": "title",
    "position": "title",
    "role": "title",
    "industry": "industry",
    "sector": "industry",
    "source": "source",
    "lead source": "source",
    "channel": "source",
    "country": "country",
    "notes": "notes",
    "note": "notes",
    "comments": "notes",
    "worksheet": "worksheet",
    "sheet": "worksheet",
    "tab": "worksheet",
    "file": "file",
    "file name": "file",
    "filename": "file",
    "upload": "upload",
}
_GROUP_FIELD_WORDS: dict[str, GroupField] = {
    "company": "company",
    "companies": "company",
    "organisations": "company",
    "organizations": "company",
    "employers": "company",
    "industry": "industry",
    "industries": "industry",
    "sector": "industry",
    "sectors": "industry",
    "source": "source",
    "sources": "source",
    "lead sources": "source",
    "channels": "source",
    "country": "country",
    "countries": "country",
    "title": "title",
    "titles": "title",
    "job title": "title",
    "job titles": "title",
    "roles": "title",
    "worksheet": "worksheet",
    "worksheets": "worksheet",
    "sheet": "worksheet",
    "sheets": "worksheet",
    "tabs": "worksheet",
    "file": "file",
    "files": "file",
}
_PRESENCE_FIELD_WORDS: dict[str, LeadField] = {
    "phone": "phone",
    "phones": "phone",
    "phone number": "phone",
    "phone numbers": "phone",
    "telephone": "phone",
    "telephone number": "phone",
    "mobile": "phone",
    "mobile number": "phone",
    "email": "email",
    "emails": "email",
    "e-mail": "email",
    "e-mails": "email",
    "email address": "email",
    "email addresses": "email",
    "company": "company",
    "title": "title",
    "job title": "title",
    "industry": "industry",
    "source": "source",
    "country": "country",
    "notes": "notes",
    "note": "notes",
    "name": "name",
}
_SORT_FIELD_WORDS: dict[str, SortField] = {
    "date": "createdAt",
    "created date": "createdAt",
    "creation date": "createdAt",
    "created": "createdAt",
    "createdat": "createdAt",
    "name": "name",
    "company": "company",
    "email": "email",
}


def _industry_aliases() -> dict[str, str]:
    """Folded ways to say each known industry ("health care", "tech", "pharma") → its canonical name."""
    aliases: dict[str, str] = {}
    for industry in INDUSTRIES:
        if industry == "Other":  # "other" is an everyday word, not a filter
            continue
        aliases[fold(industry)] = industry
        aliases[fold(industry.replace("&", "and"))] = industry
        for part in industry.split(" & "):
            aliases[fold(part)] = industry
    extra = {
        "health care": "Healthcare",
        "health": "Healthcare",
        "tech": "Technology",
        "software": "Technology",
        "finance": "Financial Services",
        "financial": "Financial Services",
        "banking": "Financial Services",
        "pharma": "Pharmaceuticals & Biotech",
        "pharmaceutical": "Pharmaceuticals & Biotech",
        "biotech": "Pharmaceuticals & Biotech",
        "nonprofit": "Non-Profit",
        "non profit": "Non-Profit",
        "ecommerce": "Retail & E-Commerce",
        "telecom": "Telecommunications",
        "telecoms": "Telecommunications",
        "logistics": "Transportation & Logistics",
        "transport": "Transportation & Logistics",
        "hospitality": "Hospitality & Travel",
        "public sector": "Government",
    }
    return {**aliases, **extra}


INDUSTRY_ALIASES = _industry_aliases()

_FILE_EXTENSION = r"\.(?:xlsx|xlsm|xls|csv|ods|tsv|txt)"


@dataclass
class _Reading:
    """What the recognizers found so far."""

    action: Action | None = None
    filters: list[Filter] = field(default_factory=list)
    created: DateRange | None = None
    group_by: GroupField | None = None
    top: int | None = None
    sort: Sort | None = None
    limit: int | None = None
    follow_up: bool = False
    recognized: bool = False
    asks_about: bool = False  # "what about …"
    other_value: str | None = None  # "what about Globex": a new value for the previous query's filter

    def add(self, field_name: FilterField, op: Operator, value: str | None = None) -> None:
        if field_name == "industry" and value is not None:
            value = INDUSTRY_ALIASES.get(fold(value), value)
        self.filters.append(Filter(field=field_name, op=op, value=value))


def parse_question(question: str, previous: ChatQuery | None = None) -> ChatQuery | None:
    """The question as a ChatQuery, or None when it is not understood.

    `previous` is the query that answered the previous turn; it is the context of a follow-up.
    """
    text = _sanitized(question)
    reading = _Reading()
    try:
        for pattern, recognize in _RECOGNIZERS:
            text = _consume(pattern, recognize, text, reading)
    except ValueError:  # pydantic's ValidationError too: a value the language refuses (too long, a bad date)
        return None
    leftover = [word for word in re.findall(r"[^\W_]+(?:['-][^\W_]+)*", text) if word.casefold() not in _FILLER]
    if leftover or not reading.recognized:
        return None
    try:
        return _query(reading, previous if reading.follow_up else None)
    except ValueError:  # pydantic's ValidationError too: a combination the language refuses
        return None


_TYPOGRAPHIC_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def _sanitized(question: str) -> str:
    text = "".join(" " if not char.isprintable() else char for char in question)
    text = text.translate(_TYPOGRAPHIC_QUOTES)
    return " ".join(text.split()).rstrip(".?! ")


def _consume(pattern: re.Pattern[str], recognize: Callable, text: str, reading: _Reading) -> str:
    """Apply one recognizer to every match; blank out what it understood."""
    for match in list(pattern.finditer(text)):
        if recognize(match, reading) is not False:
            reading.recognized = True
            text = text[: match.start()] + _CONSUMED * (match.end() - match.start()) + text[match.end() :]
    return text


def _query(reading: _Reading, previous: ChatQuery | None) -> ChatQuery:
    filters = reading.filters
    created, group_by, top = reading.created, reading.group_by, reading.top
    sort, limit, action = reading.sort, reading.limit, reading.action
    if reading.other_value is not None:
        filters = [*filters, _replacing_value(previous, reading.other_value)]
    if previous is not None:
        named = {condition.field for condition in filters}
        filters = [condition for condition in previous.filters if condition.field not in named] + filters
        created = created or previous.created
        if group_by is None and action is None:
            group_by, top = previous.group_by, previous.top
        sort = sort or previous.sort
        limit = previous.limit if limit is None else limit
        action = action or previous.action
    if group_by is not None:
        action = "group_by"
    return ChatQuery(
        action=action or "list",
        filters=filters,
        created=created,
        group_by=group_by,
        top=top if group_by else None,
        sort=sort or Sort(),
        limit=MAX_LIMIT if limit is None else limit,
    )


def _replacing_value(previous: ChatQuery | None, value: str) -> Filter:
    """For "what about Globex" after a company filter: the same filter with the new value."""
    for condition in reversed(previous.filters if previous else []):
        if condition.op in ("equals", "contains") and condition.field != "upload":
            if condition.field == "industry":
                value = INDUSTRY_ALIASES.get(fold(value), value)
            return Filter(field=condition.field, op=condition.op, value=value)
    raise ValueError("nothing in the previous question to replace")


# recognizers ------------------------------------------------------------------------------------


def _value(match: re.Match[str]) -> str:
    raw = match.group("quoted") or match.group("single") or match.group("bare") or ""
    return raw.strip().strip(",;:")


def _number(text: str | None, default: int, high: int) -> int:
    if not text:
        return default
    number = _NUMBER_WORDS.get(text.casefold()) or int(text)
    return max(1, min(number, high))


def _follow_up(match: re.Match[str], reading: _Reading) -> None:
    reading.follow_up = True


def _what_about(match: re.Match[str], reading: _Reading) -> None:
    reading.follow_up = reading.asks_about = True


def _other_value(match: re.Match[str], reading: _Reading) -> bool:
    """What is left of "what about …" is a value; `_query` puts it in place of the previous one."""
    if not reading.asks_about:
        return False
    reading.other_value = _value(match)
    return True


def _iso(text: str) -> date:
    return date.fromisoformat(text)


def _between(match: re.Match[str], reading: _Reading) -> None:
    reading.created = DateRange(start=_iso(match["a"]), end=_iso(match["b"]))


def _one_side(match: re.Match[str], reading: _Reading) -> None:
    day = _iso(match["day"])
    word = (match["word"] or "on").casefold()
    if word in ("since", "from", "starting"):
        reading.created = DateRange(start=day)
    elif word == "after":
        reading.created = DateRange(start=day + timedelta(days=1))
    elif word == "before":
        reading.created = DateRange(end=day - timedelta(days=1))
    elif word in ("until", "till", "through"):
        reading.created = DateRange(end=day)
    else:  # "on", or a bare date
        reading.created = DateRange(start=day, end=day)


_PRESET_PHRASES: dict[str, DatePreset] = {
    "today": "today",
    "yesterday": "yesterday",
    "this week": "this_week",
    "last week": "last_week",
    "previous week": "last_week",
    "this month": "this_month",
    "last month": "last_month",
    "previous month": "last_month",
}


def _preset(match: re.Match[str], reading: _Reading) -> None:
    reading.created = DateRange(preset=_PRESET_PHRASES[" ".join(match["phrase"].casefold().split())])


def _last_days(match: re.Match[str], reading: _Reading) -> None:
    unit = match["unit"].casefold()
    count = _number(match["n"], 1, MAX_DAYS)
    days = count * 7 if unit.startswith("week") else count
    reading.created = DateRange(preset="last_n_days", days=min(days, MAX_DAYS))


def _past_week(match: re.Match[str], reading: _Reading) -> None:
    reading.created = DateRange(preset="last_n_days", days=7 if match["unit"].casefold() == "week" else 30)


def _upload(match: re.Match[str], reading: _Reading) -> None:
    reading.add("upload", "equals", match["id"])


def _sorted_by(match: re.Match[str], reading: _Reading) -> None:
    by = _SORT_FIELD_WORDS[" ".join(match["field"].casefold().split())]
    direction = (match["dir"] or "").casefold()
    order: SortOrder | None = None
    if direction:
        order = "desc" if direction.startswith(("desc", "z", "newest")) else "asc"
    reading.sort = Sort(by=by, order=order)


def _newest_n(match: re.Match[str], reading: _Reading) -> None:
    word = (match["word"] or match["word2"]).casefold()
    reading.limit = _number(match["n"] or match["n2"], MAX_LIMIT, MAX_LIMIT)
    if word in ("oldest", "earliest"):
        reading.sort = Sort(by="createdAt", order="asc")
    elif word != "first":
        reading.sort = Sort(by="createdAt", order="desc")


def _order_word(match: re.Match[str], reading: _Reading) -> None:
    word = match[0].casefold()
    if word.startswith(("oldest", "earliest")):
        reading.sort = Sort(by="createdAt", order="asc")
    elif word.startswith(("alphabetical", "a-z", "a to z")):
        reading.sort = Sort(by="name", order="asc")
    else:
        reading.sort = Sort(by="createdAt", order="desc")


def _limit(match: re.Match[str], reading: _Reading) -> None:
    reading.limit = _number(match["n"] or match["n2"], MAX_LIMIT, MAX_LIMIT)


def _group(match: re.Match[str], reading: _Reading) -> None:
    reading.group_by = _GROUP_FIELD_WORDS[" ".join(match["field"].casefold().split())]
    reading.top = _number(match.groupdict().get("n"), 10, MAX_TOP)


def _field_of(match: re.Match[str]) -> FilterField:
    return _FILTER_FIELD_WORDS[" ".join(match["field"].casefold().split())]


_PRESENT_WORDS = ("set", "given", "present", "known", "filled", "filled in")


def _field_empty(match: re.Match[str], reading: _Reading) -> None:
    state = " ".join(match["state"].casefold().split())
    present = state.startswith("not ") or state in _PRESENT_WORDS
    reading.add(_field_of(match), "is_not_empty" if present else "is_empty")


def _field_contains(match: re.Match[str], reading: _Reading) -> None:
    reading.add(_field_of(match), "contains", _value(match))


def _field_equals(match: re.Match[str], reading: _Reading) -> None:
    reading.add(_field_of(match), "equals", _value(match))


def _named(match: re.Match[str], reading: _Reading) -> None:
    reading.add("name", "contains", _value(match))


def _file_with_extension(match: re.Match[str], reading: _Reading) -> None:
    reading.add("file", "equals", match["name"].strip('"'))


def _file_words(match: re.Match[str], reading: _Reading) -> None:
    value = _value(match)
    reading.add("file", "equals" if re.search(_FILE_EXTENSION + "$", value, re.I) else "contains", value)


def _worksheet(match: re.Match[str], reading: _Reading) -> None:
    reading.add("worksheet", "equals", _value(match))


def _presence(op: Operator) -> Callable[[re.Match[str], _Reading], None]:
    def recognize(match: re.Match[str], reading: _Reading) -> None:
        words = re.split(r"\s*(?:,|\band\b|\bor\b|&|/)\s*(?:an?\s+)?", match["fields"], flags=re.I)
        for word in words:
            field_name = _PRESENCE_FIELD_WORDS[" ".join(word.casefold().split())]
            if not any(c.field == field_name and c.op == op for c in reading.filters):
                reading.add(field_name, op)

    return recognize


def _known_industry(match: re.Match[str], reading: _Reading) -> bool:
    """An industry word only counts when no other name word precedes it: "from Acme Media" is a company."""
    before = match.string[: match.start()].split()
    if before and before[-1].strip(_CONSUMED) and before[-1].casefold() not in _NOT_FIRST_WORDS:
        return False
    reading.add("industry", "equals", match["industry"])
    return True


def _industry(match: re.Match[str], reading: _Reading) -> None:
    reading.add("industry", "equals", _value(match))


def _source(match: re.Match[str], reading: _Reading) -> None:
    reading.add("source", "equals", _value(match))


def _country(match: re.Match[str], reading: _Reading) -> None:
    reading.add("country", "equals", _value(match))


def _company(match: re.Match[str], reading: _Reading) -> None:
    reading.add("company", "equals", _value(match))


def _action(action: Action) -> Callable[[re.Match[str], _Reading], None]:
    def recognize(match: re.Match[str], reading: _Reading) -> None:
        if reading.action is None or action == "count":  # "show me how many…" is a count
            reading.action = action

    return recognize


def _noun(match: re.Match[str], reading: _Reading) -> None:
    """A bare "leads" is a question too: list them."""


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_FILTER_FIELD = rf"(?P<field>{_alternatives(_FILTER_FIELD_WORDS)})"
_GROUP_FIELD = rf"(?P<field>{_alternatives(_GROUP_FIELD_WORDS)})"
_PRESENCE_FIELD = _alternatives(_PRESENCE_FIELD_WORDS)
_PRESENCE_FIELDS = (
    rf"(?P<fields>(?:{_PRESENCE_FIELD})(?:\s*(?:,|\band\b|\bor\b|&|/)\s*(?:an?\s+)?(?:{_PRESENCE_FIELD}))*)"
)
_INDUSTRY = _alternatives(INDUSTRY_ALIASES)

_RECOGNIZERS: list[tuple[re.Pattern[str], Callable]] = [
    # follow-ups
    (_compile(r"^\s*(?:and|also|plus|ok(?:ay)?|so|now|then)\b,?"), _follow_up),
    (_compile(r"^\s*(?:what|how)\s+about\b"), _what_about),
    (
        _compile(r"\b(?:of|among|from|for|out\s+of)\s+(?:all\s+)?(?:them|those|these)(?:\s+(?:leads|ones))?\b"),
        _follow_up,
    ),
    (_compile(r"\b(?:them|those|these)(?:\s+(?:leads|ones))?\b"), _follow_up),
    # dates
    (_compile(rf"\b(?:between\s+(?P<a>{_DATE})\s+and\s+(?P<b>{_DATE}))"), _between),
    (_compile(rf"\bfrom\s+(?P<a>{_DATE})\s+(?:to|until|till|through|-)\s+(?P<b>{_DATE})"), _between),
    (
        _compile(rf"(?:\b(?P<word>since|from|starting|after|before|until|till|through|on)\s+)?(?P<day>{_DATE})\b"),
        _one_side,
    ),
    (
        _compile(
            rf"\b(?:in\s+|during\s+|over\s+|within\s+)?(?:the\s+)?(?:last|past|previous)\s+(?P<n>{_NUMBER})\s+(?P<unit>days?|weeks?)\b"
        ),
        _last_days,
    ),
    (_compile(r"\b(?:in\s+|during\s+|over\s+|within\s+)?the\s+(?:last|past)\s+(?P<unit>week|month)\b"), _past_week),
    (_compile(r"\b(?:in\s+|during\s+)?(?P<phrase>today|yesterday|(?:this|last|previous)\s+(?:week|month))\b"), _preset),
    # upload ids
    (_compile(r"\bupload(?:\s+id)?\s*[:=]?\s*(?P<id>[0-9a-f]{8}[0-9a-f-]{0,56})\b"), _upload),
    # sort and limit
    (
        _compile(
            rf"\b(?:sorted|sort|ordered|order)\s+by\s+(?P<field>{_alternatives(_SORT_FIELD_WORDS)})(?:\s+(?P<dir>asc(?:ending)?|desc(?:ending)?|a-z|z-a|a\s+to\s+z|z\s+to\s+a|newest\s+first|oldest\s+first))?\b"
        ),
        _sorted_by,
    ),
    (
        _compile(
            rf"\b(?:the\s+)?(?:(?P<word>newest|latest|most\s+recent|last|recent|oldest|earliest|first)\s+(?P<n>{_NUMBER})|(?P<n2>{_NUMBER})\s+(?P<word2>newest|latest|most\s+recent|oldest|earliest))\b"
        ),
        _newest_n,
    ),
    (
        _compile(
            r"\b(?:newest|latest|most\s+recent|recent|oldest|earliest)(?:\s+first)?\b|\balphabetical(?:ly)?\b|\ba-z\b|\ba\s+to\s+z\b"
        ),
        _order_word,
    ),
    (
        _compile(
            rf"\blimit(?:ed)?\s+(?:to\s+)?(?P<n>{_NUMBER})\b|\b(?P<n2>{_NUMBER})\s+(?:leads|contacts|people|results)\b"
        ),
        _limit,
    ),
    # grouping
    (_compile(rf"\b(?:the\s+)?top\s+(?:(?P<n>{_NUMBER})\s+)?{_GROUP_FIELD}\b"), _group),
    (
        _compile(rf"\b(?:the\s+)?(?P<n>{_NUMBER})\s+(?:biggest|largest|top|leading|most\s+common)\s+{_GROUP_FIELD}\b"),
        _group,
    ),
    (
        _compile(
            rf"\b(?:which|what)\s+(?:(?P<n>{_NUMBER})\s+)?{_GROUP_FIELD}\s+(?:has|have|had|brought|bring|sent|send|gave|give|produced|generated|generate|contributed)\s+(?:the\s+)?(?:most|more)(?:\s+(?:leads|contacts))?\b"
        ),
        _group,
    ),
    (
        _compile(rf"\b(?:the\s+)?(?:most\s+common|most\s+frequent|biggest|largest|main|leading)\s+{_GROUP_FIELD}\b"),
        _group,
    ),
    (
        _compile(
            rf"\b(?:(?:broken\s+down|grouped|split|group|break\s*down|breakdown)\s+)?(?:by|per|for\s+each|for\s+every|across)\s+{_GROUP_FIELD}\b"
        ),
        _group,
    ),
    (_compile(rf"\b{_GROUP_FIELD}\s+(?:breakdown|distribution|split)\b"), _group),
    # explicit field conditions
    (
        _compile(
            rf"\b{_FILTER_FIELD}\s+(?:is|are|was|were)\s+(?P<state>empty|blank|missing|unknown|not\s+set|not\s+given|n/?a|not\s+empty|not\s+blank|not\s+missing|set|given|present|known|filled(?:\s+in)?)\b"
        ),
        _field_empty,
    ),
    (
        _compile(
            rf"\b{_FILTER_FIELD}\s+(?:contains|containing|contain|includes|including|include|mentions|mentioning|mention|like|matching|matches)\s+{_VALUE}"
        ),
        _field_contains,
    ),
    (
        _compile(
            rf"\b{_FILTER_FIELD}\s*(?:\bis\b|==|=|\bequals\b|\bequal\s+to\b|\bis\s+equal\s+to\b|:|\bnamed\b|\bcalled\b)\s*{_VALUE}"
        ),
        _field_equals,
    ),
    (_compile(rf"\b(?:in|from|on|at|with)\s+(?:the\s+|an?\s+)?{_FILTER_FIELD}\s+{_VALUE}"), _field_equals),
    (_compile(rf"\b(?:named|called)\s+{_VALUE}"), _named),
    # files and worksheets
    (
        _compile(
            rf"(?:\b(?:from|in|of)\s+)?(?:the\s+)?(?:file\s+)?(?P<name>\"[^\"{_CONSUMED}]+{_FILE_EXTENSION}\"|(?:{_FIRST_WORD}\s+(?:{_NEXT_WORD}\s+){{0,3}}?)?(?<![^\s{_CONSUMED}]){_NEXT_WORD}{_FILE_EXTENSION})(?:\s+(?:file|spreadsheet|workbook|upload))?(?!\w)"
        ),
        _file_with_extension,
    ),
    (_compile(rf"(?:\b(?:from|in|of)\s+)?(?:the\s+)?{_VALUE_BEFORE}\s+(?:file|spreadsheet|workbook)\b"), _file_words),
    (_compile(rf"(?:\b(?:from|in|on|of)\s+)?(?:the\s+)?{_VALUE_BEFORE}\s+(?:work)?(?:sheet|tab)\b"), _worksheet),
    # presence: with / without a field
    (
        _compile(
            rf"\b(?:without|with\s+no|with\s+missing|no|missing|lacking|lack|(?:that|who|which)?\s*(?:don'?t|do\s+not|doesn'?t|does\s+not|didn'?t)\s+have|have\s+no|has\s+no)\s+(?:an?\s+|any\s+|valid\s+)?{_PRESENCE_FIELDS}\b"
        ),
        _presence("is_empty"),
    ),
    (
        _compile(
            rf"\b(?:with|having|has|have|got|that\s+have|who\s+have|which\s+have)\s+(?:an?\s+|any\s+|valid\s+|an?\s+valid\s+|their\s+)?{_PRESENCE_FIELDS}\b"
        ),
        _presence("is_not_empty"),
    ),
    # industries, sources, countries, companies
    (
        _compile(
            rf"(?:\b(?:from|in|within|of)\s+)?(?:the\s+)?\b(?P<industry>{_INDUSTRY})(?:\s+(?:industry|sector|space|companies|firms|field|vertical))?{_END}"
        ),
        _known_industry,
    ),
    (_compile(rf"(?:\b(?:from|in|within)\s+)?(?:the\s+)?{_VALUE_BEFORE}\s+(?:industry|sector)\b"), _industry),
    (_compile(rf"\b(?:came\s+(?:in\s+)?)?(?:via|through|thru)\s+(?:the\s+|a\s+|an\s+)?{_VALUE}"), _source),
    (_compile(rf"\b(?:based|located|headquartered)\s+in\s+{_VALUE}"), _country),
    (_compile(rf"^[\s{_CONSUMED}]*{_VALUE}[\s{_CONSUMED}]*$"), _other_value),
    (
        _compile(
            rf"\b(?:from|at|(?:who\s+)?works?\s+(?:at|for)|working\s+(?:at|for)|employed\s+(?:at|by))\s+(?:the\s+)?{_VALUE}"
        ),
        _company,
    ),
    # actions
    (_compile(r"\bhow\s+many\b|\bcount(?:\s+of)?\b|\bnumber\s+of\b|\btotal(?:\s+number\s+of)?\b"), _action("count")),
    (
        _compile(
            r"\b(?:show|list|display|find|give|get|see|view|fetch|pull|who|which\s+(?:leads|ones|people|contacts)|what\s+(?:leads|people|contacts))\b"
        ),
        _action("list"),
    ),
    (_compile(r"\b(?:leads?|contacts?|people|persons|records|entries)\b"), _noun),
]

_FILLER = frozenset(
    _words(
        "a an the are is was were be been there do does did we i you me us our my your have has had got in all of "
        "that which who whose where please can could would will tell what whats how came come coming created added "
        "arrived imported uploaded entered registered signed up so far currently right now any ones to for it its "
        "their only just also and but with from by on at this ever altogether overall everything"
    )
)

"""ChatService: one question in, one grounded answer out.

    service = ChatService(lead_repository, deepseek_client_or_none)
    service.answer("How many leads from healthcare came in this week?", history, owned_uploads=uploads)

The question becomes a ChatQuery — through DeepSeek when a client is given, else (or when DeepSeek
fails) through the offline parser — which the executor runs read-only. The answer text is built from
the executed numbers and restates the filters; DeepSeek may reword it, but a wording that states any
number the query did not produce is dropped for ours.

LLM errors are handled as in the import pipeline: 402 (balance) and 401 (key) pause DeepSeek for this
service (`LLM_PAUSE`) and say so; 429/5xx/timeouts are retried by the client and then, like 400/422,
answered with the offline parser and a note. Nothing the model says is executed unless it is a valid
query, and a question is never left without an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from easycrm.chat.executor import ChatResult, LeadSource, execute
from easycrm.chat.parser import SUGGESTIONS, parse_question
from easycrm.chat.query import FIELD_LABELS, ChatQuery, GroupField, parse_query
from easycrm.chat.translate import Refusal, date_spellings, grounded, phrase, stated_numbers, translate
from easycrm.errors import InvalidInput, LlmAuthError, LlmBalanceExhausted, LlmError
from easycrm.leads.queries import key_value
from easycrm.leads.stats import Grouping
from easycrm.ports import LanguageModel

logger = logging.getLogger("easycrm.chat")

MAX_MESSAGE_CHARS = 500
MAX_HISTORY_TURNS = 5
LLM_PAUSE = timedelta(minutes=15)

_GROUP_PLURALS = {
    "company": "companies",
    "industry": "industries",
    "source": "sources",
    "country": "countries",
    "title": "titles",
    "worksheet": "worksheets",
    "file": "files",
}
_CAPABILITIES = (
    "I can count, list and group leads by their fields, creation dates, worksheets and files; "
    "I never change or delete anything."
)
_OFFLINE_FALLBACK = "I answered with the built-in question parser, which knows the common questions."


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Turn:
    """One earlier question of the conversation and the query that answered it (None: not understood)."""

    question: str
    query: ChatQuery | None

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, **({"query": self.query.to_json()} if self.query else {})}


class ChatService:
    def __init__(
        self,
        leads: LeadSource,
        llm: LanguageModel | None = None,
        clock: Callable[[], datetime] = _utc_now,
        *,
        phrase_answers: bool = True,
    ) -> None:
        """`phrase_answers`: let DeepSeek word the answer (one more request per question)."""
        self._leads = leads
        self._llm = llm
        self._clock = clock
        self._phrase_answers = phrase_answers
        self._llm_paused_until: datetime | None = None
        self._llm_pause_reason = ""

    def answer(
        self,
        message: str,
        history: Sequence[Mapping[str, Any]] | None = None,
        owned_uploads: Iterable[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """Answer one question.

        `history`: the earlier turns, oldest first, each `{"question": str, "query": <the reply's query>}`
        (other keys are ignored; only the last MAX_HISTORY_TURNS are used). `owned_uploads`: the caller's
        own uploads (`{"uploadId", "fileName"}`, e.g. their status records), the only ones a question may
        filter by and an answer may show.

        Returns `{understood, answer, query, count, leads, interpreter}` plus `interpretation` (the filters in
        words) when understood, `groups` (`{field, values: [{value, count}], other, blank}`) for a group-by,
        `suggestions` when not understood, and `note` when DeepSeek could not be used.
        InvalidInput for a message or history that is not acceptable.
        """
        question = _checked_question(message)
        turns = _checked_history(history)
        own_uploads = {
            str(upload["uploadId"]): str(upload.get("fileName") or "")
            for upload in owned_uploads
            if upload.get("uploadId")
        }
        now = self._clock()
        interpreted, interpreter, note = self._interpret(question, turns, now)
        if not isinstance(interpreted, ChatQuery):
            return self._not_answered(interpreted, interpreter, note)
        result = execute(interpreted, self._leads, now=now, own_uploads=own_uploads)
        draft = answer_text(result, now, own_uploads)
        text = draft
        if interpreter == "deepseek" and self._phrase_answers:
            text = self._phrased(question, result, draft, now) or draft
        reply: dict[str, Any] = {
            "understood": True,
            "answer": text,
            "interpretation": interpreted.describe(now),
            "query": interpreted.to_json(),
            "count": result.count,
            "leads": result.leads,
            "interpreter": interpreter,
        }
        if result.grouping is not None:
            grouping = result.grouping.to_dict()
            reply["groups"] = {"field": interpreted.group_by, "values": grouping.pop("groups"), **grouping}
        if note:
            reply["note"] = note
        return reply

    # interpreting --------------------------------------------------------------------------------

    def _interpret(
        self, question: str, turns: list[Turn], now: datetime
    ) -> tuple[ChatQuery | Refusal | None, str, str]:
        """The question as a query (or a refusal), who read it, and a note when DeepSeek was not used."""
        note = ""
        if self._llm is not None:
            if self._llm_paused(now):
                note = f"{self._llm_pause_reason} {_OFFLINE_FALLBACK}"
            else:
                try:
                    history = [turn.to_json() for turn in turns]
                    return translate(self._llm, question, history, now.astimezone(UTC).date()), "deepseek", ""
                except LlmError as error:
                    note = f"{self._llm_failed(error, now)} {_OFFLINE_FALLBACK}"
        previous = next((turn.query for turn in reversed(turns) if turn.query is not None), None)
        return parse_question(question, previous), "offline", note

    def _llm_paused(self, now: datetime) -> bool:
        return self._llm_paused_until is not None and now < self._llm_paused_until

    def _llm_failed(self, error: LlmError, now: datetime) -> str:
        """Log the failure; after a 402 or 401 stop asking DeepSeek for a while, as the pipeline stops for an upload."""
        logger.warning("DeepSeek failed for a chat question: %s", error)
        if isinstance(error, LlmBalanceExhausted | LlmAuthError):
            self._llm_paused_until = now + LLM_PAUSE
            self._llm_pause_reason = str(error)
        return str(error)

    def _phrased(self, question: str, result: ChatResult, draft: str, now: datetime) -> str | None:
        """DeepSeek's wording, if every number in it is one this answer produced."""
        query = result.query
        groups = result.grouping.groups if result.grouping else []
        facts: dict[str, Any] = {
            "action": query.action,
            "interpretation": query.describe(now),
            "count": result.count,
            "leadsShown": len(result.leads),
        }
        if result.grouping is not None:
            facts["groups"] = [{"value": group.value, "count": group.count} for group in groups]
            facts["otherLeads"] = result.grouping.other
            facts["leadsWithoutValue"] = result.grouping.blank
        # Only a question DeepSeek interpreted is phrased by it, and `_interpret` asks it only when there is one.
        assert self._llm is not None
        try:
            text = phrase(self._llm, question, facts, draft)
        except LlmError as error:
            self._llm_failed(error, now)
            return None
        if text is None:
            return None
        literals = [condition.value or "" for condition in query.filters] + [group.value for group in groups]
        if query.created is not None:
            literals += date_spellings(day for day in query.created.days_covered(now) if day is not None)
        produced = (result.count, query.limit, query.top, query.created.days if query.created else None)
        # Our draft is built only from the executed query, so its numbers (counts, dates…) are produced ones.
        allowed = (stated_numbers(draft, literals) or set()) | {Decimal(n) for n in produced if n is not None}
        if query.action == "group_by":
            required = Decimal(groups[0].count) if groups else None
        else:
            required = Decimal(result.count) if result.count else None
        if grounded(text, allowed=allowed, required=required, literals=literals):
            return text
        logger.warning("Dropped the AI wording of a chat answer: it states numbers the query did not produce")
        return None

    # answers without a query ----------------------------------------------------------------------

    @staticmethod
    def _not_answered(refusal: Refusal | None, interpreter: str, note: str) -> dict[str, Any]:
        if refusal is None:
            text = f"I didn't understand that question. {_CAPABILITIES} Try one of these:"
        elif refusal.by_model:
            logger.info("DeepSeek declined a chat question: %s", refusal.reason)
            text = f"I can't answer that from the stored leads. {_CAPABILITIES} Try one of these:"
        else:
            logger.warning("Refused a DeepSeek query outside the chat query language: %s", refusal.reason)
            text = f"I couldn't turn that into a query I can run safely, so I ran nothing. {_CAPABILITIES}"
        reply: dict[str, Any] = {
            "understood": False,
            "answer": text,
            "query": None,
            "count": 0,
            "leads": [],
            "suggestions": list(SUGGESTIONS),
            "interpreter": interpreter,
        }
        if note:
            reply["note"] = note
        return reply


# the answer text --------------------------------------------------------------------------------


def answer_text(result: ChatResult, now: datetime, own_uploads: Mapping[str, str]) -> str:
    """The deterministic answer: the executed numbers, with the filters restated in words."""
    query = result.query
    sentences = [_matches(result.count, query, now)]
    if query.action == "list" and result.leads:
        shown = len(result.leads)
        if shown < result.count:
            sentences.append(f"Showing the first {shown}, {query.sort.describe()}.")
        elif shown > 1:
            sentences.append(f"Showing all {shown}, {query.sort.describe()}.")
    if result.grouping is not None and result.count:
        assert query.group_by is not None  # `execute` groups only for a query with group_by
        sentences.extend(_group_sentences(result.grouping, query.group_by))
    if _names_foreign_upload(query, own_uploads):
        sentences.append("Only your own uploads can be searched by upload or file, and none of yours matches.")
    return " ".join(sentences)


def _matches(count: int, query: ChatQuery, now: datetime) -> str:
    if not query.filters and query.created is None:
        if count == 0:
            return "There are no leads yet."
        return "There is 1 lead." if count == 1 else f"There are {count:,} leads."
    scope = query.describe(now)
    if count == 0:
        return f"No leads match: {scope}."
    return f"1 lead matches: {scope}." if count == 1 else f"{count:,} leads match: {scope}."


def _group_sentences(grouping: Grouping, field: GroupField) -> list[str]:
    plural, label = _GROUP_PLURALS[field], FIELD_LABELS[field]
    if not grouping.groups:
        return [f"None of them has a {label}."]
    listed = ", ".join(f"{group.value} ({group.count:,})" for group in grouping.groups)
    sentences = [f"Top {plural}: {listed}."]
    if grouping.other:
        sentences.append(f"{grouping.other:,} more in other {plural}.")
    if grouping.blank:
        sentences.append(f"{grouping.blank:,} without a {label}.")
    return sentences


def _names_foreign_upload(query: ChatQuery, own_uploads: Mapping[str, str]) -> bool:
    """An upload or file filter that none of the caller's uploads satisfies (it may be someone else's)."""
    for condition in query.filters:
        if condition.op == "equals" and condition.field in ("upload", "file"):
            wanted = key_value(condition.value)
            names = own_uploads if condition.field == "upload" else own_uploads.values()
            if wanted not in {key_value(name) for name in names}:
                return True
    return False


# input checks -----------------------------------------------------------------------------------


def _checked_question(message: Any) -> str:
    if not isinstance(message, str) or not message.strip():
        raise InvalidInput("Ask a question about your leads, e.g. “How many leads came in this week?”.")
    question = message.strip()
    if len(question) > MAX_MESSAGE_CHARS:
        raise InvalidInput(f"Questions are limited to {MAX_MESSAGE_CHARS} characters; this one has {len(question):,}.")
    return question


def _checked_history(history: Any) -> list[Turn]:
    """The last MAX_HISTORY_TURNS turns, each with a question of allowed length and a valid query (or none)."""
    if history is None:
        return []
    if not isinstance(history, list | tuple):
        raise InvalidInput("history must be a list of earlier turns.")
    turns = []
    for position, turn in enumerate(history[-MAX_HISTORY_TURNS:]):
        where = f"history[{len(history) - min(len(history), MAX_HISTORY_TURNS) + position}]"
        if not isinstance(turn, Mapping):
            raise InvalidInput(f"{where} must be an object with a question.")
        question = turn.get("question")
        if not isinstance(question, str) or not question.strip() or len(question) > MAX_MESSAGE_CHARS:
            raise InvalidInput(f"{where}.question must be a question of 1 to {MAX_MESSAGE_CHARS} characters.")
        query = turn.get("query")
        try:
            turns.append(Turn(question.strip(), None if query is None else parse_query(query)))
        except InvalidInput as error:
            raise InvalidInput(f"{where}.query: {error}") from None
    return turns

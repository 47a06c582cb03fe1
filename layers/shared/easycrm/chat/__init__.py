"""The chatbot: plain-language questions answered from the stored leads, read-only.

`ChatService.answer` is the entry point; `ChatQuery` (parsed by `parse_query`) is the closed query language
that both the offline parser and DeepSeek produce and that only `execute` runs.
"""

from easycrm.chat.executor import ChatResult, LeadSource, execute
from easycrm.chat.parser import SUGGESTIONS, parse_question
from easycrm.chat.query import ChatQuery, ChatQueryError, parse_query
from easycrm.chat.service import MAX_MESSAGE_CHARS, ChatService

__all__ = [
    "MAX_MESSAGE_CHARS",
    "SUGGESTIONS",
    "ChatQuery",
    "ChatQueryError",
    "ChatResult",
    "ChatService",
    "LeadSource",
    "execute",
    "parse_query",
    "parse_question",
]

"""Domain errors, without the domain knowing about HTTP.

Services raise these; `easycrm.http.resolver` is the one place that turns them into status codes (and the
command line into messages). `code` is the machine-readable reason shown with the message.
"""

from __future__ import annotations


class DomainError(Exception):
    """Something a user asked for cannot be done; `message` is shown to them as it is."""

    default_code = "INVALID_REQUEST"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code


class InvalidInput(DomainError, ValueError):
    """A value a user sent is not acceptable; the message says which and why."""


class TooLarge(InvalidInput):
    """What a user sent is over a size limit (a file over the upload limit)."""

    default_code = "TOO_LARGE"


class NotFound(DomainError):
    """There is no such thing, or it belongs to someone else (answered alike, so ids reveal nothing)."""

    default_code = "NOT_FOUND"


class Conflict(DomainError):
    """The thing is not in a state that allows this (an upload already finished, or changing now)."""

    default_code = "CONFLICT"


class Forbidden(DomainError):
    """The caller is signed in but not allowed to do this."""

    default_code = "FORBIDDEN"


class UnreadableFile(Exception):
    """An uploaded file cannot be read at all; str(error) is a message for the user who uploaded it."""


# --- the language model ------------------------------------------------------------------------------
# Raised by the model client (easycrm.adapters.deepseek); the importer and the chatbot react to them
# without knowing which provider is behind it.
class LlmError(Exception):
    """An LLM call failed; the message is safe to show a user."""


class LlmBalanceExhausted(LlmError):
    """HTTP 402: the account has no balance left, so further calls for this upload are pointless."""


class LlmAuthError(LlmError):
    """HTTP 401: the API key was refused."""


class LlmRequestRejected(LlmError):
    """HTTP 400/422: the request itself is wrong, so sending it again cannot help."""


class LlmUnavailable(LlmError):
    """Every attempt failed with something transient (rate limit, server error, timeout, bad answer)."""

"""Reading a request body: JSON only, bounded in size and depth, and clean enough for any store or log."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from easycrm.http.errors import ApiError

# Our deepest body is a chat turn's query (body → history → turn → query → filters → filter: 6 levels).
# The limit refuses absurd nesting before any code walks it: json.loads alone would give up with a
# RecursionError only near 1,000 levels, and recursive code after it (pydantic, the chat query) sooner.
MAX_JSON_DEPTH = 32
# Bounds the work of reading a body (API Gateway lets 10 MB through): our largest, a chat request with 50
# turns of history, is well under 100 KB.
MAX_BODY_CHARS = 1_000_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_json_body(event: BaseProxyEvent) -> Any:
    """The request body as a JSON document; ApiError (415, 413, 400) when it is not one we read.

    JSON only: Powertools would also parse form and multipart bodies (and fail with a 500 on some), and
    this API takes neither. No Content-Type counts as JSON, as API Gateway assumes. The body must be UTF-8
    (locally, the gateway base64-encodes one that is not), at most MAX_BODY_CHARS long, hold only standard
    JSON (no NaN or Infinity), nest at most MAX_JSON_DEPTH levels and hold no lone UTF-16 surrogates (no
    store or log could write them).
    """
    media_type = (event.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type not in ("", content_types.APPLICATION_JSON):
        raise ApiError(
            415, "UNSUPPORTED_MEDIA_TYPE", "Send the request body as JSON, with Content-Type: application/json."
        )
    body = event.body
    if not body:
        return None
    if event.is_base64_encoded:
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(400, "INVALID_REQUEST", "The request body is not UTF-8 text.") from None
    if len(body) > MAX_BODY_CHARS:
        raise ApiError(413, "REQUEST_TOO_LARGE", f"The request body is over {MAX_BODY_CHARS:,} characters.")
    return parse_json(body)


def parse_json(text: str) -> Any:
    """A JSON document from a request; ApiError 400 says what is wrong with it."""
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise _too_deep() from None
    except json.JSONDecodeError as error:
        raise _not_json(f"{error.msg} (line {error.lineno}, column {error.colno})") from None
    except _NotJsonValue as error:
        raise _not_json(str(error)) from None
    except ValueError:  # int() refuses more than 4,300 digits (sys.get_int_max_str_digits)
        raise _not_json("a number in it is too long") from None
    _check_values(document)
    return document


class _NotJsonValue(ValueError):
    """Python's json reads NaN, Infinity and -Infinity; JSON has no such values."""


def _refuse_constant(name: str) -> Any:
    raise _NotJsonValue(f"{name} is not a JSON value")


def _check_values(document: Any) -> None:
    """Refuse a document nested deeper than MAX_JSON_DEPTH or holding a lone surrogate, walked without
    recursion and one step per container (a 10 MB array of numbers adds no step per number)."""
    pending: list[tuple[Any, int]] = [([document], 0)]  # (the values of a container, their depth)
    while pending:
        values, depth = pending.pop()
        for value in values:
            if isinstance(value, str) and _SURROGATE.search(value):
                raise _not_json("it holds a lone UTF-16 surrogate (\\ud800-\\udfff)")
            if isinstance(value, dict | list):
                if depth >= MAX_JSON_DEPTH:
                    raise _too_deep()
                pending.append(([*value.keys(), *value.values()] if isinstance(value, dict) else value, depth + 1))


def _not_json(reason: str) -> ApiError:
    return ApiError(400, "INVALID_REQUEST", f"The request body is not valid JSON: {reason}.")


def _too_deep() -> ApiError:
    return ApiError(400, "INVALID_REQUEST", f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")

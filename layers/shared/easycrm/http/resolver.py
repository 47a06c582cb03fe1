"""The REST API's shared plumbing: one resolver set-up, one error shape, the caller's identity.

Every answer other than 2xx is `{"error": {"code": ..., "message": ...}}` (ErrorResponse): the domain raises
its own errors (easycrm.errors: InvalidInput, NotFound, Conflict, Forbidden, TooLarge), this module's
request reading raises ApiError, and build_resolver's exception handlers are the one place either becomes
HTTP (DOMAIN_STATUS says which status each domain error gets).
API Gateway's own answers (401 from the Cognito authorizer, 404, 413, ...) take the same shape through
template.yaml's GatewayResponses.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Annotated, Any

from annotated_types import Interval
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from easycrm.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, TooLarge
from easycrm.models import Caller
from easycrm.observability import logger
from easycrm.settings import get_settings

# Our deepest body is a chat turn's query (body → history → turn → query → filters → filter: 6 levels).
# The limit refuses absurd nesting before any code walks it: json.loads alone would give up with a
# RecursionError only near 1,000 levels, and recursive code after it (pydantic, the chat query) sooner.
MAX_JSON_DEPTH = 32
# Bounds the work of reading a body (API Gateway lets 10 MB through): our largest, a chat request with 50
# turns of history, is well under 100 KB.
MAX_BODY_CHARS = 1_000_000
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
_SURROGATE = re.compile("[\ud800-\udfff]")


# The status of each domain error; a subclass takes its own entry before its parent's (TooLarge before
# InvalidInput), so the most specific class is listed first.
DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (TooLarge, 413),
    (InvalidInput, 400),
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
)


def status_for(error: DomainError) -> int:
    """The HTTP status a domain error is answered with (400 for one this table does not know)."""
    return next((status for kind, status in DOMAIN_STATUS if isinstance(error, kind)), 400)


class ApiError(Exception):
    """An answer other than 2xx; `message` is shown to the user as it is."""

    def __init__(self, status_code: int, code: str, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


class ErrorDetail(BaseModel):
    code: str = Field(description="What went wrong, for programs: e.g. INVALID_REQUEST, NOT_FOUND, UNAUTHORIZED.")
    message: str = Field(description="What went wrong, for people: shown to the user as it is.")


class ErrorResponse(BaseModel):
    """Every answer other than 2xx, from a function or from API Gateway itself."""

    error: ErrorDetail


def error_response(status_code: int, code: str, message: str) -> Response:
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": code, "message": message}},
    )


# --- the OpenAPI description of the answers --------------------------------------------------------
# Every route can answer these, so they are declared here once: 400 when its parameters or body do not
# validate, 401 without a signed-in caller (API Gateway's Cognito authorizer refuses the request before
# the function runs; current_caller() refuses an event without claims), 500 for a bug of ours.
COMMON_ERRORS: dict[int, str] = {
    400: "INVALID_REQUEST: a parameter or the body is not valid; the message names it and says why.",
    401: "UNAUTHORIZED: no valid Cognito ID token in the Authorization header.",
    500: "INTERNAL_ERROR: something went wrong on our side.",
}
JSON_BODY_ERRORS: dict[int, str] = {
    413: f"REQUEST_TOO_LARGE: the body is over {MAX_BODY_CHARS:,} characters.",
    415: "UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json.",
}


def api_responses(
    success: dict[int, str], errors: dict[int, str] | None = None, *, json_body: bool = False
) -> dict[int, OpenAPIResponse]:
    """A route's OpenAPI `responses`: its success answer and every error status it can give.

    `errors` adds the route's own statuses, or its own reasons for a common one; `json_body` adds the
    statuses of read_json_body. Every error has ErrorResponse's shape.
    """
    described: dict[int, list[str]] = {}
    for reasons in (COMMON_ERRORS, JSON_BODY_ERRORS if json_body else {}, errors or {}):
        for code, text in reasons.items():
            described.setdefault(code, []).append(text)
    responses: dict[int, OpenAPIResponse] = {code: {"description": text} for code, text in success.items()}
    for code in sorted(described):
        responses[code] = {
            "description": " ".join(described[code]),
            "content": {content_types.APPLICATION_JSON: {"model": ErrorResponse}},
        }
    return responses


def openapi_document(app: APIGatewayRestResolver) -> dict:
    """The resolver's OpenAPI document as the API really answers.

    Powertools documents a 422 (and its schemas) on every validated route; build_resolver answers a
    request that fails validation with 400 in the error shape instead, which api_responses documents.
    """
    document = json.loads(app.get_openapi_json_schema())
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(name, None)
    return document


# --- requests ---------------------------------------------------------------------------------------
def query_int(low: int, high: int, **query: Any) -> Any:
    """The annotation of an integer query parameter from `low` to `high`, written in the digits 0-9.

    Query values are text, and pydantic's lax int parsing (like Python's int()) also reads " 1", "+1",
    "1_0" and "1.0", and int() reads Arabic-Indic and fullwidth digits: a page number in a URL is written
    in the ASCII digits and nothing else.
    """

    def whole_number(value: object) -> object:
        if isinstance(value, str) and not (_WHOLE_NUMBER.fullmatch(value) and low <= int(value) <= high):
            raise PydanticCustomError(
                "whole_number",
                "must be a whole number from {low} to {high}, not {value}",
                {"low": f"{low:,}", "high": f"{high:,}", "value": _shown(value)},
            )
        return value

    # The bounds come before the validator: pydantic then documents them as minimum and maximum.
    return Annotated[int, Interval(ge=low, le=high), BeforeValidator(whole_number), Query(**query)]


def _shown(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


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


class _JsonRequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, reading the body with read_json_body."""

    def _get_body(self, app: APIGatewayRestResolver) -> Any:
        return read_json_body(app.current_event)


# --- the caller -------------------------------------------------------------------------------------
def _groups(raw: object) -> frozenset[str]:
    """API Gateway passes `cognito:groups` as a list, or as text like "admins" or "[admins, sales]"."""
    if isinstance(raw, list):
        return frozenset(str(group) for group in raw)
    if isinstance(raw, str):
        return frozenset(part.strip() for part in raw.strip("[]").replace(",", " ").split() if part.strip())
    return frozenset()


def current_caller(app: APIGatewayRestResolver) -> Caller:
    authorizer = app.current_event.request_context.authorizer
    claims = (authorizer.claims if authorizer else None) or {}
    if not claims.get("sub"):
        raise ApiError(401, "UNAUTHORIZED", "Sign in to use Easy CRM.")
    return Caller(sub=claims["sub"], email=claims.get("email", ""), groups=_groups(claims.get("cognito:groups")))


# --- the resolver -----------------------------------------------------------------------------------
def _describe(errors) -> str:
    """Pydantic's errors as `name: what is wrong`, named as the client sent them (`fileSize`, `pageSize`)."""
    parts = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        location = ".".join(str(part) for part in loc if part not in ("body", "query", "path"))
        if not location and loc[:1] == ("body",):
            location = "the request body"
        parts.append(f"{location}: {error.get('msg', 'is invalid')}" if location else error.get("msg", "is invalid"))
    return "; ".join(parts) or "The request is not valid."


def build_resolver() -> APIGatewayRestResolver:
    """A REST resolver with request validation (hence an OpenAPI description) and our error shape."""
    # API Gateway adds no CORS headers to proxy-integration answers: the function must send them.
    cors = CORSConfig(allow_origin=get_settings().allowed_origin, allow_headers=["Authorization"], max_age=600)
    app = APIGatewayRestResolver(enable_validation=True, cors=cors)
    # Powertools has no public hook for how a body is read; its validation middleware is the one reader.
    app._request_validation_middleware = _JsonRequestValidation()

    @app.exception_handler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status_code, error.code, error.message)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        return error_response(status_for(error), error.code, error.message)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return error_response(400, "INVALID_REQUEST", _describe(error.errors()))

    @app.not_found
    def _no_route(_error: Exception) -> Response:
        return error_response(404, "NOT_FOUND", "There is no such API route.")

    @app.exception_handler(Exception)
    def _unexpected(_error: Exception) -> Response:
        logger.exception("Unhandled error")
        return error_response(500, "INTERNAL_ERROR", "Something went wrong on our side. Please try again.")

    return app

"""The OpenAPI description of every route's answers, as the API really gives them."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, content_types
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from easycrm.http.body import MAX_BODY_CHARS
from easycrm.http.errors import ErrorResponse

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

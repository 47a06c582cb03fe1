"""The REST resolver every API function builds: request validation, the caller's identity, and the one
place errors become HTTP answers (the statuses are in easycrm.http.errors)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from easycrm.errors import DomainError
from easycrm.http.body import read_json_body
from easycrm.http.errors import ApiError, error_response, status_for
from easycrm.models import Caller
from easycrm.observability import logger
from easycrm.settings import get_settings


class _JsonRequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, reading the body with read_json_body."""

    def _get_body(self, app: ApiGatewayResolver) -> Any:
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

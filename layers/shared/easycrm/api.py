"""The REST API's shared plumbing: one resolver set-up, one error shape, the caller's identity."""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from easycrm.errors import InvalidInput
from easycrm.observability import logger
from easycrm.settings import get_settings

ADMINS_GROUP = "admins"


class ApiError(Exception):
    """An answer other than 2xx; `message` is shown to the user as it is."""

    def __init__(self, status_code: int, code: str, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


def error_response(status_code: int, code: str, message: str) -> Response:
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": code, "message": message}},
    )


@dataclass(frozen=True)
class Caller:
    """The signed-in user, from the claims the Cognito authorizer verified."""

    sub: str
    email: str
    groups: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMINS_GROUP in self.groups


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


def _describe(errors) -> str:
    parts = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
        parts.append(f"{location}: {error.get('msg', 'is invalid')}" if location else error.get("msg", "is invalid"))
    return "; ".join(parts) or "The request is not valid."


def build_resolver() -> APIGatewayRestResolver:
    """A REST resolver with request validation (hence an OpenAPI description) and our error shape."""
    # API Gateway adds no CORS headers to proxy-integration answers: the function must send them.
    cors = CORSConfig(allow_origin=get_settings().allowed_origin, allow_headers=["Authorization"], max_age=600)
    app = APIGatewayRestResolver(enable_validation=True, cors=cors)

    @app.exception_handler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status_code, error.code, error.message)

    @app.exception_handler(InvalidInput)
    def _invalid_input(error: InvalidInput) -> Response:
        return error_response(400, "INVALID_REQUEST", str(error))

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

"""The one error shape of the API, and which status each domain error is answered with.

Every answer other than 2xx is `{"error": {"code": ..., "message": ...}}` (ErrorResponse). The domain raises
its own errors (easycrm.errors: InvalidInput, TooLarge, NotFound, Conflict, Forbidden) and knows nothing of
HTTP; reading a request raises ApiError. DOMAIN_STATUS below is the only place a domain error gets a
status code. API Gateway's own answers (401 from the Cognito authorizer, 404, 413, ...) take the same
shape through template.yaml's GatewayResponses.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel, Field

from easycrm.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, TooLarge

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

"""POST /upload: validate the file, record the upload, return a presigned POST."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.observability import logger, tracer
from easycrm.uploads import UploadRejected, start_upload

app = APIGatewayRestResolver()


@app.exception_handler(UploadRejected)
def _rejected(error: UploadRejected) -> Response:
    return Response(
        status_code=error.status_code,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": error.code, "message": error.message}},
    )


@app.post("/upload")
@tracer.capture_method
def create_upload():
    body = app.current_event.json_body
    if not isinstance(body, dict):
        raise UploadRejected(400, "INVALID_REQUEST", "The request body must be a JSON object.")
    owner = app.current_event.request_context.authorizer.claims["sub"]
    result = start_upload(body, owner, settings=wiring.settings(), statuses=wiring.statuses(), files=wiring.files())
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

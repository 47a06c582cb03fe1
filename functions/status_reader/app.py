"""The status API: the caller's uploads, one upload's progress, cancel, and force-complete for admins."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.api import build_resolver, current_caller
from easycrm.observability import logger, tracer

app = build_resolver()

UploadId = Annotated[str, Path(alias="uploadId", max_length=128)]


@app.get("/uploads")
@tracer.capture_method
def list_uploads(limit: Annotated[int, Query(ge=1, le=100)] = 20):
    return {"uploads": wiring.status_service().list_uploads(current_caller(app), limit)}


@app.get("/status/<uploadId>")
@tracer.capture_method
def get_status(upload_id: UploadId):
    return wiring.status_service().get(current_caller(app), upload_id)


@app.post("/status/<uploadId>/cancel")
@tracer.capture_method
def cancel_upload(upload_id: UploadId):
    record = wiring.status_service().cancel(current_caller(app), upload_id)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=record)


@app.post("/status/<uploadId>/force-complete")
@tracer.capture_method
def force_complete_upload(upload_id: UploadId):
    return wiring.status_service().force_complete(current_caller(app), upload_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

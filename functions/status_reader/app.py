"""The status API: the caller's uploads, one upload's progress, cancel, and force-complete for admins."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.http.openapi import api_responses
from easycrm.http.params import Limit
from easycrm.http.resolver import build_resolver, current_caller
from easycrm.observability import logger, tracer

app = build_resolver()

UploadId = Annotated[str, Path(alias="uploadId", max_length=128)]
NO_SUCH_UPLOAD = {404: "NOT_FOUND: no upload of yours has this id."}
FINISHED = "CONFLICT: the upload has already finished"


@app.get("/uploads", responses=api_responses({200: "The caller's uploads, newest first."}))
@tracer.capture_method
def list_uploads(limit: Limit = 20):
    return {"uploads": wiring.status_service().list_uploads(current_caller(app), limit)}


@app.get("/status/<uploadId>", responses=api_responses({200: "The upload's progress and counts."}, NO_SUCH_UPLOAD))
@tracer.capture_method
def get_status(upload_id: UploadId):
    return wiring.status_service().get(current_caller(app), upload_id)


@app.post(
    "/status/<uploadId>/cancel",
    responses=api_responses(
        {202: "Cancel requested: batches still queued are counted cancelled."}, {**NO_SUCH_UPLOAD, 409: FINISHED + "."}
    ),
)
@tracer.capture_method
def cancel_upload(upload_id: UploadId):
    record = wiring.status_service().cancel(current_caller(app), upload_id)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=record)


@app.post(
    "/status/<uploadId>/force-complete",
    responses=api_responses(
        {200: "The upload is closed; rows no batch accounted for count as failed (or cancelled)."},
        {
            403: "FORBIDDEN: only administrators may force-complete an upload.",
            404: "NOT_FOUND: there is no upload with this id.",
            409: FINISHED + " or is changing right now.",
        },
    ),
)
@tracer.capture_method
def force_complete_upload(upload_id: UploadId):
    return wiring.status_service().force_complete(current_caller(app), upload_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

"""POST /upload: validate the file, record the upload, return a presigned POST."""

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.api import build_resolver, current_caller
from easycrm.observability import logger, tracer
from easycrm.uploads import start_upload
from pydantic import BaseModel, Field

app = build_resolver()


class UploadRequest(BaseModel):
    """Types only; start_upload explains what is wrong with the values."""

    fileName: str = Field(max_length=1024)
    fileSize: int
    contentType: str = Field(default="", max_length=200)


@app.post("/upload")
@tracer.capture_method
def create_upload(request: UploadRequest):
    caller = current_caller(app)
    result = start_upload(
        request.model_dump(), caller.sub, settings=wiring.settings(), statuses=wiring.statuses(), files=wiring.files()
    )
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

"""POST /upload: validate the file, record the upload, return a presigned POST."""

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.http.openapi import api_responses
from easycrm.http.resolver import build_resolver, current_caller
from easycrm.observability import logger, tracer
from easycrm.uploads.start import start_upload
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

app = build_resolver()


# Types and sizes only; start_upload explains what is wrong with the values (the 400s below). Strict: a
# size is a JSON integer, so `true`, `12.0` or `"12"` are refused instead of being read as a number.
class UploadRequest(BaseModel):
    """A spreadsheet the caller is about to upload."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={"examples": [{"fileName": "leads.csv", "fileSize": 2048, "contentType": "text/csv"}]},
    )

    fileName: str = Field(max_length=1024, description="the file's name; its extension says its type")
    fileSize: StrictInt = Field(description="in bytes, 1 or more")
    contentType: str = Field(default="", max_length=200, description="the browser's type for the file, if any")
    review: StrictBool = Field(
        default=False, description="true: propose the column mapping and wait for the owner to confirm it"
    )


@app.post(
    "/upload",
    responses=api_responses(
        {201: "The upload is recorded: POST the file to `upload.url` with `upload.fields` within `expiresIn` s."},
        {
            400: "Or INVALID_FILE_NAME, UNSUPPORTED_FILE_TYPE (the extension or contentType), or "
            "INVALID_FILE_SIZE (fileSize below 1).",
            413: "FILE_TOO_LARGE: fileSize is over the upload limit (MAX_UPLOAD_MB).",
        },
        json_body=True,
    ),
)
@tracer.capture_method
def create_upload(request: UploadRequest):
    result = start_upload(
        request.model_dump(),
        current_caller(app),
        settings=wiring.settings(),
        statuses=wiring.statuses(),
        files=wiring.files(),
    )
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

"""The status API: the caller's (or the team's) uploads, one upload's progress, the review of its mapping,
cancel, undo, and force-complete for admins."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.http.openapi import api_responses
from easycrm.http.params import Limit, Scope
from easycrm.http.resolver import build_resolver, current_caller
from easycrm.observability import logger, tracer
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

app = build_resolver()

UploadId = Annotated[str, Path(alias="uploadId", max_length=128)]
NO_SUCH_UPLOAD = {404: "NOT_FOUND: no upload of yours has this id."}
FINISHED = "CONFLICT: the upload has already finished"


@app.get(
    "/uploads",
    responses=api_responses(
        {200: "The caller's uploads (or with scope=team, everyone's), newest first."},
        {400: "INVALID_SCOPE: scope is neither mine nor team."},
    ),
)
@tracer.capture_method
def list_uploads(limit: Limit = 20, scope: Scope = None):
    return {"uploads": wiring.status_service().list_uploads(current_caller(app), limit, scope)}


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


@app.post(
    "/uploads/<uploadId>/undo",
    responses=api_responses(
        {202: "The undo runs: the upload is `undoing`, then `undone` with `undo: {deleted, restored, conflicts}`."},
        {
            404: "NOT_FOUND: no upload of yours (or, for an admin, of anyone's) has this id.",
            409: "CONFLICT: the import has not finished, is undone or being undone, or is past the undo window.",
        },
    ),
)
@tracer.capture_method
def undo_upload(upload_id: UploadId):
    caller = current_caller(app)
    record = wiring.undo_requests().request(caller, upload_id)
    body = wiring.status_service().view(caller, record)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=body)


# Types and sizes only; MappingReview.confirm explains what is wrong with the values (the 400s below).
class ColumnChoice(BaseModel):
    model_config = ConfigDict(strict=True)

    index: StrictInt = Field(ge=0, description="the column's position, 0 first")
    field: str | None = Field(max_length=40, description="a lead field, or null to leave the column out")


class SheetChoice(BaseModel):
    model_config = ConfigDict(strict=True)

    worksheet: str | None = Field(max_length=256, description='the worksheet\'s name; null or "" for a CSV file')
    include: StrictBool = Field(default=True, description="false: the sheet is not imported and counts nothing")
    columns: list[ColumnChoice] = Field(default_factory=list, max_length=20_000)


class MappingChoice(BaseModel):
    """The owner's mapping: each sheet's columns and whether it is imported; what is left out stays as
    proposed."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {"sheets": [{"worksheet": "Leads", "include": True, "columns": [{"index": 3, "field": None}]}]}
            ]
        },
    )

    sheets: list[SheetChoice] = Field(max_length=10_000)


NOT_IN_REVIEW = {**NO_SUCH_UPLOAD, 409: "CONFLICT: the upload is not waiting for a review of its columns."}


@app.get(
    "/uploads/<uploadId>/mapping",
    responses=api_responses(
        {200: "The proposed mapping: every sheet's columns with a field, a confidence, a reason and samples."},
        {**NO_SUCH_UPLOAD, 409: "CONFLICT: the upload was not started with review, or its file is still read."},
    ),
)
@tracer.capture_method
def get_mapping(upload_id: UploadId):
    return wiring.mapping_review().show(current_caller(app), upload_id)


@app.put(
    "/uploads/<uploadId>/mapping",
    responses=api_responses(
        {202: "The import starts with this mapping; the answer is the upload's status."},
        {
            **NOT_IN_REVIEW,
            400: "Or UNKNOWN_FIELD, UNKNOWN_WORKSHEET, UNKNOWN_COLUMN, DUPLICATE_WORKSHEET, NOTHING_INCLUDED.",
        },
        json_body=True,
    ),
)
@tracer.capture_method
def confirm_mapping(upload_id: UploadId, choice: MappingChoice):
    caller = current_caller(app)
    wiring.mapping_review().confirm(caller, upload_id, choice.model_dump())
    record = wiring.status_service().get(caller, upload_id)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=record)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

"""POST /chatbot: a plain-language question about the leads, answered read-only from the stored leads."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.chat.service import MAX_MESSAGE_CHARS
from easycrm.http.openapi import api_responses
from easycrm.http.resolver import build_resolver, current_caller
from easycrm.observability import logger, tracer
from pydantic import BaseModel, ConfigDict, Field

app = build_resolver()


# Types and sizes only; the chat service explains what is wrong with the values (the 400 below). So the
# message is bounded here at 2,000 characters, and documented as the service takes it: a question of at
# most MAX_MESSAGE_CHARS with something besides spaces (a longer one gets the service's own message).
class ChatRequest(BaseModel):
    """A question about the leads, with the earlier turns of the conversation."""

    model_config = ConfigDict(
        strict=True, json_schema_extra={"examples": [{"message": "How many leads came in this week?", "history": []}]}
    )

    message: str = Field(
        max_length=2000,
        description="the question",
        json_schema_extra={"maxLength": MAX_MESSAGE_CHARS, "pattern": r"\S"},
    )
    history: list[dict[str, Any]] = Field(
        default_factory=list, max_length=50, description="earlier turns, oldest first: [{question, query}]"
    )


@app.post(
    "/chatbot",
    responses=api_responses(
        {200: "The answer, the query it ran, and the matching leads (at most 20)."},
        {
            400: f"Also when the question is blank or over {MAX_MESSAGE_CHARS} characters, or a turn of history "
            "is not {question, query} with a valid query."
        },
        json_body=True,
    ),
)
@tracer.capture_method
def ask(request: ChatRequest):
    caller = current_caller(app)
    return wiring.chat_service().answer(
        request.message, request.history, owned_uploads=wiring.statuses().upload_names_for_owner(caller.sub)
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

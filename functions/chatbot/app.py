"""POST /chatbot: a plain-language question about the leads, answered read-only from the stored leads."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from easycrm import wiring
from easycrm.api import build_resolver, current_caller
from easycrm.observability import logger, tracer
from pydantic import BaseModel, Field

app = build_resolver()


class ChatRequest(BaseModel):
    """Types and sizes only; the chat service explains what is wrong with the values."""

    message: str = Field(max_length=2000)
    history: list[dict[str, Any]] = Field(default_factory=list, max_length=50)


@app.post("/chatbot")
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

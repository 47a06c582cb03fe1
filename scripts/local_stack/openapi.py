"""The API's one OpenAPI document (`/openapi.json`): every API function's Powertools resolver, merged by
Powertools' own OpenAPIMerge, plus what the gateway itself may answer on every operation.

Powertools' `configure_openapi_merge` would find the resolvers itself, but not ours: its discovery reads
each file's source for `app = APIGatewayRestResolver(...)` (our functions write `app = build_resolver()`),
loads the files again under module names of its own, and takes each resolver's raw schema, which documents
the 422 that build_resolver never answers. So the functions' modules are the template's (the routes say
which), each document is `easycrm.http.openapi.openapi_document` (the 422s removed), and OpenAPIMerge,
the class behind `configure_openapi_merge`, merges them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scripts.local_stack.routes import DOCUMENTED_REFUSALS, GATEWAY_REFUSALS

if TYPE_CHECKING:
    from scripts.local_stack.routes import RestApi

TITLE = "Easy CRM API"
VERSION = "1.0.0"
COGNITO_ID_TOKEN = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "The ID token from signing in to the user pool.",
}


def merged_document(api: RestApi, server_url: str) -> dict[str, Any]:
    """One document for the whole API, merged from each API function's Powertools resolver."""
    # Imported here: the layer is on sys.path once the stack loaded the functions, and the gateway needs
    # neither it nor Powertools' OpenAPI models until the document is asked for.
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import Server
    from easycrm.http.openapi import openapi_document

    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        servers=[Server(url=server_url)],
        security=[{"CognitoIdToken": []}] if api.verifier else None,
        on_conflict="error",  # one method of one path served by two functions is a template mistake
    )
    for module_name in dict.fromkeys(route.function.spec.module for route in api.routes):
        merge.add_schema(openapi_document(importlib.import_module(module_name).app))
    if api.verifier:
        # A schema of its own rather than OpenAPIMerge's `security_schemes`, which it copies into the
        # document as the model objects it is given (json.dumps cannot write those).
        merge.add_schema({"components": {"securitySchemes": {"CognitoIdToken": COGNITO_ID_TOKEN}}})
    document = merge.get_openapi_schema()
    add_gateway_responses(document)
    return document


def add_gateway_responses(document: dict[str, Any]) -> None:
    """What the gateway may answer for any operation, besides what its function answers (the 401 of
    the Cognito authorizer is among those: easycrm.http.openapi declares it for every route)."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    answers = {
        status: f"{GATEWAY_REFUSALS[status][0]}: {GATEWAY_REFUSALS[status][1]}" for status in DOCUMENTED_REFUSALS
    }
    answers[502] = "INTERNAL_ERROR: the function failed."
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in answers.items():
                if str(status) in responses:
                    responses[str(status)]["description"] += f" Or, from the gateway, {description}"
                else:
                    responses[str(status)] = {"description": description, "content": error}

"""The OpenAPI document: every route of the template, merged by Powertools from the functions' resolvers,
and what the gateway itself answers."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from scripts.local_stack.openapi import add_gateway_responses, merged_document
from scripts.local_stack.routes import DOCUMENTED_REFUSALS, GATEWAY_REFUSALS
from scripts.local_stack.template import FunctionSpec, Template

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_the_gateway_documents_its_own_answers_on_every_operation():
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    document = {
        "paths": {
            "/upload": {
                "post": {"responses": {"201": {"description": "ok"}, "413": {"description": "FILE_TOO_LARGE."}}}
            },
            "/leads": {"get": {"responses": {"200": {"description": "ok"}}}},
        }
    }
    add_gateway_responses(document)
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            assert {str(status) for status in (*DOCUMENTED_REFUSALS, 502)} <= set(responses)
            assert responses["414"] == {"description": "URI_TOO_LONG: " + GATEWAY_REFUSALS[414][1], "content": error}
    upload_413 = document["paths"]["/upload"]["post"]["responses"]["413"]["description"]
    assert upload_413.startswith("FILE_TOO_LARGE.") and "REQUEST_TOO_LARGE" in upload_413


def api_functions() -> list[FunctionSpec]:
    """The template's functions with an Api event, once per route, as RestApi holds them."""
    template = Template(REPO_ROOT / "template.yaml")
    template.assign_physical_ids("http://127.0.0.1:5000")
    return [spec for spec in template.functions(REPO_ROOT) for event in spec.events if event.kind == "Api"]


def api_of_the_template(*, secured: bool) -> SimpleNamespace:
    """What merged_document reads of a RestApi: the functions of its routes, and whether it has an authorizer."""
    routes = [SimpleNamespace(function=SimpleNamespace(spec=spec)) for spec in api_functions()]
    return SimpleNamespace(routes=routes, verifier=object() if secured else None)


def test_the_merged_document_has_every_route_of_the_template_and_the_gateway_answers():
    document = merged_document(api_of_the_template(secured=True), "http://127.0.0.1:3000/api")
    json.dumps(document)  # served as it is
    assert document["info"] == {"title": "Easy CRM API", "version": "1.0.0"}
    assert document["servers"] == [{"url": "http://127.0.0.1:3000/api"}]
    assert document["security"] == [{"CognitoIdToken": []}]
    assert document["components"]["securitySchemes"]["CognitoIdToken"]["name"] == "Authorization"
    assert "ErrorResponse" in document["components"]["schemas"]
    assert not {"HTTPValidationError", "ValidationError"} & set(document["components"]["schemas"])
    routes = {
        (event.properties["Path"], event.properties["Method"].lower())
        for spec in api_functions()
        for event in spec.events
        if event.kind == "Api"
    }
    assert {(path, method) for path, methods in document["paths"].items() for method in methods} == routes
    for methods in document["paths"].values():
        for operation in methods.values():
            assert "422" not in operation["responses"]
            assert {"400", "401", "411", "413", "414", "431", "500", "502"} <= set(operation["responses"])


def test_without_an_authorizer_the_document_names_no_security():
    document = merged_document(api_of_the_template(secured=False), "http://127.0.0.1:3000/api")
    assert "security" not in document
    assert "securitySchemes" not in document["components"]

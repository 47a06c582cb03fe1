"""Malformed requests get a 4xx in the error shape, never a 500, and the OpenAPI document lists every status
a route answers. Everything here is refused before a handler runs, so no AWS (not even moto) is needed."""

from __future__ import annotations

import base64
import importlib
import json
from typing import Any

import pytest
from easycrm.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from easycrm.http.body import MAX_BODY_CHARS, MAX_JSON_DEPTH
from easycrm.http.errors import ErrorResponse
from easycrm.http.openapi import openapi_document
from easycrm.http.params import query_int
from easycrm.http.resolver import build_resolver
from pydantic import BaseModel

from scripts.local_stack.apigw import proxy_event

CLAIMS = {"sub": "user-1", "email": "user@example.com"}
API_MODULES = [
    "functions.file_upload.app",
    "functions.status_reader.app",
    "functions.lead_reader.app",
    "functions.lead_exporter.app",
    "functions.chatbot.app",
]

# A resolver of its own, with a JSON body and an integer query parameter: the shared plumbing, end to end.
probe = build_resolver()
Page = query_int(1, 100)


class Anything(BaseModel):
    value: Any = None


@probe.post("/echo")
def echo(body: Anything):
    return {"value": body.value}


@probe.get("/page")
def page_number(page: Page = 1):
    return {"page": page}


DOMAIN_ERRORS = {
    "invalid": InvalidInput("The value is not acceptable."),
    "coded": InvalidInput("fileName is required.", "INVALID_FILE_NAME"),
    "large": TooLarge("The file is over the limit.", "FILE_TOO_LARGE"),
    "missing": NotFound("There is no such upload."),
    "finished": Conflict("This upload has already finished."),
    "admins": Forbidden("Only administrators can do this."),
}


@probe.get("/fail/<kind>")
def fail(kind: str):
    raise DOMAIN_ERRORS[kind]


def handler(module: str):
    return importlib.import_module(f"functions.{module}.app").app


def call(
    app, method: str, path: str, *, body: object = None, raw: bytes | None = None, headers=None, query=None
) -> tuple[int, dict]:
    event = proxy_event(method, path, body=body, claims=CLAIMS, headers=headers, query=query)
    if raw is not None:  # as the local gateway passes a body that is not UTF-8 (and API Gateway a binary one)
        event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    response = app.resolve(event, None)
    return response["statusCode"], json.loads(response["body"])


def assert_refused(answer: tuple[int, dict], status: int, code: str, mentions: str = "") -> None:
    status_code, body = answer
    assert status_code == status, body
    ErrorResponse.model_validate(body)
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert mentions in body["error"]["message"]


def nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    return opening * depth + "1" + closing * depth


# --- bodies -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data",  # Powertools' own parser fails on this one (no boundary) with a ValueError
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "application/jsonx",
    ],
)
@pytest.mark.parametrize(("module", "path"), [("file_upload", "/upload"), ("chatbot", "/chatbot")])
def test_a_body_that_is_not_json_is_415(module, path, content_type):
    body = '{"fileName": "leads.csv", "fileSize": 10, "message": "hi"}'
    answer = call(handler(module), "POST", path, body=body, headers={"Content-Type": content_type})
    assert_refused(answer, 415, "UNSUPPORTED_MEDIA_TYPE", "application/json")


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"])
def test_json_is_json_whatever_its_parameters_or_case(content_type):
    assert call(probe, "POST", "/echo", body={"value": 1}, headers={"Content-Type": content_type}) == (
        200,
        {"value": 1},
    )


def test_a_body_without_content_type_is_read_as_json_as_api_gateway_does():
    event = proxy_event("POST", "/echo", body={"value": [1, 2]}, claims=CLAIMS)
    del event["headers"]["Content-Type"], event["multiValueHeaders"]["Content-Type"]
    response = probe.resolve(event, None)
    assert (response["statusCode"], json.loads(response["body"])) == (200, {"value": [1, 2]})


def test_a_body_that_is_not_utf8_is_400():
    answer = call(handler("file_upload"), "POST", "/upload", raw=b'{"fileName": "\xff.csv", "fileSize": 1}')
    assert_refused(answer, 400, "INVALID_REQUEST", "not UTF-8")


def test_a_utf8_body_passed_as_base64_is_read():
    assert call(probe, "POST", "/echo", raw='{"value": "Société"}'.encode()) == (200, {"value": "Société"})


@pytest.mark.parametrize(
    ("text", "mentions"),
    [
        ("{not json", "line 1, column 2"),
        ('{"value": NaN}', "NaN is not a JSON value"),
        ('{"value": -Infinity}', "-Infinity is not a JSON value"),
        ('{"value": ' + "9" * 5000 + "}", "a number in it is too long"),
        ('{"value": "\\ud800"}', "surrogate"),
        ('{"\\udfff": 1}', "surrogate"),
    ],
)
def test_a_body_that_is_not_json_we_can_read_is_400(text, mentions):
    assert_refused(call(probe, "POST", "/echo", body=text), 400, "INVALID_REQUEST", mentions)


def test_a_body_larger_than_any_of_ours_is_413_before_it_is_parsed():
    body = '{"value": "' + "x" * MAX_BODY_CHARS + '"}'
    assert_refused(call(probe, "POST", "/echo", body=body), 413, "REQUEST_TOO_LARGE", "1,000,000 characters")
    assert_refused(call(probe, "POST", "/echo", raw=body.encode()), 413, "REQUEST_TOO_LARGE")


def test_a_surrogate_pair_is_one_character():
    assert call(probe, "POST", "/echo", body='{"value": "\\ud83d\\ude00"}') == (200, {"value": "😀"})


@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ('{"a":', "}")])
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 100_000])
def test_deeply_nested_json_is_400_not_a_recursion_error(opening, closing, depth):
    body = '{"value": ' + nested(depth - 1, opening, closing) + "}"
    assert_refused(call(probe, "POST", "/echo", body=body), 400, "INVALID_REQUEST", "nests deeper than 32 levels")


def test_json_as_deep_as_the_limit_is_read():
    body = '{"value": ' + nested(MAX_JSON_DEPTH - 1) + "}"
    assert call(probe, "POST", "/echo", body=body) == (200, {"value": json.loads(nested(MAX_JSON_DEPTH - 1))})


def test_a_chat_history_5000_levels_deep_is_400():
    body = '{"message": "How many leads?", "history": ' + nested(5_000) + "}"
    assert_refused(call(handler("chatbot"), "POST", "/chatbot", body=body), 400, "INVALID_REQUEST", "nests deeper")


@pytest.mark.parametrize("body", ["", "[]", "null", '"text"'])
def test_a_body_that_is_not_an_object_is_400_naming_the_body(body):
    answer = call(handler("file_upload"), "POST", "/upload", body=body or None)
    assert_refused(answer, 400, "INVALID_REQUEST", "the request body:")


# --- strict request models --------------------------------------------------------------------------
@pytest.mark.parametrize("size", [True, False, "12", 12.0, 12.5, None, [12], {"bytes": 12}])
def test_file_size_must_be_a_json_integer(size):
    body = {"fileName": "leads.csv", "fileSize": size, "contentType": "text/csv"}
    assert_refused(call(handler("file_upload"), "POST", "/upload", body=body), 400, "INVALID_REQUEST", "fileSize")


@pytest.mark.parametrize(
    "body",
    [{"message": 42}, {"message": ["hi"]}, {"message": "hi", "history": None}, {"message": "hi", "history": "[]"}],
)
def test_chat_fields_are_not_coerced(body):
    assert_refused(call(handler("chatbot"), "POST", "/chatbot", body=body), 400, "INVALID_REQUEST")


# --- query integers ---------------------------------------------------------------------------------
# Arabic-Indic, fullwidth and Thai digits, spaces, signs, separators, decimals; and out of range.
NOT_PLAIN_DIGITS = [
    "١٢",
    "\uff11",
    "๑",
    " 1",
    "1 ",
    "+1",
    "-1",
    "1_0",
    "1.0",
    "1e2",
    "0x1",
    "",
    "x",
    "0",
    "101",
    "9" * 40,
]


@pytest.mark.parametrize("value", NOT_PLAIN_DIGITS)
def test_query_integers_are_plain_ascii_digits_in_range(value):
    assert_refused(call(probe, "GET", "/page", query={"page": value}), 400, "INVALID_REQUEST", "page: must be a whole")


@pytest.mark.parametrize(("value", "page"), [("7", 7), ("007", 7), ("100", 100)])
def test_plain_digits_are_read(value, page):
    assert call(probe, "GET", "/page", query={"page": value}) == (200, {"page": page})


@pytest.mark.parametrize(
    ("module", "path", "name"),
    [
        ("lead_reader", "/leads", "page"),
        ("lead_reader", "/leads", "pageSize"),
        ("lead_reader", "/leads/summary", "top"),
        ("status_reader", "/uploads", "limit"),
    ],
)
@pytest.mark.parametrize("value", ["١٢", "\uff11", " 1", "+1", "1_0", "0"])
def test_every_query_integer_of_the_api_names_itself_when_refused(module, path, name, value):
    answer = call(handler(module), "GET", path, query={name: value})
    assert_refused(answer, 400, "INVALID_REQUEST", f"{name}: must be a whole number from 1 to ")


def test_a_filter_longer_than_the_query_takes_is_refused_by_validation():
    answer = call(handler("lead_reader"), "GET", "/leads", query={"search": "x" * 201})
    assert_refused(answer, 400, "INVALID_REQUEST", "search: String should have at most 200 characters")


# --- the OpenAPI document ---------------------------------------------------------------------------
# Besides 400, 401 and 500, which every route answers.
ROUTE_STATUSES = {
    ("post", "/upload"): {201, 413, 415},  # 413: the body, or fileSize over the upload limit
    ("get", "/uploads"): {200},
    ("get", "/status/{uploadId}"): {200, 404},
    ("post", "/status/{uploadId}/cancel"): {202, 404, 409},
    ("post", "/status/{uploadId}/force-complete"): {200, 403, 404, 409},
    ("get", "/uploads/{uploadId}/mapping"): {200, 404, 409},
    ("put", "/uploads/{uploadId}/mapping"): {202, 404, 409, 413, 415},
    ("post", "/uploads/{uploadId}/undo"): {202, 404, 409},
    ("get", "/leads"): {200},
    ("get", "/leads/summary"): {200},
    ("get", "/leads/{leadId}"): {200, 404},
    ("get", "/export"): {200},
    ("post", "/chatbot"): {200, 413, 415},
}


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return {module: openapi_document(importlib.import_module(module).app) for module in API_MODULES}


def test_every_route_documents_every_status_it_answers(documents):
    operations = {
        (method, path): operation
        for document in documents.values()
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) == set(ROUTE_STATUSES)
    for key, operation in operations.items():
        statuses = {int(status) for status in operation["responses"]}
        assert statuses == ROUTE_STATUSES[key] | {400, 401, 500}, key
        for status, response in operation["responses"].items():
            assert response["description"], (key, status)
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (key, status)


def test_no_route_documents_the_422_it_never_answers(documents):
    for document in documents.values():
        assert "HTTPValidationError" not in document["components"]["schemas"]
        assert "ValidationError" not in document["components"]["schemas"]
        assert document["components"]["schemas"]["ErrorResponse"]["required"] == ["error"]


def test_request_schemas_say_what_the_handlers_take(documents):
    leads = documents["functions.lead_reader.app"]["paths"]
    parameters = {parameter["name"]: parameter["schema"] for parameter in leads["/leads"]["get"]["parameters"]}
    assert parameters["page"].items() >= {"type": "integer", "minimum": 1, "maximum": 1_000_000}.items()
    assert parameters["pageSize"].items() >= {"type": "integer", "minimum": 1, "maximum": 100}.items()
    assert parameters["search"]["anyOf"][0] == {"type": "string", "maxLength": 200}
    assert parameters["sortBy"]["enum"] == ["createdAt", "name", "company", "email"]
    upload = documents["functions.file_upload.app"]["components"]["schemas"]["UploadRequest"]
    assert upload["properties"]["fileSize"]["type"] == "integer"
    chat = documents["functions.chatbot.app"]["components"]["schemas"]["ChatRequest"]
    assert chat["properties"]["message"]["maxLength"] == 500


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("invalid", 400, "INVALID_REQUEST"),
        ("coded", 400, "INVALID_FILE_NAME"),
        ("large", 413, "FILE_TOO_LARGE"),
        ("missing", 404, "NOT_FOUND"),
        ("finished", 409, "CONFLICT"),
        ("admins", 403, "FORBIDDEN"),
    ],
)
def test_each_domain_error_becomes_its_status_in_the_one_error_shape(kind, status, code):
    assert_refused(call(probe, "GET", f"/fail/{kind}"), status, code, DOMAIN_ERRORS[kind].message)

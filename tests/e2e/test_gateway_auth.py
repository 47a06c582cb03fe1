"""The local API Gateway over HTTP: the Cognito authorizer guards every route the template declares,
CORS and the error shape hold on gateway answers (also for requests it refuses before any function runs:
too long, too large, malformed), and a signed-in user uploads a file to completion."""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from scripts.local_stack.stack import TEMPLATE_PATH
from scripts.local_stack.template import Template


def _template_routes() -> list[tuple[str, str]]:
    template = Template(TEMPLATE_PATH)
    return [
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        for function in template.of_type("AWS::Serverless::Function").values()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "Api"
    ]


ROUTES = _template_routes()
PATHS = {path for _, path in ROUTES}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "some-id", path)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture(scope="session")
def refused_tokens(app) -> dict[str, str | None]:
    """Tokens API Gateway's Cognito authorizer refuses, made from real moto tokens where possible.
    (Expiry is covered in tests/unit/local_stack/test_authorizer.py: moto's tokens always live an hour.)"""
    tokens = app.sign_in()
    header, _, signature = tokens["IdToken"].split(".")
    claims = claims_of(tokens["IdToken"])

    admin = app.cognito_admin()
    pool_id = app.config["userPoolId"]
    other_client = admin.create_user_pool_client(
        UserPoolId=pool_id, ClientName="not-in-the-template", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    # Another pool's token: moto signs every pool's tokens with the same key, so the signature alone passes.
    other_pool = admin.create_user_pool(PoolName="other-pool", UsernameAttributes=["email"])["UserPool"]["Id"]
    other_pool_client = admin.create_user_pool_client(
        UserPoolId=other_pool, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    from scripts.local_stack.stack import create_user

    create_user(admin, other_pool, "stranger@example.com", "Stranger-Passw0rd")
    return {
        "missing": None,
        "garbage": "not-a-token",
        "unsigned": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}.",
        "tampered": f"{header}.{b64({**claims, 'sub': 'someone-else'})}.{signature}",
        "access-token": tokens["AccessToken"],
        "other-app-client": app.sign_in(client_id=other_client)["IdToken"],
        "other-user-pool": app.sign_in("stranger@example.com", "Stranger-Passw0rd", other_pool_client)["IdToken"],
    }


def assert_gateway_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


@pytest.mark.parametrize(
    "kind", ["missing", "garbage", "unsigned", "tampered", "access-token", "other-app-client", "other-user-pool"]
)
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{method} {path}" for method, path in ROUTES])
def test_every_route_refuses_a_bad_token_before_its_handler(app, refused_tokens, method, path, kind):
    token = refused_tokens[kind]
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = requests.request(method, app.api(concrete(path)), headers=headers, json={}, timeout=10)
    assert_gateway_error(response, 401, "UNAUTHORIZED")


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{method} {path}" for method, path in ROUTES])
def test_preflight_answers_without_a_token(app, method, path):
    response = requests.options(
        app.api(concrete(path)),
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": method},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert method in response.headers["Access-Control-Allow-Methods"].split(",")
    assert {"Authorization", "Content-Type"} <= set(response.headers["Access-Control-Allow-Headers"].split(","))


def test_unknown_api_route_is_a_gateway_404(app):
    assert_gateway_error(requests.get(app.api("/no-such-route"), timeout=10), 404, "RESOURCE_NOT_FOUND")
    assert_gateway_error(requests.get(app.api("/status/a/b"), timeout=10), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/upload", "OPTIONS, POST"),
        ("GET", "/api/upload", "OPTIONS, POST"),
        ("PUT", "/api/status/some-id", "GET, OPTIONS"),
        ("QUERY", "/api/leads", "GET, OPTIONS"),  # a method http.server knows nothing of
        ("POST", "/index.html", "GET, HEAD"),
    ],
)
def test_a_method_the_path_does_not_take_is_405_with_allow(app, method, path, allowed):
    response = requests.request(method, app.url + path, headers=app.headers(), timeout=10)
    assert_gateway_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == allowed


def raw_request(app, data: bytes) -> requests.Response:
    """Bytes as sent, for what requests would refuse to send; the answer parsed by http.client."""
    address = urlsplit(app.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(data)
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        response = requests.Response()
        response.status_code = answer.status
        response.headers = requests.structures.CaseInsensitiveDict(answer.getheaders())
        response._content = answer.read()
        return response


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GARBAGE\r\n\r\n", 400, "BAD_REQUEST"),
        (b"GET /api/uploads HTTP/1.1 extra\r\n\r\n", 400, "BAD_REQUEST"),
        (b"GET /api/uploads HTTP/2.0\r\n\r\n", 505, "HTTP_VERSION_NOT_SUPPORTED"),
        (b"GET /api/uploads?page=" + b"1" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "URI_TOO_LONG"),
        (
            b"GET /api/uploads HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
            431,
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
        ),
        (b"POST /api/upload HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "BAD_REQUEST"),
        (b"POST /api/upload HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400, "BAD_REQUEST"),
        (b"POST /api/upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411, "LENGTH_REQUIRED"),
    ],
)
def test_requests_http_server_cannot_read_get_the_error_shape(app, request_bytes, status, code):
    """http.server's own refusals were HTML pages (a 70 KB request line: its 414); a negative length hung."""
    response = raw_request(app, request_bytes)
    assert_gateway_error(response, status, code)
    assert response.headers["Connection"] == "close"


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"params": {"search": "x" * 9000}}, 414, "URI_TOO_LONG"),  # API Gateway's 8,192-character URL
        ({"headers": {"X-Padding": "x" * 10_000}}, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE"),  # 10,240 bytes
        ({"data": b"x" * (10 * 1024 * 1024 + 1)}, 413, "REQUEST_TOO_LARGE"),  # the 10 MB payload
    ],
)
def test_api_gateway_limits_are_refused_before_the_function(app, kwargs, status, code):
    headers = {**app.headers(), **kwargs.pop("headers", {})}
    response = requests.post(app.api("/chatbot"), headers=headers, timeout=30, **kwargs)
    assert_gateway_error(response, status, code)


def test_a_request_just_inside_the_limits_reaches_the_function(app):
    headers = {**app.headers(), "X-Padding": "x" * 4000}
    response = requests.get(app.api("/leads"), headers=headers, params={"search": "x" * 200}, timeout=30)
    assert response.status_code == 200, response.text


def test_config_describes_the_pool_and_its_endpoint_signs_the_demo_user_in(app):
    config = app.config
    assert set(config) == {"apiUrl", "region", "userPoolId", "userPoolClientId", "cognitoEndpoint"}
    assert config["apiUrl"] == f"{app.url}/api"
    assert config["cognitoEndpoint"] == f"{app.url}/cognito/"
    claims = claims_of(app.sign_in()["IdToken"])
    assert claims["aud"] == config["userPoolClientId"]
    assert claims["iss"].endswith("/" + config["userPoolId"])
    assert claims["email"] == "demo@example.com"
    assert claims["cognito:groups"] == ["admins"]


def test_cognito_endpoint_refuses_actions_that_need_aws_credentials(app):
    response = requests.post(
        app.config["cognitoEndpoint"],
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminCreateUser",
            "Content-Type": "application/x-amz-json-1.1",
        },
        data=json.dumps({"UserPoolId": app.config["userPoolId"], "Username": "intruder@example.com"}),
        timeout=10,
    )
    assert response.status_code == 400
    users = app.cognito_admin().list_users(UserPoolId=app.config["userPoolId"])["Users"]
    assert "intruder@example.com" not in json.dumps(users, default=str)


def test_openapi_merges_every_api_function(app):
    document = requests.get(f"{app.url}/openapi.json", timeout=10).json()
    assert document["info"]["title"] == "Easy CRM API"
    assert document["servers"] == [{"url": app.config["apiUrl"]}]
    assert set(document["paths"]) >= PATHS
    assert "post" in document["paths"]["/upload"]
    assert document["security"] == [{"CognitoIdToken": []}]


def test_openapi_lists_the_gateway_answers_on_every_operation(app):
    """401 (the authorizer) comes with every handler's own document; the gateway adds its limits and 502."""
    document = requests.get(f"{app.url}/openapi.json", timeout=10).json()
    for method, path in ROUTES:
        responses = document["paths"][path][method.lower()]["responses"]
        assert {"400", "401", "411", "413", "414", "431", "500", "502"} <= set(responses), (method, path)
        assert "422" not in responses
        assert responses["414"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorResponse"
    upload_413 = document["paths"]["/upload"]["post"]["responses"]["413"]["description"]
    assert "FILE_TOO_LARGE" in upload_413 and "REQUEST_TOO_LARGE" in upload_413


def test_malformed_bodies_are_4xx_in_the_error_shape(app):
    """Through the whole stack: what answered 500 before (Content-Type text/plain, a body that is not UTF-8,
    JSON nested 100,000 levels deep, `fileSize: true`)."""
    headers = app.headers()
    cases = [
        ("/upload", {"Content-Type": "text/plain"}, b'{"fileName": "a.csv", "fileSize": 1}', 415),
        ("/upload", {"Content-Type": "application/json"}, b'{"fileName": "\xff.csv", "fileSize": 1}', 400),
        ("/upload", {"Content-Type": "application/json"}, b"[" * 100_000 + b"]" * 100_000, 400),
        ("/upload", {"Content-Type": "application/json"}, b'{"a":' * 100_000 + b"1" + b"}" * 100_000, 400),
        ("/upload", {"Content-Type": "application/json"}, b'{"fileName": "a.csv", "fileSize": true}', 400),
        (
            "/chatbot",
            {"Content-Type": "application/json"},
            b'{"message": "hi", "history": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            400,
        ),
    ]
    for path, content_type, body, status in cases:
        response = requests.post(app.api(path), headers={**headers, **content_type}, data=body, timeout=30)
        assert response.status_code == status, (path, body[:40], response.text)
        assert set(response.json()) == {"error"} and response.json()["error"]["message"]


@pytest.mark.parametrize("page", ["١٢", "\uff11", " 1", "+1", "1_0", "1.0"])
def test_page_numbers_are_plain_ascii_digits(app, page):
    response = requests.get(app.api("/leads"), headers=app.headers(), params={"page": page}, timeout=10)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"].startswith("page: must be a whole number")


def test_web_app_root_is_served_and_nothing_outside_frontend(app):
    root = requests.get(f"{app.url}/", timeout=10)
    assert root.status_code == 200
    assert root.headers["Content-Type"].startswith("text/html")
    address = urlsplit(app.url)
    for path in ("/../template.yaml", "/%2e%2e/template.yaml", "/..%2ftemplate.yaml", "/frontend/../README.md"):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        connection.request("GET", path)  # sent as written: requests would normalize the dots away
        assert connection.getresponse().status == 404, path
        connection.close()


def test_id_token_works_plain_or_as_bearer(app):
    token = app.sign_in()["IdToken"]
    request = {"fileName": "leads.csv", "fileSize": 10, "contentType": "text/csv"}
    for authorization in (token, f"Bearer {token}"):
        response = requests.post(app.api("/upload"), headers={"Authorization": authorization}, json=request, timeout=10)
        assert response.status_code == 201, response.text


def test_signed_in_upload_runs_to_completion(app):
    headers = app.headers()
    content = b"Email,Name,Company\nada@example.com,Ada Lovelace,Analytical\nnot-an-email,Nobody,\n"
    started = requests.post(
        app.api("/upload"),
        headers=headers,
        json={"fileName": "gateway e2e.csv", "fileSize": len(content), "contentType": "text/csv"},
        timeout=10,
    )
    assert started.status_code == 201, started.text
    body = started.json()
    posted = requests.post(
        body["upload"]["url"],
        data=body["upload"]["fields"],
        files={"file": ("gateway e2e.csv", content, "text/csv")},
        timeout=30,
    )
    assert posted.status_code in (200, 204), posted.text
    deadline = time.monotonic() + 30
    while True:
        status = requests.get(app.api(f"/status/{body['uploadId']}"), headers=headers, timeout=10)
        assert status.status_code == 200, status.text
        record = status.json()
        if record["status"] in ("completed", "completed_with_errors", "failed", "cancelled"):
            break
        assert time.monotonic() < deadline, record
        time.sleep(0.3)
    assert (record["status"], record["rows"], record["created"], record["rejected"]) == ("completed", 2, 1, 1)


def test_group_claim_reaches_the_handler(app):
    """Only the admins group may force-complete: the groups claim must reach the function as API Gateway sends it."""
    email, password = f"member-{uuid.uuid4().hex[:8]}@example.com", "Member-Passw0rd"
    app.create_user(email, password)
    member = app.headers(email, password)
    request = {"fileName": "never-sent.csv", "fileSize": 10, "contentType": "text/csv"}
    upload_id = requests.post(app.api("/upload"), headers=member, json=request, timeout=10).json()["uploadId"]

    refused = requests.post(app.api(f"/status/{upload_id}/force-complete"), headers=member, timeout=10)
    assert refused.status_code == 403, refused.text
    forced = requests.post(app.api(f"/status/{upload_id}/force-complete"), headers=app.headers(), timeout=10)
    assert forced.status_code == 200, forced.text


def test_concurrent_requests_keep_their_own_caller(app):
    """Powertools keeps the current request in process-wide state; concurrent calls must not see each other's."""
    email, password = f"member-{uuid.uuid4().hex[:8]}@example.com", "Member-Passw0rd"
    app.create_user(email, password)
    callers = [app.headers(), app.headers(email, password)]

    def start(number: int) -> tuple[dict, str]:
        caller = callers[number % 2]
        request = {"fileName": f"parallel-{number}.csv", "fileSize": 10, "contentType": "text/csv"}
        response = requests.post(app.api("/upload"), headers=caller, json=request, timeout=30)
        assert response.status_code == 201, response.text
        return caller, response.json()["uploadId"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        started = list(pool.map(start, range(16)))
    for caller, upload_id in started:
        assert requests.get(app.api(f"/status/{upload_id}"), headers=caller, timeout=10).status_code == 200


def test_handler_answers_carry_cors_headers(app):
    request = {"fileName": "leads.csv", "fileSize": 10, "contentType": "text/csv"}
    response = requests.post(
        app.api("/upload"), headers={**app.headers(), "Origin": "https://app.example.com"}, json=request, timeout=10
    )
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" in response.headers

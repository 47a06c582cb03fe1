"""The local API Gateway: the template's Api routes behind its Cognito authorizer, plus the web app.

One threaded HTTP server on 127.0.0.1 serves
- `/api/...`: the `Type: Api` events of template.yaml, as API Gateway's REST proxy integration would:
  the Cognito authorizer checks the ID token before any handler runs, gateway errors (401, 404, 405,
  413, 414, 431, malformed requests, 5xx) use the template's GatewayResponses (the JSON error shape and
  its CORS headers), and OPTIONS is the preflight SAM generates from the Api's `Cors`. Handler
  responses pass through untouched: with a proxy integration the function itself must send CORS
  headers, in AWS as here. Requests are served concurrently: each handler invocation runs in one of a
  few worker processes (see `ApiFunctions`), one request at a time per process, as in Lambda.
- `/config.json`: what the web app needs to sign in and call the API;
- `/cognito/`: the public (unsigned) Cognito actions, forwarded to moto so the browser reaches them
  from the same origin;
- `/openapi.json`: one OpenAPI document merged from every API function's Powertools resolver;
- everything else: the files of `frontend/`.
"""

from __future__ import annotations

import base64
import importlib
import json
import mimetypes
import re
import threading
import time
import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import requests
from joserfc import jws, jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from scripts.local_stack.apigw import proxy_event
from scripts.local_stack.stack import REPO_ROOT, LocalStack
from scripts.local_stack.template import REGION
from scripts.local_stack.workers import ApiFunctions, LocalFunction

API_PREFIX = "/api"
COGNITO_PATH = "/cognito/"
FRONTEND_DIR = REPO_ROOT / "frontend"
# API Gateway's limits for a REST API (edge-optimized, SAM's default), so that a request too big for AWS
# is refused here too: a 10 MB payload, a URL of 8,192 characters, and 10,240 bytes for the request line
# and the headers together. (Lambda itself takes 6 MB; our bodies are a few KB.)
MAX_REQUEST_BYTES = 10 * 1024 * 1024
MAX_URL_CHARS = 8192
MAX_HEAD_BYTES = 10240
# What the gateway answers itself, for a request it refuses before any function runs (the error code is
# the API Gateway response type where there is one). The OpenAPI document lists these on every operation.
GATEWAY_REFUSALS: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "The request is not valid HTTP."),
    405: ("METHOD_NOT_ALLOWED", "This path does not take this method; see the Allow header."),
    411: ("LENGTH_REQUIRED", "Send the body with a Content-Length (chunked bodies are not read)."),
    413: ("REQUEST_TOO_LARGE", f"The request is larger than {MAX_REQUEST_BYTES // 1024 // 1024} MB."),
    414: ("URI_TOO_LONG", f"The URL is longer than {MAX_URL_CHARS:,} characters."),
    431: ("REQUEST_HEADER_FIELDS_TOO_LARGE", f"The request line and headers exceed {MAX_HEAD_BYTES:,} bytes."),
    505: ("HTTP_VERSION_NOT_SUPPORTED", "Send HTTP/1.1 (or 1.0)."),
}
# ...of which these can answer a well-formed call of any API route, and the document says so.
DOCUMENTED_REFUSALS = (411, 413, 414, 431)
# Cognito actions a browser may call without AWS credentials; SignUp is left out because the pool
# only lets administrators create users (AllowAdminCreateUserOnly).
PUBLIC_COGNITO_ACTIONS = frozenset(
    {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GetUser",
        "GlobalSignOut",
        "RevokeToken",
        "ChangePassword",
        "ForgotPassword",
        "ConfirmForgotPassword",
        "UpdateUserAttributes",
        "VerifyUserAttribute",
        "GetUserAttributeVerificationCode",
    }
)
PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Easy CRM</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>Easy CRM</h1>
<p>The API is running, but there is no <code>frontend/</code> folder to serve the web app from.</p>
<p>API: <code>/api</code> &middot; description: <a href="/openapi.json">/openapi.json</a>
&middot; sign-in settings: <a href="/config.json">/config.json</a></p>
</body></html>
"""


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


# --- the Cognito authorizer -----------------------------------------------------------------------
class Unauthorized(Exception):
    """The request carries no token, or one the user pool did not issue to one of its app clients."""


class CognitoTokenVerifier:
    """Checks an ID token as API Gateway's Cognito authorizer does, so no handler ever sees an
    unverified caller: RS256 signature by a key of the pool's JWKS, not expired, issued by the pool
    (the AWS-style issuer moto writes), for one of the template's app clients, and an ID token."""

    def __init__(self, issuer: str, client_ids: Collection[str], fetch_jwks: Callable[[], dict]):
        self.issuer = issuer
        self.client_ids = frozenset(client_ids)
        self._fetch_jwks = fetch_jwks
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    def verify(self, authorization: str | None) -> dict:
        """The token's claims, from an `Authorization` header holding the ID token (or `Bearer <token>`)."""
        token = (authorization or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Unauthorized("Sign in first: the request has no Authorization token.")
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError, UnicodeError) as error:
            raise Unauthorized("The Authorization token is not a valid JWT.") from error
        if header.get("alg") != "RS256":
            raise Unauthorized("The token must be signed with RS256.")
        try:
            key = self._key_set().get_by_kid(str(header["kid"]))
        except (KeyError, InvalidKeyIdError) as error:
            raise Unauthorized("The token names no known signing key.") from error
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"]).claims
        except JoseError as error:
            raise Unauthorized("The token's signature is not valid.") from error
        self._check_claims(claims)
        return claims

    def _key_set(self) -> KeySet:
        with self._lock:
            if self._keys is None:
                self._keys = KeySet.import_key_set(self._fetch_jwks())
            return self._keys

    def _check_claims(self, claims: dict) -> None:
        if claims.get("token_use") != "id":
            raise Unauthorized("Send the ID token, not the access token.")
        if claims.get("iss") != self.issuer:
            raise Unauthorized("The token was not issued by this user pool.")
        audience = claims.get("aud")
        if not isinstance(audience, str) or audience not in self.client_ids:
            raise Unauthorized("The token was issued to another app client.")
        expires = claims.get("exp")
        if isinstance(expires, bool) or not isinstance(expires, int | float) or expires <= time.time():
            raise Unauthorized("The token has expired; sign in again.")


def api_gateway_claims(claims: dict) -> dict[str, str]:
    """Claims as API Gateway's REST Cognito authorizer hands them to the function: every value a
    string, `exp`/`iat` as dates, lists such as `cognito:groups` joined with commas."""
    rendered = {}
    for name, value in claims.items():
        if name in ("exp", "iat") and isinstance(value, int | float):
            rendered[name] = datetime.fromtimestamp(value, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        elif isinstance(value, bool):
            rendered[name] = "true" if value else "false"
        elif isinstance(value, list):
            rendered[name] = ",".join(str(item) for item in value)
        elif isinstance(value, dict):
            rendered[name] = json.dumps(value)
        else:
            rendered[name] = str(value)
    return rendered


# --- routes from the template ---------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, ... or ANY
    resource: str  # the template's path, e.g. /status/{uploadId}
    pattern: re.Pattern
    function: LocalFunction

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return None if found is None else {name: unquote(value) for name, value in found.groupdict().items()}


def _path_pattern(resource: str) -> tuple[re.Pattern, tuple[int, ...]]:
    """A regex for a template path (`{name}` is one segment, `{name+}` the rest) and its sort key:
    literal segments win over parameters, as in API Gateway."""
    parts, ranks = [], []
    for segment in resource.strip("/").split("/"):
        parameter = re.fullmatch(r"\{(\w+)(\+?)\}", segment)
        if parameter is None:
            parts.append(re.escape(segment))
            ranks.append(0)
        else:
            parts.append(f"(?P<{parameter[1]}>{'.+' if parameter[2] else '[^/]+'})")
            ranks.append(2 if parameter[2] else 1)
    return re.compile("/" + "/".join(parts)), tuple(ranks)


class RestApi:
    """The template's one `AWS::Serverless::Api`: its routes (the functions' `Api` events), its
    Cognito authorizer, its CORS settings and its gateway responses."""

    def __init__(self, stack: LocalStack):
        template = stack.template
        apis = template.of_type("AWS::Serverless::Api")
        if len(apis) != 1:
            raise ValueError(f"the local gateway serves one AWS::Serverless::Api; template.yaml has {len(apis)}")
        ((self.logical_id, resource),) = apis.items()
        self.properties = template.resolve(resource.get("Properties", {}))
        self.user_pool_id, self.client_ids, self.verifier = "", [], None
        pool = self._user_pool(template)
        if pool:
            physical = template.physical[pool]
            self.user_pool_id = physical["Ref"]
            self.client_ids = [
                template.physical[logical_id]["Ref"]
                for logical_id, client in template.of_type("AWS::Cognito::UserPoolClient").items()
                if template.resolve(client["Properties"]["UserPoolId"]) == self.user_pool_id
            ]
            jwks_url = f"{stack.endpoint('cognito-idp')}/{self.user_pool_id}/.well-known/jwks.json"
            self.verifier = CognitoTokenVerifier(
                physical["ProviderURL"], self.client_ids, lambda: requests.get(jwks_url, timeout=10).json()
            )
        ranked = []
        for function in stack.functions.values():
            for event in function.spec.events:
                if event.kind == "Api":
                    properties = event.properties
                    if properties.get("RestApiId") != {"Ref": self.logical_id}:
                        raise ValueError(
                            f"{function.spec.logical_id}: Api events must set RestApiId: !Ref {self.logical_id}"
                        )
                    pattern, rank = _path_pattern(properties["Path"])
                    ranked.append((rank, Route(properties["Method"].upper(), properties["Path"], pattern, function)))
        self.routes = [route for _, route in sorted(ranked, key=lambda item: item[0])]

    def _user_pool(self, template) -> str | None:
        """The logical id of the user pool behind the Api's default Cognito authorizer, if any."""
        auth = self.properties.get("Auth", {})
        authorizer = auth.get("Authorizers", {}).get(auth.get("DefaultAuthorizer", ""))
        if not authorizer:
            return None
        arn = authorizer["UserPoolArn"]
        pools = {
            template.physical[logical_id]["Arn"]: logical_id
            for logical_id in template.of_type("AWS::Cognito::UserPool")
        }
        return pools[arn[0] if isinstance(arn, list) else arn]

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method in (method, "ANY"):
                parameters = route.match(path)
                if parameters is not None:
                    return route, parameters
        return None

    def knows(self, path: str) -> bool:
        return any(route.match(path) is not None for route in self.routes)

    def preflight_headers(self) -> dict[str, str]:
        """What SAM's generated OPTIONS method answers, from the Api's `Cors`."""
        cors = self.properties.get("Cors")
        if not cors:
            return {}
        if isinstance(cors, str):
            cors = {"AllowOrigin": cors}
        names = {
            "AllowOrigin": "Access-Control-Allow-Origin",
            "AllowHeaders": "Access-Control-Allow-Headers",
            "AllowMethods": "Access-Control-Allow-Methods",
            "MaxAge": "Access-Control-Max-Age",
        }
        headers = {names[key]: _literal(value) for key, value in cors.items() if key in names}
        if cors.get("AllowCredentials"):
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers

    def refusal(self, status: int, *, headers: dict[str, str] | None = None) -> Reply:
        """A request the gateway refuses itself (GATEWAY_REFUSALS), in the error shape."""
        response_type, message = GATEWAY_REFUSALS[status]
        reply = self.gateway_response(status, response_type, message)
        reply.headers += list((headers or {}).items())
        return reply

    def methods(self, path: str) -> list[str]:
        """The methods the API takes on this path (OPTIONS is the CORS preflight); none for an unknown path."""
        methods = {route.method for route in self.routes if route.match(path) is not None}
        return sorted(methods | {"OPTIONS"}) if methods else []

    def gateway_response(self, status: int, response_type: str, message: str) -> Reply:
        """An answer API Gateway gives itself (401, 404, 5xx), shaped by the template's GatewayResponses."""
        responses = self.properties.get("GatewayResponses", {})
        response = responses.get(response_type) or responses.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX", {})
        headers = [
            (name, _literal(value)) for name, value in response.get("ResponseParameters", {}).get("Headers", {}).items()
        ]
        body = (
            response.get("ResponseTemplates", {})
            .get("application/json", '{"message": $context.error.messageString}')
            .replace("$context.error.responseType", response_type)
            .replace("$context.error.messageString", json.dumps(message))
        )
        return Reply(
            int(response.get("StatusCode", status)), [("Content-Type", "application/json"), *headers], body.encode()
        )


def _literal(value: str) -> str:
    """SAM writes CORS and gateway-response header values as quoted literals: "'*'" is *."""
    value = str(value)
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


# --- the HTTP server ------------------------------------------------------------------------------
def _json_reply(status: int, document: object, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status, [("Content-Type", "application/json"), *(headers or {}).items()], json.dumps(document).encode()
    )


def _lambda_reply(response: object) -> Reply:
    """A Lambda proxy response as API Gateway returns it; `ValueError` when it is malformed."""
    if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
        raise ValueError(f"malformed Lambda proxy response: {response!r:.200}")
    headers = [
        (name, str(value)) for name, values in (response.get("multiValueHeaders") or {}).items() for value in values
    ]
    given = {name.lower() for name, _ in headers}
    headers += [
        (name, str(value)) for name, value in (response.get("headers") or {}).items() if name.lower() not in given
    ]
    body = response.get("body") or ""
    return Reply(
        response["statusCode"], headers, base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    )


class Gateway:
    """The local API Gateway and web server on 127.0.0.1; `port=0` picks a free port."""

    def __init__(self, stack: LocalStack, port: int = 3000, frontend_dir: Path = FRONTEND_DIR):
        self.stack = stack
        self.api = RestApi(stack)
        self.frontend_dir = frontend_dir
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _RequestHandler)
        self._server.daemon_threads = True
        self._server.gateway = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._openapi: dict | None = None
        self._openapi_lock = threading.Lock()
        self.functions = ApiFunctions()

    def start(self) -> Gateway:
        threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.functions.stop()

    # /api ----------------------------------------------------------------------------------------
    def call_api(self, method: str, path: str, query: str, headers, body: bytes) -> Reply:
        api = self.api
        if method == "OPTIONS" and api.knows(path):
            return Reply(200, list(api.preflight_headers().items()))
        found = api.find(method, path)
        if found is None:
            allowed = api.methods(path)
            if allowed:  # as in API Gateway, before the authorizer: it guards methods, not paths
                return api.refusal(405, headers={"Allow": ", ".join(allowed)})
            return api.gateway_response(404, "RESOURCE_NOT_FOUND", "There is no such API route.")
        claims = None
        if api.verifier:
            try:
                claims = api_gateway_claims(api.verifier.verify(headers.get("Authorization")))
            except Unauthorized as error:
                return self.api.gateway_response(401, "UNAUTHORIZED", str(error))
        route, parameters = found
        pairs = parse_qsl(query, keep_blank_values=True)
        try:
            text, encoded = body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
        event = proxy_event(
            method,
            path,
            body=text or None,
            claims=claims,
            query=dict(pairs) or None,
            headers=dict(headers.items()),
            resource=route.resource,
            path_parameters=parameters or None,
        )
        event["isBase64Encoded"] = encoded
        if pairs:
            multi: dict[str, list[str]] = {}
            for name, value in pairs:
                multi.setdefault(name, []).append(value)
            event["multiValueQueryStringParameters"] = multi
        try:
            return _lambda_reply(self.functions.invoke(route.function.spec, event))
        except Exception:
            print(f"{route.function.spec.logical_id} failed:\n{traceback.format_exc()}", flush=True)
            return self.api.gateway_response(502, "INTERNAL_ERROR", "The function failed; see the server's output.")

    # the web app's side ----------------------------------------------------------------------------
    def config(self) -> dict:
        """What the web app reads at start-up to sign in and reach the API."""
        return {
            "apiUrl": self.url + API_PREFIX,
            "region": REGION,
            "userPoolId": self.api.user_pool_id,
            "userPoolClientId": self.api.client_ids[0] if self.api.client_ids else "",
            "cognitoEndpoint": self.url + COGNITO_PATH,
        }

    def openapi(self) -> dict:
        """One document for the whole API, merged from each API function's Powertools resolver."""
        with self._openapi_lock:
            if self._openapi is None:
                from easycrm.http.resolver import (
                    openapi_document,  # the layer: on sys.path once the stack loaded the functions
                )

                document: dict = {"openapi": "3.1.0", "paths": {}, "components": {}}
                for module_name in dict.fromkeys(route.function.spec.module for route in self.api.routes):
                    module = importlib.import_module(module_name)
                    schema = openapi_document(module.app)
                    document["openapi"] = schema.get("openapi", document["openapi"])
                    document["paths"].update(schema.get("paths", {}))
                    for section, entries in schema.get("components", {}).items():
                        document["components"].setdefault(section, {}).update(entries)
                document["info"] = {"title": "Easy CRM API", "version": "1.0.0"}
                document["servers"] = [{"url": self.url + API_PREFIX}]
                if self.api.verifier:
                    document["components"].setdefault("securitySchemes", {})["CognitoIdToken"] = {
                        "type": "apiKey",
                        "in": "header",
                        "name": "Authorization",
                        "description": "The ID token from signing in to the user pool.",
                    }
                    document["security"] = [{"CognitoIdToken": []}]
                self._add_gateway_responses(document)
                self._openapi = document
            return self._openapi

    @staticmethod
    def _add_gateway_responses(document: dict) -> None:
        """What the gateway may answer for any operation, besides what its function answers (the 401 of
        the Cognito authorizer is among those: easycrm.http.resolver declares it for every route)."""
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
        answers = {
            status: f"{GATEWAY_REFUSALS[status][0]}: {GATEWAY_REFUSALS[status][1]}" for status in DOCUMENTED_REFUSALS
        }
        answers[502] = "INTERNAL_ERROR: the function failed."
        for operations in document["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in answers.items():
                    if str(status) in responses:
                        responses[str(status)]["description"] += f" Or, from the gateway, {description}"
                    else:
                        responses[str(status)] = {"description": description, "content": error}

    def cognito(self, headers, body: bytes) -> Reply:
        """Forward one public Cognito action to moto; anything else needs AWS credentials, as in AWS."""
        target = headers.get("X-Amz-Target", "")
        service, _, action = target.partition(".")
        if service != "AWSCognitoIdentityProviderService" or action not in PUBLIC_COGNITO_ACTIONS:
            error = {"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"}
            return _json_reply(400, error, {"x-amzn-ErrorType": error["__type"]})
        answer = requests.post(
            self.stack.endpoint("cognito-idp") + "/",
            data=body,
            headers={"X-Amz-Target": target, "Content-Type": headers.get("Content-Type", "application/x-amz-json-1.1")},
            timeout=30,
        )
        passed = ("Content-Type", "x-amzn-ErrorType", "x-amzn-RequestId")
        return Reply(
            answer.status_code,
            [(name, answer.headers[name]) for name in passed if name in answer.headers],
            answer.content,
        )


def content_security_policy(storage_origin: str) -> str:
    """The policy CloudFront sends with the web app (template.yaml, WebAppSecurityHeaders), except that
    the page reaches S3 at the local moto server instead of `https://*.amazonaws.com`."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {storage_origin}; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'none'; object-src 'none'"
    )


def frontend_reply(root: Path, path: str, policy: str) -> Reply:
    """A file of the web app's folder (index.html for a folder), never anything outside it."""
    root = root.resolve()
    not_found = Reply(404, [("Content-Type", "text/plain; charset=utf-8")], b"Not found")
    if not root.is_dir():
        if path in ("/", "/index.html"):
            return Reply(200, [("Content-Type", "text/html; charset=utf-8")], PLACEHOLDER_PAGE.encode())
        return not_found
    try:
        file = (root / unquote(path).lstrip("/")).resolve()
        if file.is_dir():
            file = file / "index.html"
        if not (file.is_relative_to(root) and file.is_file()):
            return not_found
    except (OSError, ValueError):  # e.g. a NUL byte in the path
        return not_found
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in (
        "application/javascript",
        "application/json",
        "image/svg+xml",
    ):
        content_type += "; charset=utf-8"
    headers = [
        ("Content-Type", content_type),
        ("Cache-Control", "no-cache"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", policy),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
    ]
    return Reply(200, headers, file.read_bytes())


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the browser reuses its connections
    # The headers and the body go out in two writes: with Nagle's algorithm the body would wait for the
    # client's delayed ACK of the headers, 40 ms on every answer of a kept-alive connection.
    disable_nagle_algorithm = True

    def _dispatch(self) -> None:
        gateway: Gateway = self.server.gateway
        try:
            reply = self._reply(gateway)
        except Exception:
            print(f"{self.command} {self.path} failed:\n{traceback.format_exc()}", flush=True)
            reply = gateway.api.gateway_response(
                500, "INTERNAL_ERROR", "The local gateway failed; see the server's output."
            )
        self._send(reply)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line or header, a request line over 64 KB) in the
        error shape with the gateway's CORS headers, instead of its HTML page."""
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True  # the rest of the connection cannot be trusted to be a request
        # A request line it could not read leaves the version at HTTP/0.9, which would send the body
        # alone; every client of this API speaks HTTP/1.x and needs the status line and the CORS headers.
        self.request_version = "HTTP/1.1"
        gateway: Gateway = self.server.gateway
        if code in GATEWAY_REFUSALS:
            reply = gateway.api.refusal(code)
        else:
            reply = gateway.api.gateway_response(code, "DEFAULT_4XX", HTTPStatus(code).phrase)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):  # the browser gave up on this request (e.g. aborted)
            self.close_connection = True

    def _refused(self, api: RestApi) -> Reply | None:
        """A request API Gateway would refuse before any function runs (GATEWAY_REFUSALS). Its body is
        not read, so the connection is closed after the answer."""
        length = self.headers.get("Content-Length")
        head_bytes = len(self.raw_requestline) + sum(len(name) + len(value) + 4 for name, value in self.headers.items())
        if len(self.path) > MAX_URL_CHARS:
            status = 414
        elif head_bytes > MAX_HEAD_BYTES:
            status = 431
        elif "Transfer-Encoding" in self.headers:
            status = 411
        elif length is not None and not re.fullmatch(r"[0-9]{1,18}", length.strip()):
            status = 400  # http.server would take int(" -1 ") and read until the client hangs up
        elif int(length or 0) > MAX_REQUEST_BYTES:
            status = 413
        else:
            return None
        self.close_connection = True
        return api.refusal(status)

    def _reply(self, gateway: Gateway) -> Reply:
        url, method = urlsplit(self.path), self.command
        refused = self._refused(gateway.api)
        if refused is not None:
            return refused
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == API_PREFIX or url.path.startswith(API_PREFIX + "/"):
            return gateway.call_api(method, url.path[len(API_PREFIX) :] or "/", url.query, self.headers, body)
        if method == "POST" and url.path == COGNITO_PATH:
            return gateway.cognito(self.headers, body)
        if method not in ("GET", "HEAD"):
            return gateway.api.refusal(405, headers={"Allow": "GET, HEAD"})
        if url.path == "/config.json":
            return _json_reply(200, gateway.config(), {"Cache-Control": "no-store"})
        if url.path == "/openapi.json":
            return _json_reply(200, gateway.openapi())
        return frontend_reply(gateway.frontend_dir, url.path, content_security_policy(gateway.stack.endpoint("s3")))

    def __getattr__(self, name: str):
        """Every method goes to _dispatch (http.server would answer a method it has no `do_` for with 501):
        on an API path, one the route does not take is a 405 listing the ones it does."""
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

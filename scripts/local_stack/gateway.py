"""The local API Gateway: the HTTP server on 127.0.0.1 and where each request goes.

One threaded HTTP server serves
- `/api/...`: the `Type: Api` events of template.yaml, as API Gateway's REST proxy integration would
  (routes.py: the routes, the CORS preflight, the gateway's own answers in the template's
  GatewayResponses; authorizer.py: the Cognito authorizer, which checks the ID token before any handler
  runs). Handler responses pass through untouched: with a proxy integration the function itself must
  send CORS headers, in AWS as here. Requests are served concurrently: each handler invocation runs in
  one of a few worker processes (see `ApiFunctions`), one request at a time per process, as in Lambda.
- `/config.json`: what the web app needs to sign in and call the API;
- `/cognito/`: the public (unsigned) Cognito actions, forwarded to moto (cognito_proxy.py);
- `/openapi.json`: one OpenAPI document merged from every API function's Powertools resolver (openapi.py);
- everything else: the files of `frontend/` (static_files.py).
"""

from __future__ import annotations

import base64
import re
import threading
import traceback
from collections.abc import Callable
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scripts.local_stack.apigw import lambda_reply, proxy_event
from scripts.local_stack.authorizer import Unauthorized, api_gateway_claims
from scripts.local_stack.cognito_proxy import forward_public_action
from scripts.local_stack.openapi import merged_document
from scripts.local_stack.reply import Reply, json_reply
from scripts.local_stack.routes import (
    GATEWAY_REFUSALS,
    MAX_HEAD_BYTES,
    MAX_REQUEST_BYTES,
    MAX_URL_CHARS,
    RestApi,
)
from scripts.local_stack.stack import REPO_ROOT, LocalStack
from scripts.local_stack.static_files import content_security_policy, frontend_reply
from scripts.local_stack.template import REGION
from scripts.local_stack.workers import ApiFunctions

API_PREFIX = "/api"
COGNITO_PATH = "/cognito/"
FRONTEND_DIR = REPO_ROOT / "frontend"


class Gateway:
    """The local API Gateway and web server on 127.0.0.1; `port=0` picks a free port."""

    def __init__(self, stack: LocalStack, port: int = 3000, frontend_dir: Path = FRONTEND_DIR):
        self.stack = stack
        self.api = RestApi(stack)
        self.frontend_dir = frontend_dir
        self._server = _Server(("127.0.0.1", port), self)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._openapi: dict[str, Any] | None = None
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
    def call_api(self, method: str, path: str, query: str, headers: Message, body: bytes) -> Reply:
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
            return lambda_reply(self.functions.invoke(route.function.spec, event))
        except Exception:
            print(f"{route.function.spec.logical_id} failed:\n{traceback.format_exc()}", flush=True)
            return self.api.gateway_response(502, "INTERNAL_ERROR", "The function failed; see the server's output.")

    # the web app's side ----------------------------------------------------------------------------
    def config(self) -> dict[str, str]:
        """What the web app reads at start-up to sign in and reach the API."""
        return {
            "apiUrl": self.url + API_PREFIX,
            "region": REGION,
            "userPoolId": self.api.user_pool_id,
            "userPoolClientId": self.api.client_ids[0] if self.api.client_ids else "",
            "cognitoEndpoint": self.url + COGNITO_PATH,
        }

    def openapi(self) -> dict[str, Any]:
        """One document for the whole API (openapi.py), made once, when first asked for."""
        with self._openapi_lock:
            if self._openapi is None:
                self._openapi = merged_document(self.api, self.url + API_PREFIX)
            return self._openapi

    def cognito(self, headers: Message, body: bytes) -> Reply:
        return forward_public_action(self.stack.endpoint("cognito-idp"), headers, body)


class _Server(ThreadingHTTPServer):
    """The threaded HTTP server; its request handlers reach the gateway through it."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], gateway: Gateway):
        super().__init__(address, _RequestHandler)
        self.gateway = gateway


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the browser reuses its connections
    # The headers and the body go out in two writes: with Nagle's algorithm the body would wait for the
    # client's delayed ACK of the headers, 40 ms on every answer of a kept-alive connection.
    disable_nagle_algorithm = True
    server: _Server  # the only server this handler is made for
    raw_requestline: bytes  # set by http.server as it reads each request (its stubs do not declare it)

    def _dispatch(self) -> None:
        gateway = self.server.gateway
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
        gateway = self.server.gateway
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
            return json_reply(200, gateway.config(), {"Cache-Control": "no-store"})
        if url.path == "/openapi.json":
            return json_reply(200, gateway.openapi())
        return frontend_reply(gateway.frontend_dir, url.path, content_security_policy(gateway.stack.endpoint("s3")))

    def __getattr__(self, name: str) -> Callable[[], None]:
        """Every method goes to _dispatch (http.server would answer a method it has no `do_` for with 501):
        on an API path, one the route does not take is a 405 listing the ones it does."""
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

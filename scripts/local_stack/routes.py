"""The template's REST API as API Gateway serves it: its routes (the functions' `Type: Api` events), the
CORS preflight SAM generates from its `Cors`, and the answers the gateway gives itself (refusals before
any function runs, 401, 404, 5xx) in the shape of its GatewayResponses."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import requests

from scripts.local_stack.authorizer import CognitoTokenVerifier
from scripts.local_stack.reply import Reply

if TYPE_CHECKING:
    from scripts.local_stack.stack import LocalStack
    from scripts.local_stack.template import Template
    from scripts.local_stack.workers import LocalFunction

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


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, ... or ANY
    resource: str  # the template's path, e.g. /status/{uploadId}
    pattern: re.Pattern[str]
    function: LocalFunction

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return None if found is None else {name: unquote(value) for name, value in found.groupdict().items()}


def _path_pattern(resource: str) -> tuple[re.Pattern[str], tuple[int, ...]]:
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
        self.properties: dict[str, Any] = template.resolve(resource.get("Properties", {}))
        self.user_pool_id = ""
        self.client_ids: list[str] = []
        self.verifier: CognitoTokenVerifier | None = None
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

    def _user_pool(self, template: Template) -> str | None:
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


def _literal(value: object) -> str:
    """SAM writes CORS and gateway-response header values as quoted literals: "'*'" is *."""
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text

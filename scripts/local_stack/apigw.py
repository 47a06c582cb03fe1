"""API Gateway's REST proxy integration: the events, shaped as API Gateway sends them with a Cognito
authorizer, and the function's proxy response as API Gateway returns it to the client."""

from __future__ import annotations

import base64
import json
import time
import uuid

from scripts.local_stack.reply import Reply


def proxy_event(
    method: str,
    path: str,
    *,
    body: object = None,
    claims: dict | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict:
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    request_context = {
        "resourcePath": resource or path,
        "httpMethod": method,
        "path": f"/local{path}",
        "stage": "local",
        "requestId": str(uuid.uuid4()),
        "requestTimeEpoch": int(time.time() * 1000),
        "identity": {"sourceIp": "127.0.0.1", "userAgent": all_headers.get("User-Agent", "")},
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": claims}
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {name: [value] for name, value in query.items()} if query else None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": request_context,
        "body": None if body is None else (body if isinstance(body, str) else json.dumps(body)),
        "isBase64Encoded": False,
    }


def lambda_reply(response: object) -> Reply:
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

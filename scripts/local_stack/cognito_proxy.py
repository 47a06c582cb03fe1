"""`/cognito/`: the public (unsigned) Cognito actions, forwarded to moto so the browser reaches them from
the web app's own origin; any other action needs AWS credentials, as in AWS."""

from __future__ import annotations

from email.message import Message

import requests

from scripts.local_stack.reply import Reply, json_reply

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


def forward_public_action(cognito_endpoint: str, headers: Message, body: bytes) -> Reply:
    """Forward one public Cognito action to moto; anything else needs AWS credentials, as in AWS."""
    target = headers.get("X-Amz-Target", "")
    service, _, action = target.partition(".")
    if service != "AWSCognitoIdentityProviderService" or action not in PUBLIC_COGNITO_ACTIONS:
        error = {"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"}
        return json_reply(400, error, {"x-amzn-ErrorType": error["__type"]})
    answer = requests.post(
        cognito_endpoint + "/",
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

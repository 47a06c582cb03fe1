"""The local Cognito authorizer refuses every token API Gateway's would, each for the right reason.

Tokens are signed here with a key generated for the test and checked against a JWKS that holds its
public half, so expiry and other claims can be set freely (moto's tokens always live for an hour).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from scripts.local_stack.authorizer import CognitoTokenVerifier, Unauthorized, api_gateway_claims

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"
CLIENT_ID = "web-client"


@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "pool-key"}, private=True)


@pytest.fixture(scope="module")
def verifier(key) -> CognitoTokenVerifier:
    jwks = {"keys": [key.as_dict(private=False)]}
    return CognitoTokenVerifier(ISSUER, [CLIENT_ID], lambda: jwks)


def claims(**changes) -> dict:
    now = int(time.time())
    base = {
        "sub": "user-1",
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "email": "someone@example.com",
        "email_verified": True,
        "cognito:groups": ["admins", "sales"],
        "auth_time": now,
        "iat": now,
        "exp": now + 600,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def sign(key: RSAKey, payload: dict, header: dict | None = None) -> str:
    return jwt.encode(header or {"alg": "RS256", "kid": "pool-key"}, payload, key)


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_valid_id_token_gives_its_claims(verifier, key):
    token = sign(key, claims())
    assert verifier.verify(token)["sub"] == "user-1"
    assert verifier.verify(f"Bearer {token}")["email"] == "someone@example.com"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": int(time.time()) - 1}, "expired"),
        ({"exp": None}, "expired"),
        ({"exp": "tomorrow"}, "expired"),
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool"}, "user pool"),
        ({"aud": "another-client"}, "app client"),
        ({"aud": [CLIENT_ID, "another-client"]}, "app client"),
        ({"token_use": "access", "aud": None, "client_id": CLIENT_ID}, "access token"),
    ],
    ids=["expired", "no-exp", "text-exp", "other-pool", "other-client", "audience-list", "access-token"],
)
def test_claims_that_api_gateway_refuses(verifier, key, changes, reason):
    with pytest.raises(Unauthorized, match=reason):
        verifier.verify(sign(key, claims(**changes)))


def test_unsigned_token_is_refused(verifier):
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}."
    with pytest.raises(Unauthorized, match="RS256"):
        verifier.verify(token)


def test_hmac_token_keyed_with_the_public_key_is_refused(verifier, key):
    """The classic algorithm confusion: HS256 'signed' with the public key everyone can fetch."""
    signing_input = f"{b64({'alg': 'HS256', 'kid': 'pool-key'})}.{b64(claims())}"
    secret = key.as_pem(private=False)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(Unauthorized, match="RS256"):
        verifier.verify(f"{signing_input}.{b64(signature)}")


def test_tampered_payload_is_refused(verifier, key):
    header, _, signature = sign(key, claims()).split(".")
    forged = b64(claims(sub="someone-else", **{"cognito:groups": ["admins"]}))
    with pytest.raises(Unauthorized, match="signature"):
        verifier.verify(f"{header}.{forged}.{signature}")


def test_token_signed_by_another_key_under_the_same_kid_is_refused(verifier):
    impostor = RSAKey.generate_key(2048, parameters={"kid": "pool-key"}, private=True)
    with pytest.raises(Unauthorized, match="signature"):
        verifier.verify(sign(impostor, claims()))


@pytest.mark.parametrize("header", [{"alg": "RS256", "kid": "rotated-away"}, {"alg": "RS256"}], ids=["unknown", "none"])
def test_token_without_a_known_key_id_is_refused(verifier, key, header):
    with pytest.raises(Unauthorized, match="signing key"):
        verifier.verify(sign(key, claims(), header))


@pytest.mark.parametrize("authorization", [None, "", "Bearer ", "not-a-jwt", "a.b.c", "Basic dXNlcjpwYXNz"])
def test_missing_or_garbage_authorization_is_refused(verifier, authorization):
    with pytest.raises(Unauthorized):
        verifier.verify(authorization)


def test_claims_reach_the_function_as_api_gateway_renders_them():
    rendered = api_gateway_claims(claims(exp=1680629979, iat=1680626379, auth_time=1680626379))
    assert rendered["cognito:groups"] == "admins,sales"
    assert rendered["email_verified"] == "true"
    assert rendered["exp"] == "Tue Apr 04 17:39:39 UTC 2023"
    assert rendered["iat"] == "Tue Apr 04 16:39:39 UTC 2023"
    assert rendered["auth_time"] == "1680626379"
    assert all(isinstance(value, str) for value in rendered.values())

"""The local Cognito authorizer: where a request's ID token is checked, as API Gateway's Cognito
authorizer checks it, and how the claims of a valid one reach the function."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, KeySetSerialization


class Unauthorized(Exception):
    """The request carries no token, or one the user pool did not issue to one of its app clients."""


class CognitoTokenVerifier:
    """Checks an ID token as API Gateway's Cognito authorizer does, so no handler ever sees an
    unverified caller: RS256 signature by a key of the pool's JWKS, not expired, issued by the pool
    (the AWS-style issuer moto writes), for one of the template's app clients, and an ID token."""

    def __init__(self, issuer: str, client_ids: Collection[str], fetch_jwks: Callable[[], KeySetSerialization]):
        self.issuer = issuer
        self.client_ids = frozenset(client_ids)
        self._fetch_jwks = fetch_jwks
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    def verify(self, authorization: str | None) -> dict[str, Any]:
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

    def _check_claims(self, claims: dict[str, Any]) -> None:
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


def api_gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
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

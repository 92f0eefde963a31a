"""Verify a Cognito JWT (ID or access token) with PyJWT: RS256 signature against the pool's JWKS,
issuer, expiry, token use and audience/client. Every malformed input is an InvalidToken, never another
exception: the authorizer must answer deny, not fail (API Gateway would answer 500)."""

from __future__ import annotations

import time
from typing import Any

import jwt

LEEWAY_SECONDS = 60
MAX_TOKEN_LENGTH = 8192
ALGORITHMS = ["RS256"]
MAX_LIFETIME_SECONDS = 24 * 3600
"""Cognito issues ID and access tokens for at most a day: a later `exp` is not one of its tokens."""


class InvalidToken(ValueError):
    """The token is not acceptable; the message says why (logged, never returned to the client)."""


# What PyJWT or the JSON inside a token can raise for hostile input besides its own errors: nesting past
# the interpreter's recursion limit, non-finite or huge numbers where integers belong, odd types.
_MALFORMED = (jwt.PyJWTError, RecursionError, OverflowError, ValueError, TypeError, KeyError, AttributeError)


def verify(token: Any, jwks: jwt.PyJWKClient, issuer: str, client_ids: tuple[str, ...]) -> dict[str, Any]:
    """The token's claims if it is valid; raises InvalidToken otherwise."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidToken("not a compact JWS")
    try:
        key = jwks.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except _MALFORMED as exc:
        raise InvalidToken(f"{type(exc).__name__}: {exc}"[:200]) from exc
    if claims["exp"] > time.time() + MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
        raise InvalidToken("expires later than any Cognito token")
    use = claims.get("token_use")
    audience = claims.get("aud") if use == "id" else claims.get("client_id") if use == "access" else None
    if not isinstance(audience, str) or audience not in client_ids:
        raise InvalidToken("token use or audience not accepted")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidToken("no subject")
    return claims

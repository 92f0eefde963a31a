"""Verify a Cognito JWT (ID or access token) with PyJWT: RS256 signature against the pool's JWKS,
issuer, expiry, token use and audience/client. Every malformed input is an InvalidToken, never another
exception: the authorizer must answer deny, not fail (API Gateway would answer 500).

Every claim is checked by type before anything uses it (`CognitoClaims.of`, strict: a time is a finite JSON
number, never digits in a string; an audience is one string; groups are a list of strings), then PyJWT's own
checks run on it (expiry, not-before, issued-at, issuer), and only then does this module compare values.
The check is a few lines of plain Python rather than a pydantic model: the authorizer answers every
`$connect`, and pydantic would be most of its cold start.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import jwt

LEEWAY_SECONDS = 60
MAX_TOKEN_LENGTH = 8192
ALGORITHMS = ["RS256"]
MAX_LIFETIME_SECONDS = 24 * 3600
"""Cognito issues ID and access tokens for at most a day: a later `exp` is not one of its tokens."""
MAX_SUB_LENGTH = 128
MAX_TEXT_LENGTH = 2048
MAX_GROUPS = 100
MAX_GROUP_LENGTH = 128
TOKEN_USES = ("id", "access")


class InvalidToken(ValueError):
    """The token is not acceptable; the message says why (logged, never returned to the client)."""


# What PyJWT or the JSON inside a token can raise for hostile input besides its own errors: nesting past
# the interpreter's recursion limit, non-finite or huge numbers where integers belong, odd types.
_MALFORMED = (jwt.PyJWTError, RecursionError, OverflowError, ValueError, TypeError, KeyError, AttributeError)


def _text(payload: dict[str, Any], name: str, max_length: int) -> str | None:
    """A string claim of 1 to `max_length` characters; None when it is absent or null."""
    value = payload.get(name)
    if value is not None and (type(value) is not str or not 1 <= len(value) <= max_length):
        raise InvalidToken(f"malformed claims: {name}: must be a string of 1 to {max_length} characters")
    return value


def _numeric_date(payload: dict[str, Any], name: str) -> float | None:
    """RFC 7519's NumericDate: a finite JSON number (no string of digits, no boolean); None when absent or null."""
    value = payload.get(name)
    if value is None:
        return None
    if type(value) not in (int, float):
        raise InvalidToken(f"malformed claims: {name}: must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        number = math.inf
    if not math.isfinite(number):
        raise InvalidToken(f"malformed claims: {name}: must be a finite number")
    return number


def _required(name: str, value: Any) -> Any:
    if value is None:
        raise InvalidToken(f"malformed claims: {name}: required")
    return value


def _groups(payload: dict[str, Any]) -> tuple[str, ...]:
    value = payload.get("cognito:groups", [])
    if (type(value) is not list or len(value) > MAX_GROUPS
            or any(type(group) is not str or len(group) > MAX_GROUP_LENGTH for group in value)):
        raise InvalidToken(f"malformed claims: cognito:groups: must be a list of at most {MAX_GROUPS} strings "
                           f"of at most {MAX_GROUP_LENGTH} characters")
    return tuple(value)


@dataclass(frozen=True)
class CognitoClaims:
    """The claims of a Cognito ID or access token that the authorizer (or PyJWT for it) reads."""

    sub: str
    iss: str
    token_use: str
    exp: float
    nbf: float | None
    iat: float | None
    aud: str | None
    """ID tokens: the app client (one string, as Cognito writes it)."""
    client_id: str | None
    """Access tokens: the app client."""
    groups: tuple[str, ...]

    @classmethod
    def of(cls, payload: Any) -> CognitoClaims:
        """The claims of a decoded payload, each of its type; raises InvalidToken naming the first that is not.
        Claims the authorizer does not read are ignored."""
        if type(payload) is not dict:
            raise InvalidToken("malformed claims: the payload is not a JSON object")
        token_use = payload.get("token_use")
        if type(token_use) is not str or token_use not in TOKEN_USES:
            raise InvalidToken(f"malformed claims: token_use: must be one of {', '.join(TOKEN_USES)}")
        return cls(
            sub=_required("sub", _text(payload, "sub", MAX_SUB_LENGTH)),
            iss=_required("iss", _text(payload, "iss", MAX_TEXT_LENGTH)),
            token_use=token_use,
            exp=_required("exp", _numeric_date(payload, "exp")),
            nbf=_numeric_date(payload, "nbf"),
            iat=_numeric_date(payload, "iat"),
            aud=_text(payload, "aud", MAX_TEXT_LENGTH),
            client_id=_text(payload, "client_id", MAX_TEXT_LENGTH),
            groups=_groups(payload),
        )

    @property
    def audience(self) -> str | None:
        return self.aud if self.token_use == "id" else self.client_id


def verify(token: Any, jwks: jwt.PyJWKClient, issuer: str, client_ids: tuple[str, ...]) -> CognitoClaims:
    """The token's claims if it is valid; raises InvalidToken otherwise."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidToken("not a compact JWS")
    try:
        key = jwks.get_signing_key_from_jwt(token).key
        # The signature first, and nothing read from the claims yet.
        payload = jwt.decode(token, key, algorithms=ALGORITHMS, options={
            "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_iss": False, "verify_aud": False,
            "verify_sub": False, "verify_jti": False,
        })
        claims = CognitoClaims.of(payload)
        # PyJWT's own claim checks, on claims now known to be of the right types.
        jwt.decode(token, key, algorithms=ALGORITHMS, issuer=issuer, leeway=LEEWAY_SECONDS,
                   options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False})
    except InvalidToken:
        raise
    except _MALFORMED as exc:
        raise InvalidToken(f"{type(exc).__name__}: {exc}"[:200]) from exc
    if claims.exp > time.time() + MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
        raise InvalidToken("expires later than any Cognito token")
    if claims.audience is None or claims.audience not in client_ids:
        raise InvalidToken("token use or audience not accepted")
    return claims

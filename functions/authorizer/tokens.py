"""Verify a Cognito JWT (ID or access token) with PyJWT: RS256 signature against the pool's JWKS,
issuer, expiry, token use and audience/client. Every malformed input is an InvalidToken, never another
exception: the authorizer must answer deny, not fail (API Gateway would answer 500).

Every claim is checked by type before anything uses it (`CognitoClaims`, strict: a time is a JSON number,
never digits in a string; an audience is one string; groups are a list of strings), then PyJWT's own
checks run on it (expiry, not-before, issued-at, issuer), and only then does this module compare values.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

import jwt
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

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

NumericDate = float
"""RFC 7519's NumericDate: a finite JSON number (strict: no string of digits, no boolean)."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class CognitoClaims(BaseModel):
    """The claims of a Cognito ID or access token that the authorizer (or PyJWT for it) reads."""

    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False, frozen=True)

    sub: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    iss: Text
    token_use: Literal["id", "access"]
    exp: NumericDate
    nbf: NumericDate | None = None
    iat: NumericDate | None = None
    aud: Text | None = None
    """ID tokens: the app client (one string, as Cognito writes it)."""
    client_id: Text | None = None
    """Access tokens: the app client."""
    groups: list[Annotated[str, StringConstraints(max_length=128)]] = Field(
        default_factory=list, alias="cognito:groups", max_length=100
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
        claims = CognitoClaims.model_validate(payload)
        # PyJWT's own claim checks, on claims now known to be of the right types.
        jwt.decode(token, key, algorithms=ALGORITHMS, issuer=issuer, leeway=LEEWAY_SECONDS,
                   options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                             for e in exc.errors(include_url=False, include_input=False))
        raise InvalidToken(f"malformed claims: {problems}"[:200]) from exc
    except _MALFORMED as exc:
        raise InvalidToken(f"{type(exc).__name__}: {exc}"[:200]) from exc
    if claims.exp > time.time() + MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
        raise InvalidToken("expires later than any Cognito token")
    if claims.audience is None or claims.audience not in client_ids:
        raise InvalidToken("token use or audience not accepted")
    return claims

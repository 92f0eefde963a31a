"""Verify a Cognito JWT (ID or access token): signature, issuer, expiry, token use, audience/client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from functions.authorizer.rsa import RsaPublicKey, b64url_decode

LEEWAY_SECONDS = 60
MAX_TOKEN_LENGTH = 8192


class InvalidToken(ValueError):
    """The token is not acceptable; the message says why (logged, never returned to the client)."""


def _segment(text: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(text))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("a token segment is not base64url JSON") from exc
    if not isinstance(value, dict):
        raise InvalidToken("a token segment is not a JSON object")
    return value


def verify(
    token: str,
    key_for: Callable[[str], RsaPublicKey | None],
    issuer: str,
    client_ids: tuple[str, ...],
    now: float | None = None,
) -> dict[str, Any]:
    """The token's claims if it is valid; raises InvalidToken otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidToken("not a compact JWS")
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = _segment(header_b64)
    if header.get("alg") != "RS256":
        raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
    key = key_for(str(header.get("kid", "")))
    if key is None:
        raise InvalidToken("unknown signing key")
    try:
        signature = b64url_decode(signature_b64)
    except ValueError as exc:
        raise InvalidToken("the signature is not base64url") from exc
    if not key.verify_rs256(f"{header_b64}.{payload_b64}".encode(), signature):
        raise InvalidToken("bad signature")
    claims = _segment(payload_b64)
    moment = time.time() if now is None else now
    if claims.get("iss") != issuer:
        raise InvalidToken("wrong issuer")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] + LEEWAY_SECONDS < moment:
        raise InvalidToken("expired")
    use = claims.get("token_use")
    audience = claims.get("aud") if use == "id" else claims.get("client_id") if use == "access" else None
    if audience not in client_ids:
        raise InvalidToken("token use or audience not accepted")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidToken("no subject")
    return claims

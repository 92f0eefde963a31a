"""The user pool's signing keys: PyJWT's JWKS client, which caches the key set per container."""

from __future__ import annotations

from urllib.parse import urlparse

import jwt

TIMEOUT_SECONDS = 5


def jwks_client(issuer: str, max_age_seconds: int) -> jwt.PyJWKClient:
    if urlparse(issuer).scheme not in {"https", "http"}:
        raise ValueError(f"issuer {issuer!r} must be an http(s) URL")
    return jwt.PyJWKClient(
        f"{issuer}/.well-known/jwks.json", cache_jwk_set=True, lifespan=max_age_seconds, timeout=TIMEOUT_SECONDS
    )

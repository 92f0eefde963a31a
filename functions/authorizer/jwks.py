"""The user pool's signing keys, fetched from the issuer's JWKS document and cached per container."""

from __future__ import annotations

import json
import time
import urllib.request
from urllib.parse import urlparse

from functions.authorizer.rsa import RsaPublicKey

TIMEOUT_SECONDS = 5
MIN_REFRESH_SECONDS = 60.0
"""An unknown key id triggers at most one refetch per minute (keys rotate rarely; tokens may be forged)."""


class JwksCache:
    def __init__(self, issuer: str, max_age_seconds: float) -> None:
        if urlparse(issuer).scheme not in {"https", "http"}:
            raise ValueError(f"issuer {issuer!r} must be an http(s) URL")
        self.url = f"{issuer}/.well-known/jwks.json"
        self.max_age = max_age_seconds
        self._keys: dict[str, RsaPublicKey] = {}
        self._fetched_at = float("-inf")

    def key(self, kid: str) -> RsaPublicKey | None:
        age = time.monotonic() - self._fetched_at
        if age >= self.max_age or (kid not in self._keys and age >= MIN_REFRESH_SECONDS):
            self._refresh()
        return self._keys.get(kid)

    def _refresh(self) -> None:
        with urllib.request.urlopen(self.url, timeout=TIMEOUT_SECONDS) as response:
            document = json.loads(response.read(1024 * 1024))
        self._keys = {
            jwk["kid"]: RsaPublicKey.from_jwk(jwk)
            for jwk in document.get("keys", [])
            if jwk.get("kty") == "RSA" and jwk.get("use", "sig") == "sig" and "kid" in jwk
        }
        self._fetched_at = time.monotonic()

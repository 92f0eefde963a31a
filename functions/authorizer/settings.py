"""authorizer settings, read once at cold start."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared import settings as env


@dataclass(frozen=True)
class Settings:
    issuer: str
    """`https://cognito-idp.<region>.amazonaws.com/<user pool id>`; the JWKS lives below it."""
    client_ids: tuple[str, ...]
    jwks_cache_seconds: int


def load() -> Settings:
    env.require_powertools()
    return Settings(
        issuer=env.require("COGNITO_ISSUER").rstrip("/"),
        client_ids=env.require_list("COGNITO_APP_CLIENT_IDS"),
        jwks_cache_seconds=env.optional_int("JWKS_CACHE_SECONDS", 3600, minimum=60, maximum=86_400),
    )

"""Secrets Manager secrets: source credentials and the creator-mark key. Values are set out of band, never in
code or state."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SecretSpec:
    name: str
    """Short name; the physical name is `Naming.secret(name)`."""
    env_var: str
    """Environment variable carrying the secret's ARN (never its value)."""
    description: str


SOCIAL_SOURCE = SecretSpec(
    "social-source-credentials", "SOCIAL_SECRET_ARN", "Credentials for the social media sources (JSON)"
)
NEWS_SOURCE = SecretSpec("news-source-credentials", "NEWS_SECRET_ARN", "Credentials for the news sources (JSON)")

MARKET_SOURCE = SecretSpec(
    "market-source-credentials", "MARKET_SECRET_ARN",
    "Credentials for the market data sources (JSON: headers, and params for URL placeholders such as an API key)",
)

CREATOR_MARK_KEY = SecretSpec(
    "creator-mark-key", "CREATOR_MARK_SECRET_ARN",
    "Key of the keyed hash (HMAC-SHA256) that marks each proposal's creator: at least 32 random bytes, never "
    "rotated (marks made under a key are recognised with that key only)",
)
"""Read by the functions that compute creator marks (functions/shared/marks.py), and by no other."""

SECRETS: tuple[SecretSpec, ...] = (SOCIAL_SOURCE, NEWS_SOURCE, MARKET_SOURCE, CREATOR_MARK_KEY)

"""ingest-social settings, read once at cold start."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared import settings as env


@dataclass(frozen=True)
class Settings:
    signals_table: str
    raw_bucket: str
    queue_url: str
    secret_arn: str
    source_urls: tuple[str, ...]
    ttl_days: int
    max_body_bytes: int


def load() -> Settings:
    env.require_powertools()
    return Settings(
        signals_table=env.require("SIGNALS_TABLE"),
        raw_bucket=env.require("RAW_DATA_BUCKET"),
        queue_url=env.require("SCORING_QUEUE_URL"),
        secret_arn=env.require("SOCIAL_SECRET_ARN"),
        source_urls=env.require_list("SOCIAL_SOURCE_URLS"),
        ttl_days=env.optional_int("SIGNAL_TTL_DAYS", 365, maximum=3650),
        max_body_bytes=env.optional_int("MAX_BODY_BYTES", 256 * 1024, maximum=6 * 1024 * 1024),
    )

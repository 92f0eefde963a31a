"""Settings of an ingestion function, read once at cold start; news and social differ only in which
variables name their secret and their sources."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared import settings as env


@dataclass(frozen=True)
class IngestSettings:
    signals_table: str
    raw_bucket: str
    queue_url: str
    secret_arn: str
    source_urls: tuple[str, ...]
    ttl_days: int
    max_body_bytes: int


def load_ingest(*, secret_var: str, sources_var: str) -> IngestSettings:
    env.require_powertools()
    return IngestSettings(
        signals_table=env.require("SIGNALS_TABLE"),
        raw_bucket=env.require("RAW_DATA_BUCKET"),
        queue_url=env.require("SCORING_QUEUE_URL"),
        secret_arn=env.require(secret_var),
        source_urls=env.require_list(sources_var),
        ttl_days=env.optional_int("SIGNAL_TTL_DAYS", 365, maximum=3650),
        max_body_bytes=env.optional_int("MAX_BODY_BYTES", 256 * 1024, maximum=6 * 1024 * 1024),
    )

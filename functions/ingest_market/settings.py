"""ingest-market settings, read once at cold start. The market-data store decides which variables are needed."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared import settings as env
from functions.shared.market import MarketStore, load_store


@dataclass(frozen=True)
class Settings:
    entities_table: str
    agents_table: str
    jobs_table: str
    jobs_queue_url: str
    secret_arn: str
    source_urls: tuple[str, ...]
    market: MarketStore
    max_body_bytes: int


def load() -> Settings:
    env.require_powertools()
    return Settings(
        entities_table=env.require("TRACKED_ENTITIES_TABLE"),
        agents_table=env.require("AGENTS_CONFIG_TABLE"),
        jobs_table=env.require("JOBS_TABLE"),
        jobs_queue_url=env.require("MARKET_QUEUE_URL"),
        secret_arn=env.require("MARKET_SECRET_ARN"),
        source_urls=env.require_list("MARKET_SOURCE_URLS"),
        market=load_store(),
        max_body_bytes=env.optional_int("MAX_BODY_BYTES", 16 * 1024, maximum=6 * 1024 * 1024),
    )

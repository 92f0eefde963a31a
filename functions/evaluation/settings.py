"""evaluation settings, read once at cold start (the market-data store decides which of its variables are needed)."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared import settings as env
from functions.shared.market import MarketStore, load_store


@dataclass(frozen=True)
class Settings:
    signals_table: str
    proposals_table: str
    outcomes_table: str
    eval_bucket: str
    jobs_table: str
    jobs_queue_url: str
    market: MarketStore
    max_body_bytes: int


def load() -> Settings:
    env.require_powertools()
    return Settings(
        signals_table=env.require("SIGNALS_TABLE"),
        proposals_table=env.require("PROPOSALS_TABLE"),
        outcomes_table=env.require("OUTCOMES_TABLE"),
        eval_bucket=env.require("EVAL_BUCKET"),
        jobs_table=env.require("JOBS_TABLE"),
        jobs_queue_url=env.require("EVALUATIONS_QUEUE_URL"),
        market=load_store(),
        max_body_bytes=env.optional_int("MAX_BODY_BYTES", 64 * 1024, maximum=6 * 1024 * 1024),
    )

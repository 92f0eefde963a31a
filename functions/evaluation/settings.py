"""evaluation settings, read once at cold start. The market-data store decides which variables are needed."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared import settings as env

STORES = ("timestream", "dynamodb")


@dataclass(frozen=True)
class Settings:
    signals_table: str
    proposals_table: str
    outcomes_table: str
    eval_bucket: str
    jobs_table: str
    jobs_queue_url: str
    market_data_store: str
    market_data_table: str | None
    timestream_database: str | None
    timestream_table: str | None
    max_body_bytes: int


def load() -> Settings:
    env.require_powertools()
    store = env.require_choice("MARKET_DATA_STORE", STORES)
    return Settings(
        signals_table=env.require("SIGNALS_TABLE"),
        proposals_table=env.require("PROPOSALS_TABLE"),
        outcomes_table=env.require("OUTCOMES_TABLE"),
        eval_bucket=env.require("EVAL_BUCKET"),
        jobs_table=env.require("JOBS_TABLE"),
        jobs_queue_url=env.require("EVALUATIONS_QUEUE_URL"),
        market_data_store=store,
        market_data_table=env.require("MARKET_DATA_TABLE") if store == "dynamodb" else None,
        timestream_database=env.require("TIMESTREAM_DATABASE") if store == "timestream" else None,
        timestream_table=env.require("TIMESTREAM_TABLE") if store == "timestream" else None,
        max_body_bytes=env.optional_int("MAX_BODY_BYTES", 64 * 1024, maximum=6 * 1024 * 1024),
    )

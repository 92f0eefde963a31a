"""orchestrator settings, read once at cold start."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared import settings as env


@dataclass(frozen=True)
class Settings:
    signals_table: str
    proposals_table: str
    agents_table: str
    entities_table: str
    connections_table: str
    idempotency_table: str
    jobs_table: str
    jobs_queue_url: str
    raw_bucket: str
    features_bucket: str
    creator_mark_secret_arn: str
    max_body_bytes: int


def load() -> Settings:
    env.require_powertools()
    return Settings(
        signals_table=env.require("SIGNALS_TABLE"),
        proposals_table=env.require("PROPOSALS_TABLE"),
        agents_table=env.require("AGENTS_CONFIG_TABLE"),
        entities_table=env.require("TRACKED_ENTITIES_TABLE"),
        connections_table=env.require("CONNECTIONS_TABLE"),
        idempotency_table=env.require("IDEMPOTENCY_TABLE"),
        jobs_table=env.require("JOBS_TABLE"),
        jobs_queue_url=env.require("ERASURES_QUEUE_URL"),
        raw_bucket=env.require("RAW_DATA_BUCKET"),
        features_bucket=env.require("FEATURES_BUCKET"),
        creator_mark_secret_arn=env.require("CREATOR_MARK_SECRET_ARN"),
        max_body_bytes=env.optional_int("MAX_BODY_BYTES", 64 * 1024, maximum=6 * 1024 * 1024),
    )

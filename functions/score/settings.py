"""score settings, read once at cold start."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared import settings as env


@dataclass(frozen=True)
class Settings:
    signals_table: str
    entities_table: str
    features_bucket: str
    idempotency_table: str
    entity_cache_seconds: int
    max_body_bytes: int


def load() -> Settings:
    env.require_powertools()
    return Settings(
        signals_table=env.require("SIGNALS_TABLE"),
        entities_table=env.require("TRACKED_ENTITIES_TABLE"),
        features_bucket=env.require("FEATURES_BUCKET"),
        idempotency_table=env.require("IDEMPOTENCY_TABLE"),
        entity_cache_seconds=env.optional_int("ENTITY_CACHE_SECONDS", 300, minimum=0, maximum=86_400),
        max_body_bytes=env.optional_int("MAX_BODY_BYTES", 256 * 1024, maximum=6 * 1024 * 1024),
    )

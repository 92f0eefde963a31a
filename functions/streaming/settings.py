"""streaming settings, read once at cold start."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared import settings as env


@dataclass(frozen=True)
class Settings:
    connections_table: str
    proposals_table: str
    outcomes_table: str
    websocket_endpoint: str | None
    """Optional: each connection records the endpoint that accepted it."""
    connection_ttl_seconds: int


def load() -> Settings:
    env.require_powertools()
    return Settings(
        connections_table=env.require("CONNECTIONS_TABLE"),
        proposals_table=env.require("PROPOSALS_TABLE"),
        outcomes_table=env.require("OUTCOMES_TABLE"),
        websocket_endpoint=env.optional("WEBSOCKET_ENDPOINT", "") or None,
        connection_ttl_seconds=env.optional_int("CONNECTION_TTL_SECONDS", 2 * 3600, minimum=60, maximum=86_400),
    )

"""The DynamoDB tables of the system, with the access patterns their keys serve.

This is plain data (no cdktf import): the data stack renders it, and the function tests build their
moto tables from the synthesized result, so code and infrastructure cannot drift apart.
All key attributes are strings (ISO-8601 UTC timestamps sort lexicographically).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class StreamView(StrEnum):
    NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    """Short name; the physical name is `Naming.resource(name)`."""
    env_var: str
    """Environment variable that carries the physical table name to the functions."""
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    stream: StreamView | None = None
    retain: bool = True
    """Kept when the data stack is destroyed (the seed's RETAIN)."""
    access_patterns: tuple[str, ...] = field(default=(), compare=False)


SIGNALS = TableSpec(
    name="signals",
    env_var="SIGNALS_TABLE",
    partition_key="signal_id",
    sort_key="facet",
    indexes=(
        Index("by-entity", partition_key="entity_id", sort_key="published_at"),
        Index("by-author", partition_key="author_id", sort_key="published_at"),
    ),
    ttl_attribute="expires_at",
    access_patterns=(
        "signal_id is the content hash, so the same item ingested twice is one item (conditional put)",
        "facet='signal' holds the normalized document and its score",
        "facet='entity#<entity_id>' is one mention per linked entity, carrying entity_id for by-entity",
        "by-entity: recent scored mentions of one tracked entity since a time (orchestrator aggregation)",
        "by-author: every signal of one source author (GDPR erasure)",
        "expires_at: signals expire after the environment's signal TTL",
    ),
)

PROPOSALS = TableSpec(
    name="proposals",
    env_var="PROPOSALS_TABLE",
    partition_key="proposal_id",
    indexes=(
        Index("by-state", partition_key="state", sort_key="created_at"),
        Index("by-entity", partition_key="entity_id", sort_key="created_at"),
    ),
    stream=StreamView.NEW_AND_OLD_IMAGES,
    access_patterns=(
        "get/update one proposal by id; state transitions are conditional writes on the current state",
        "by-state: proposals in one state, oldest first (risk check queue, decided awaiting evaluation)",
        "by-entity: proposal history of one entity (concentration limits, dashboard)",
        "stream: the dashboard follows proposal changes",
    ),
)

OUTCOMES = TableSpec(
    name="outcomes",
    env_var="OUTCOMES_TABLE",
    partition_key="proposal_id",
    sort_key="evaluated_at",
    indexes=(Index("by-entity", partition_key="entity_id", sort_key="evaluated_at"),),
    stream=StreamView.NEW_AND_OLD_IMAGES,
    access_patterns=(
        "outcomes of one proposal, newest last (a proposal may be re-evaluated at later horizons)",
        "by-entity: track record of one entity",
        "stream: the dashboard follows outcome changes",
    ),
)

AGENTS_CONFIG = TableSpec(
    name="agents-config",
    env_var="AGENTS_CONFIG_TABLE",
    partition_key="agent_id",
    access_patterns=("get one agent's weights and risk limits by id; scan the handful of agents",),
)

TRACKED_ENTITIES = TableSpec(
    name="tracked-entities",
    env_var="TRACKED_ENTITIES_TABLE",
    partition_key="entity_id",
    access_patterns=("get one entity (ticker) by id; scan all entities to build the linker's alias index",),
)

MARKET_DATA = TableSpec(
    name="market-data",
    env_var="MARKET_DATA_TABLE",
    partition_key="symbol",
    sort_key="ts",
    access_patterns=(
        "prices of one symbol between two times (evaluation); used where Timestream is not available",
    ),
)

# Operational tables: rebuildable, short-lived data; not retained on destroy.
IDEMPOTENCY = TableSpec(
    name="idempotency",
    env_var="IDEMPOTENCY_TABLE",
    partition_key="id",
    ttl_attribute="expiration",
    retain=False,
    access_patterns=("Powertools idempotency records: key `id`, TTL `expiration`",),
)

CONNECTIONS = TableSpec(
    name="connections",
    env_var="CONNECTIONS_TABLE",
    partition_key="connection_id",
    ttl_attribute="expires_at",
    retain=False,
    access_patterns=(
        "one item per open dashboard WebSocket connection; scan to broadcast; expires_at drops stale ones",
    ),
)

JOBS = TableSpec(
    name="jobs",
    env_var="JOBS_TABLE",
    partition_key="job_id",
    ttl_attribute="expires_at",
    retain=False,
    access_patterns=(
        "one item per asynchronous job behind the API (erasure, evaluation): state, counts, requester; "
        "expires_at drops finished jobs after a week",
    ),
)

# Always present.
CORE_TABLES: tuple[TableSpec, ...] = (
    SIGNALS, PROPOSALS, OUTCOMES, AGENTS_CONFIG, TRACKED_ENTITIES, IDEMPOTENCY, CONNECTIONS, JOBS,
)

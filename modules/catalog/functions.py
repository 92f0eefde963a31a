"""The Lambda functions: the six of the seed, the market-data ingestion and the WebSocket authorizer.

`package` is the Python package under `functions/` that holds the handler; the physical function name
is `Naming.function(name)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from modules.config import function_names as names


class TableAccess(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


class BucketAccess(StrEnum):
    READ = "read"
    PUT = "put"
    PUT_RETRACT = "put_retract"
    """Put objects, and delete exactly the versions it wrote (no read, no listing of versions)."""
    READ_WRITE = "read_write"
    ERASE = "erase"
    """List the versions of objects and delete them (no read, no write): GDPR erasure."""


@dataclass(frozen=True)
class Uses:
    """What one function's code touches. The compute stack grants exactly this and sets the
    environment variables that name it; tests check both against the code."""

    tables: tuple[tuple[str, TableAccess], ...] = ()
    buckets: tuple[tuple[str, BucketAccess], ...] = ()
    secrets: tuple[str, ...] = ()
    sends_to: tuple[str, ...] = ()
    """Queues it sends to (queue names from `QUEUES`)."""
    consumes: str | None = None
    """Queue whose messages invoke it (with partial batch failures)."""
    streams: tuple[str, ...] = ()
    """Tables whose DynamoDB stream invokes it: it may read the stream, not the table, and gets the table's name."""
    idempotency: bool = False
    market_data: TableAccess | None = None
    """Reads (READ) or also writes (READ_WRITE) market prices in the environment's market-data store."""
    schedule: str | None = None
    """EventBridge schedule expression for its periodic run."""
    settings: tuple[tuple[str, str], ...] = ()
    """(environment variable, EnvironmentConfig field) pairs; tuples are passed comma-separated."""
    cognito_client: bool = False
    """Verifies tokens of the app client: gets the user pool issuer and the client id."""


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    package: str
    description: str
    timeout_seconds: int = 30
    memory_mb: int = 512
    uses: Uses = field(default_factory=Uses)
    typical_duration_seconds: float = 1.0
    """A typical invocation (p95, warm); sizes reserved concurrency (`modules.catalog.concurrency`)."""
    queue_concurrency: int = 2
    """Most concurrent invocations its SQS mapping starts (`maximum_concurrency`, at least 2)."""

    @property
    def handler(self) -> str:
        return f"functions.{self.package}.handler.handler"


RW, R = TableAccess.READ_WRITE, TableAccess.READ

# Queue names (physical name `Naming.resource(name)`); each has a dead-letter queue `<name>-dlq`.
SCORING_QUEUE = "scoring"
# Jobs behind the API (functions/shared/jobs.py): the function that starts a job also runs it.
ERASURES_QUEUE = "erasures"
EVALUATIONS_QUEUE = "evaluations"
MARKET_QUEUE = "market"
"""Market-data ingestion jobs: the scheduled pull and the backfills an admin asks for."""
QUEUES: tuple[str, ...] = (SCORING_QUEUE, ERASURES_QUEUE, EVALUATIONS_QUEUE, MARKET_QUEUE)

# API Gateway waits at most 29 s for a Lambda integration: every function behind a REST route ends
# before that, and longer work runs as a job (modules.catalog.openapi INTEGRATION_TIMEOUT_MS).
REST_TIMEOUT_SECONDS = 28

INGEST_SOCIAL = FunctionSpec(
    names.INGEST_SOCIAL, "ingest_social", "Social media ingestion", timeout_seconds=REST_TIMEOUT_SECONDS,
    uses=Uses(tables=(("signals", RW),), buckets=(("raw-data", BucketAccess.PUT),),
              secrets=("social-source-credentials",), sends_to=(SCORING_QUEUE,), schedule="rate(15 minutes)",
              settings=(("SOCIAL_SOURCE_URLS", "social_source_urls"), ("SIGNAL_TTL_DAYS", "signal_ttl_days"))),
)
INGEST_NEWS = FunctionSpec(
    names.INGEST_NEWS, "ingest_news", "News ingestion", timeout_seconds=REST_TIMEOUT_SECONDS,
    uses=Uses(tables=(("signals", RW),), buckets=(("raw-data", BucketAccess.PUT),),
              secrets=("news-source-credentials",), sends_to=(SCORING_QUEUE,), schedule="rate(15 minutes)",
              settings=(("NEWS_FEED_URLS", "news_feed_urls"), ("SIGNAL_TTL_DAYS", "signal_ttl_days"))),
)
SCORE = FunctionSpec(
    names.SCORE, "score", "Sentiment scoring and entity linking", timeout_seconds=REST_TIMEOUT_SECONDS,
    memory_mb=1024, typical_duration_seconds=1.0, queue_concurrency=10,
    uses=Uses(tables=(("signals", RW), ("tracked-entities", R)), buckets=(("features", BucketAccess.PUT_RETRACT),),
              consumes=SCORING_QUEUE, idempotency=True),
)
ORCHESTRATOR = FunctionSpec(
    names.ORCHESTRATOR, "orchestrator", "Proposals, risk checks, decisions and erasure",
    timeout_seconds=REST_TIMEOUT_SECONDS, typical_duration_seconds=0.5,
    uses=Uses(
        tables=(("signals", RW), ("proposals", RW), ("agents-config", R), ("tracked-entities", R),
                ("connections", RW), ("jobs", RW)),
        sends_to=(ERASURES_QUEUE,), consumes=ERASURES_QUEUE,
        # Creator marks (four eyes after erasure) are a keyed hash: proposals, decisions, erasure compute them.
        secrets=("creator-mark-key",),
        # GDPR erasure deletes an author's raw documents and feature records.
        buckets=(("raw-data", BucketAccess.ERASE), ("features", BucketAccess.ERASE)),
        idempotency=True, schedule="rate(1 hour)",
    ),
)
EVALUATION = FunctionSpec(
    names.EVALUATION, "evaluation", "Outcome evaluation and system figures", timeout_seconds=REST_TIMEOUT_SECONDS,
    uses=Uses(tables=(("proposals", RW), ("outcomes", RW), ("signals", R), ("jobs", RW)),
              sends_to=(EVALUATIONS_QUEUE,), consumes=EVALUATIONS_QUEUE,
              buckets=(("eval", BucketAccess.PUT),), market_data=R, schedule="rate(1 day)"),
)
# Daily closes of every tracked entity's symbol and every agent's benchmark. The schedule runs four times a
# day: a pull that found its source down is retried by the next one, and each run publishes how many
# trading days the stalest symbol lags (the observability stack alarms on it).
INGEST_MARKET = FunctionSpec(
    names.INGEST_MARKET, "ingest_market", "Market data ingestion (daily closes)", timeout_seconds=REST_TIMEOUT_SECONDS,
    uses=Uses(tables=(("tracked-entities", R), ("agents-config", R), ("jobs", RW)), market_data=RW,
              secrets=("market-source-credentials",), sends_to=(MARKET_QUEUE,), consumes=MARKET_QUEUE,
              schedule="rate(6 hours)", settings=(("MARKET_SOURCE_URLS", "market_source_urls"),)),
)
STREAMING = FunctionSpec(
    names.STREAMING, "streaming", "Dashboard WebSocket streaming",
    uses=Uses(tables=(("connections", RW),), streams=("proposals", "outcomes")),
)
# Verifies the Cognito token on the dashboard WebSocket's $connect (API Gateway cannot for WebSockets).
WS_AUTHORIZER = FunctionSpec(names.WS_AUTHORIZER, "authorizer", "WebSocket $connect authorizer", timeout_seconds=10,
                             memory_mb=256, uses=Uses(cognito_client=True))

FUNCTIONS: tuple[FunctionSpec, ...] = (
    INGEST_SOCIAL, INGEST_NEWS, SCORE, ORCHESTRATOR, EVALUATION, INGEST_MARKET, STREAMING, WS_AUTHORIZER,
)
FUNCTION_NAMES: tuple[str, ...] = names.FUNCTION_NAMES
"""Every function's short name, in the order of `FUNCTIONS` (`modules/config/function_names.py`)."""

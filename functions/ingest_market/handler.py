"""ingest-market: a scheduled pull of daily closes, admin backfills (`POST /market/backfill`), both as jobs."""

from __future__ import annotations

# First: the garbage collector is held off until the end of this module (functions/shared/cold_start.py).
from functions.shared import cold_start  # isort: split

from functools import cache
from typing import TYPE_CHECKING, Any

# Imported ahead of everything that imports pydantic: Powertools' batch module loads its parser's pydantic
# models (tens of ms at cold start) when pydantic is already imported; the job queue's batches use the
# data classes only (functions/shared/jobs.py). tests/functions/test_cold_imports.py keeps it so.
import aws_lambda_powertools.utilities.batch  # noqa: F401
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.ingest_market.freshness import AGE_METRIC, ages
from functions.ingest_market.job_kind import KIND
from functions.ingest_market.routes import market_router
from functions.ingest_market.settings import load
from functions.ingest_market.sources import Source
from functions.ingest_market.symbols import Symbols
from functions.shared import health
from functions.shared.agents import AgentsTable
from functions.shared.auth import SYSTEM_ACTOR
from functions.shared.clock import utc_now
from functions.shared.entities import EntitiesTable
from functions.shared.events import CORRELATION_ID_PATH, is_scheduled
from functions.shared.http import build_resolver
from functions.shared.jobs import Jobs, JobsTable, Piece
from functions.shared.tracing import AWS_AND_HTTP

if TYPE_CHECKING:
    from functions.ingest_market.work import MarketWork

logger = Logger()
tracer = Tracer(patch_modules=AWS_AND_HTTP)
metrics = Metrics()

SETTINGS = load()
SYMBOLS = Symbols(EntitiesTable(SETTINGS.entities_table), AgentsTable(SETTINGS.agents_table))
SOURCES = tuple(Source(url) for url in SETTINGS.source_urls)


@cache
def _market_work() -> MarketWork:
    # The pull (documents, fetching, the store's writes) is loaded by the first job message: the backfill route
    # and the schedule only start jobs, and their cold starts do without it.
    from functions.ingest_market.pull import MarketIngest
    from functions.ingest_market.work import MarketWork

    return MarketWork(MarketIngest(store=SETTINGS.market, sources=SOURCES, secret_arn=SETTINGS.secret_arn))


def market_piece(payload: dict[str, Any], deadline: float) -> Piece:
    """One piece of a market job (functions/ingest_market/work.py)."""
    return _market_work().piece(payload, deadline)


JOBS = Jobs(table=JobsTable(SETTINGS.jobs_table), queue_url=SETTINGS.jobs_queue_url, work={KIND: market_piece})
app = build_resolver(health.router, market_router(JOBS, SYMBOLS.all, SETTINGS.max_body_bytes))


@tracer.capture_method
def scheduled_run() -> dict[str, Any]:
    """Publish how far behind the store is, then start the pull of what is missing (a job)."""
    symbols = SYMBOLS.all()
    lags = ages(SETTINGS.market, symbols, utc_now())
    worst = max(lags.values(), default=0)
    metrics.add_metric(name=AGE_METRIC, unit=MetricUnit.Count, value=worst)
    logger.info("market data freshness", extra={"age_trading_days": lags, "worst": worst})
    if not symbols:
        logger.warning("no tracked entities and no agents: nothing to ingest")
        return {"symbols": 0, "age_trading_days": worst}
    job = JOBS.start(KIND, {"symbols": symbols, "start": None, "end": None}, SYSTEM_ACTOR)
    return {"job_id": job["job_id"], "symbols": len(symbols), "age_trading_days": worst}


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_scheduled(event):
        return scheduled_run()
    if "Records" in event:
        return JOBS.handle_records(event, context)
    return app.resolve(event, context)


cold_start.initialised()

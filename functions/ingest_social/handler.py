"""ingest-social: `POST /ingest/social` batches and a scheduled pull of the configured Reddit listings."""

from __future__ import annotations

# First: the garbage collector is held off until the end of this module (functions/shared/cold_start.py).
from functions.shared import cold_start  # isort: split

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.ingest_social.settings import load
from functions.shared import health
from functions.shared.events import CORRELATION_ID_PATH, is_scheduled
from functions.shared.http import build_resolver
from functions.shared.ingestion.pipeline import IngestConfig
from functions.shared.ingestion.service import ingest_router, pull
from functions.shared.signals import SignalsTable
from functions.shared.tracing import AWS_AND_HTTP

logger = Logger()
tracer = Tracer(patch_modules=AWS_AND_HTTP)
metrics = Metrics()

SETTINGS = load()
CONFIG = IngestConfig(
    kind="social",
    signals=SignalsTable(SETTINGS.signals_table),
    raw_bucket=SETTINGS.raw_bucket,
    queue_url=SETTINGS.queue_url,
    ttl_days=SETTINGS.ttl_days,
)
app = build_resolver(health.router, ingest_router(CONFIG, SETTINGS.max_body_bytes))


@tracer.capture_method
def pull_sources(context: LambdaContext) -> dict[str, Any]:
    # The listing parser serves the scheduled pull only; `POST /ingest/social` starts without it.
    from functions.ingest_social.reddit import parse_listing, source_of

    return pull(
        CONFIG, SETTINGS.source_urls, SETTINGS.secret_arn, parse_listing, source_of,
        context.get_remaining_time_in_millis,
    )


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_scheduled(event):
        return pull_sources(context)
    return app.resolve(event, context)


cold_start.initialised()

"""score: consumes the scoring queue (partial batch failures) and serves `POST /score`."""

from __future__ import annotations

# First: the garbage collector is held off until the end of this module (functions/shared/cold_start.py).
from functions.shared import cold_start  # isort: split

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.score.budget import RESERVE_MILLIS
from functions.score.linking import CachedLinker
from functions.score.messages import signal_id_of
from functions.score.routes import score_router
from functions.score.scoring import Scorer
from functions.score.settings import load
from functions.shared import health
from functions.shared.aws import client
from functions.shared.entities import EntitiesTable
from functions.shared.events import CORRELATION_ID_PATH
from functions.shared.http import build_resolver
from functions.shared.signals import SignalsTable
from functions.shared.tracing import AWS_AND_HTTP

logger = Logger()
tracer = Tracer(patch_modules=AWS_AND_HTTP)
metrics = Metrics()

SETTINGS = load()
SCORER = Scorer(
    signals=SignalsTable(SETTINGS.signals_table),
    features_bucket=SETTINGS.features_bucket,
    linker=CachedLinker(EntitiesTable(SETTINGS.entities_table).all, SETTINGS.entity_cache_seconds),
)
# A batch whose records all failed (or were left for lack of time) is reported like any other.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
persistence = DynamoDBPersistenceLayer(table_name=SETTINGS.idempotency_table, boto3_client=client("dynamodb"))
idempotency = IdempotencyConfig(event_key_jmespath="signal_id", expires_after_seconds=24 * 3600)
app = build_resolver(health.router, score_router(SCORER, SETTINGS.max_body_bytes))


class OutOfTime(RuntimeError):
    """Not started: too little time left in this invocation; the queue delivers the message again."""


@idempotent_function(data_keyword_argument="message", config=idempotency, persistence_store=persistence)
def score_message(message: dict[str, Any]) -> dict[str, Any]:
    return SCORER.score(message["signal_id"])


@tracer.capture_method
def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> dict[str, Any]:
    """One message; a poison message raises, and the processor reports it as a batch item failure, as it
    does for the messages left unstarted when the invocation runs out of time (they are not lost)."""
    if lambda_context is not None and lambda_context.get_remaining_time_in_millis() < RESERVE_MILLIS:
        raise OutOfTime(f"less than {RESERVE_MILLIS} ms left; message {record.message_id} left for redelivery")
    signal_id = signal_id_of(record.body)
    logger.append_keys(signal_id=signal_id)
    result = score_message(message={"signal_id": signal_id})
    if result["scored"]:
        metrics.add_metric(name="SignalsScored", unit=MetricUnit.Count, value=1)
    return result


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_lambda_context(context)
    if "Records" in event:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    return app.resolve(event, context)


cold_start.initialised()

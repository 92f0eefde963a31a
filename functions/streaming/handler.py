"""streaming: WebSocket routes of `/dashboard/stream` and the DynamoDB streams of proposals and outcomes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.shared.connections import ConnectionsTable
from functions.shared.events import CORRELATION_ID_PATH
from functions.shared.tracing import AWS_AND_HTTP
from functions.streaming.push import Pusher, message_of
from functions.streaming.settings import load
from functions.streaming.websocket import WebSocketRoutes

logger = Logger()
tracer = Tracer(patch_modules=AWS_AND_HTTP)
metrics = Metrics()

SETTINGS = load()
CONNECTIONS = ConnectionsTable(SETTINGS.connections_table)
ROUTES = WebSocketRoutes(connections=CONNECTIONS, ttl_seconds=SETTINGS.connection_ttl_seconds)
TOPIC_OF_TABLE = {SETTINGS.proposals_table: "proposals", SETTINGS.outcomes_table: "outcomes"}
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


class UnknownStream(ValueError):
    """A stream record from a table this function does not follow."""


def topic_of(source_arn: str) -> str:
    # arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>
    parts = source_arn.split("/")
    table = parts[1] if len(parts) > 1 else ""
    if table not in TOPIC_OF_TABLE:
        raise UnknownStream(f"no topic for stream of table {table!r}")
    return TOPIC_OF_TABLE[table]


@tracer.capture_method
def push_changes(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    recipients = CONNECTIONS.all()
    pusher = Pusher(connections=CONNECTIONS, endpoint=SETTINGS.websocket_endpoint)

    def record_handler(record: DynamoDBRecord) -> int:
        message = message_of(topic_of(record.event_source_arn or ""), record.raw_event)
        sent = pusher.push(message, recipients)
        metrics.add_metric(name="MessagesPushed", unit=MetricUnit.Count, value=sent)
        return sent

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    metrics.add_metric(name="DeliveriesFailed", unit=MetricUnit.Count, value=pusher.failed)
    return response


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        return push_changes(event, context)
    return ROUTES.handle(event)

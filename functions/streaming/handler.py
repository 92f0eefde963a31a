"""streaming: WebSocket routes of `/dashboard/stream` and the DynamoDB streams of proposals and outcomes."""

from __future__ import annotations

# First: the garbage collector is held off until the end of this module (functions/shared/cold_start.py).
from functions.shared import cold_start  # isort: split

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
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
RESERVE_SECONDS = 2.0
"""Kept back at the end of the invocation for the batch's answer and its metrics."""


class UnknownStream(ValueError):
    """A stream record from a table this function does not follow."""


def topic_of(source_arn: str) -> str:
    # arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>
    parts = source_arn.split("/")
    table = parts[1] if len(parts) > 1 else ""
    if table not in TOPIC_OF_TABLE:
        raise UnknownStream(f"no topic for stream of table {table!r}")
    return TOPIC_OF_TABLE[table]


def readable_prefix(records: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The messages of the records up to the first that cannot be read, and the batch item failures: that
    record and every one after it. A stream is retried from its first failed record on, so records after
    it must not be sent now (they would be sent twice)."""
    messages: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        try:
            messages.append(message_of(topic_of(record.get("eventSourceARN") or ""), record))
        except Exception:  # unreadable: its own stream's retry (then the failure destination) deals with it
            logger.exception("stream record cannot be read", extra={"index": index})
            failed = [str((r.get("dynamodb") or {}).get("SequenceNumber", "")) if isinstance(r, dict) else ""
                      for r in records[index:]]
            return messages, [{"itemIdentifier": sequence} for sequence in failed]
    return messages, []


@tracer.capture_method
def push_changes(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Every readable change to every subscriber, within the invocation's time (see `push.Pusher`); the
    batch fails only for records that cannot be read, never because of a recipient."""
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - RESERVE_SECONDS
    messages, failures = readable_prefix(event["Records"])
    tally = Pusher(connections=CONNECTIONS, endpoint=SETTINGS.websocket_endpoint, deadline=deadline).push(
        messages, CONNECTIONS.all() if messages else []
    )
    metrics.add_metric(name="MessagesPushed", unit=MetricUnit.Count, value=tally.sent)
    metrics.add_metric(name="DeliveriesFailed", unit=MetricUnit.Count, value=tally.failed + tally.out_of_time)
    logger.info("changes pushed", extra={"records": len(event["Records"]), "messages": len(messages),
                                         "sent": tally.sent, "failed": tally.failed,
                                         "out_of_time": tally.out_of_time, "connections_removed": tally.removed})
    return {"batchItemFailures": failures}


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        return push_changes(event, context)
    return ROUTES.handle(event)


cold_start.initialised()

"""Push proposal and outcome changes (DynamoDB stream records) to subscribed connections."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from functions.shared import dynamo
from functions.shared.aws import client
from functions.shared.connections import ConnectionsTable

logger = Logger()

FIELDS = {
    "proposals": (
        "proposal_id",
        "entity_id",
        "symbol",
        "direction",
        "confidence",
        "position_pct",
        "state",
        "version",
        "updated_at",
    ),
    "outcomes": ("proposal_id", "evaluated_at", "entity_id", "decision", "direction", "return", "excess_return", "hit"),
}


def message_of(topic: str, record: dict[str, Any]) -> dict[str, Any]:
    """The dashboard message for one stream record: only non-personal fields."""
    change = record["dynamodb"]
    image = change.get("NewImage") or change.get("OldImage") or {}
    item = dynamo.from_item(image)
    return {
        "topic": topic,
        "event": record.get("eventName", "MODIFY"),
        "data": {k: item[k] for k in FIELDS[topic] if k in item},
    }


# Answers of the Management API after which the connection will never take a message again.
CLOSED = {"GoneException", "ForbiddenException"}


@dataclass
class Pusher:
    connections: ConnectionsTable
    endpoint: str | None
    """Fallback for connections stored without their own endpoint (local runs)."""
    gone: set[str] = field(default_factory=set)
    failed: int = 0
    """Deliveries that failed for a reason other than a closed connection (logged; not retried)."""

    def push(self, message: dict[str, Any], recipients: list[dict[str, Any]]) -> int:
        """Send to every subscriber, each on its own: one recipient's failure never stops the others nor
        fails the record (a retry would send duplicates to everyone else). Connections that are gone or
        forbidden are removed. Returns how many got it."""
        data = json.dumps(message, separators=(",", ":")).encode()
        sent = 0
        for connection in recipients:
            connection_id = connection["connection_id"]
            if message["topic"] not in connection.get("topics", []) or connection_id in self.gone:
                continue
            endpoint = connection.get("endpoint") or self.endpoint
            if endpoint is None:
                logger.warning("connection has no endpoint", extra={"connection_id": connection_id})
                continue
            if self._deliver(endpoint, connection_id, data):
                sent += 1
        return sent

    def _deliver(self, endpoint: str, connection_id: str, data: bytes) -> bool:
        try:
            client("apigatewaymanagementapi", endpoint).post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in CLOSED:
                logger.info("connection closed; removed", extra={"connection_id": connection_id, "code": code})
                self.connections.delete(connection_id)
                self.gone.add(connection_id)
            else:
                logger.warning("delivery failed", extra={"connection_id": connection_id, "code": code})
                self.failed += 1
            return False
        except (BotoCoreError, OSError) as exc:
            logger.warning("delivery failed", extra={"connection_id": connection_id, "error": str(exc)})
            self.failed += 1
            return False
        return True

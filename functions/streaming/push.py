"""Push proposal and outcome changes (DynamoDB stream records) to subscribed connections."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

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


@dataclass
class Pusher:
    connections: ConnectionsTable
    endpoint: str | None
    """Fallback for connections stored without their own endpoint (local runs)."""
    gone: set[str] = field(default_factory=set)

    def push(self, message: dict[str, Any], recipients: list[dict[str, Any]]) -> int:
        """Send to every subscriber; connections that are gone are removed. Returns how many got it."""
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
            try:
                client("apigatewaymanagementapi", endpoint).post_to_connection(ConnectionId=connection_id, Data=data)
                sent += 1
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "GoneException":
                    raise
                logger.info("connection gone", extra={"connection_id": connection_id})
                self.connections.delete(connection_id)
                self.gone.add(connection_id)
        return sent

"""Push proposal and outcome changes (DynamoDB stream records) to subscribed connections.

One slow or failing recipient costs only itself, in time as in errors:

- each recipient is served by a worker of its own, its messages in stream order, all workers side by side;
- every post is one attempt with short timeouts (no SDK retries); a recipient gets at most `MAX_ATTEMPTS`
  failed posts per batch, after which the rest of this batch is not sent to it (it stays registered: the
  next batch tries again, since a failure may pass);
- a connection that is gone (410) or forbidden (403) is removed at once, without a retry;
- no post starts unless it can end before the batch's deadline, taken from the invocation's remaining time;
  what is left then is not sent (counted and logged), never retried by failing the batch, which would send
  every healthy recipient its messages a second time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from functions.shared import dynamo
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

# Answers of the Management API after which the connection will never take a message again.
CLOSED = {"GoneException", "ForbiddenException"}
MAX_ATTEMPTS = 3
"""Failed posts one recipient may cost per batch (a passing failure is retried; a lasting one is given up)."""
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 3.0
POST_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
"""The longest one post can take (the Management API answers in milliseconds when it is well)."""
RETRY_PAUSE_SECONDS = 0.2
WORKERS = 16
"""Recipients served side by side."""
_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS, max_pool_connections=WORKERS,
)


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


@cache
def management_api(endpoint: str) -> Any:
    """A Management API client that tries each post once, with short timeouts (the pusher decides on retries)."""
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, config=_CONFIG)


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0
    """Messages not delivered to a registered connection: given up after its attempts, or refused."""
    out_of_time: int = 0
    """Messages not sent because the batch's deadline came first."""
    removed: int = 0
    """Connections removed because they are gone or forbidden."""

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.out_of_time += other.out_of_time
        self.removed += other.removed


@dataclass(frozen=True)
class _Recipient:
    connection_id: str
    endpoint: str
    messages: list[bytes]


@dataclass
class Pusher:
    connections: ConnectionsTable
    endpoint: str | None
    """Fallback for connections stored without their own endpoint (local runs)."""
    deadline: float
    """time.monotonic() by which every post has ended."""
    tally: Tally = field(default_factory=Tally)

    def push(self, messages: list[dict[str, Any]], recipients: list[dict[str, Any]]) -> Tally:
        """Send every message to every connection subscribed to its topic, each connection on its own."""
        encoded = [(m["topic"], json.dumps(m, separators=(",", ":")).encode()) for m in messages]
        plans = [plan for plan in (self._plan(c, encoded) for c in recipients) if plan is not None]
        for endpoint in {plan.endpoint for plan in plans}:
            management_api(endpoint)  # created here: creating clients is not thread-safe, using them is
        if plans:
            with ThreadPoolExecutor(max_workers=min(WORKERS, len(plans))) as pool:
                for tally in pool.map(self._serve, plans):
                    self.tally.add(tally)
        return self.tally

    def _plan(self, connection: Any, encoded: Iterable[tuple[str, bytes]]) -> _Recipient | None:
        if not isinstance(connection, dict) or not isinstance(connection.get("connection_id"), str):
            logger.warning("connection item without a connection id skipped")
            return None
        connection_id = connection["connection_id"]
        topics = connection.get("topics")
        wanted = [data for topic, data in encoded if isinstance(topics, list) and topic in topics]
        if not wanted:
            return None
        endpoint = connection.get("endpoint") or self.endpoint
        if not isinstance(endpoint, str) or not endpoint:
            logger.warning("connection has no endpoint", extra={"connection_id": connection_id})
            return None
        return _Recipient(connection_id, endpoint, wanted)

    def _serve(self, recipient: _Recipient) -> Tally:
        """Every message to one recipient, in order, within its attempts and the deadline."""
        tally = Tally()
        failures = 0
        pending = list(recipient.messages)
        try:
            while pending:
                if time.monotonic() + POST_SECONDS > self.deadline:
                    tally.out_of_time += len(pending)
                    logger.warning("no time left for this recipient", extra={
                        "connection_id": recipient.connection_id, "not_sent": len(pending)})
                    break
                outcome = self._post(recipient, pending[0])
                if outcome == "sent":
                    tally.sent += 1
                    pending.pop(0)
                    continue
                if outcome == "closed":
                    tally.removed += 1
                    self._remove(recipient.connection_id)
                    break
                failures += 1
                if outcome == "refused":  # this message will never be taken (too large, malformed): the next
                    tally.failed += 1
                    pending.pop(0)
                if failures >= MAX_ATTEMPTS:
                    tally.failed += len(pending)
                    logger.warning("recipient given up for this batch", extra={
                        "connection_id": recipient.connection_id, "attempts": failures, "not_sent": len(pending)})
                    break
                time.sleep(RETRY_PAUSE_SECONDS * failures)
        except Exception:  # whatever goes wrong with one recipient stays with it
            logger.exception("recipient failed", extra={"connection_id": recipient.connection_id})
            tally.failed += len(pending)
        return tally

    def _post(self, recipient: _Recipient, data: bytes) -> str:
        """One attempt: 'sent', 'closed' (gone or forbidden), 'refused' (this message) or 'failed' (passing)."""
        try:
            management_api(recipient.endpoint).post_to_connection(ConnectionId=recipient.connection_id, Data=data)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            logger.warning("delivery failed", extra={"connection_id": recipient.connection_id, "code": code})
            if code in CLOSED or status in (403, 410):
                return "closed"
            retryable = status >= 500 or status == 429 or code in {"LimitExceededException", "ThrottlingException"}
            return "failed" if retryable else "refused"
        except (BotoCoreError, OSError) as exc:  # timeouts, refused connections: may pass
            logger.warning("delivery failed", extra={"connection_id": recipient.connection_id, "error": str(exc)})
            return "failed"
        return "sent"

    def _remove(self, connection_id: str) -> None:
        logger.info("connection closed; removed", extra={"connection_id": connection_id})
        try:
            self.connections.delete(connection_id)
        except (ClientError, BotoCoreError) as exc:  # its TTL removes it otherwise; the batch goes on
            logger.warning("closed connection not removed", extra={"connection_id": connection_id,
                                                                     "error": str(exc)})

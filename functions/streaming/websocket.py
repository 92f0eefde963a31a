"""WebSocket routes: `$connect` (identity from the authorizer), `$disconnect`, `subscribe`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from functions.shared.auth import READERS, Caller, parse_groups
from functions.shared.clock import epoch_seconds, iso, utc_now
from functions.shared.connections import ConnectionsTable

if TYPE_CHECKING:
    from functions.shared.models import RequestModel

logger = Logger()

TOPICS = ("proposals", "outcomes")
MAX_MESSAGE_BYTES = 4096


@cache
def subscribe_model() -> type[RequestModel]:
    """The `subscribe` message, built on first use: only that route validates a body, so `$connect`,
    `$disconnect` and the stream's pushes start without pydantic."""
    from pydantic import Field

    from functions.shared.models import RequestModel

    class Subscribe(RequestModel):
        action: str = Field(pattern="^subscribe$")
        topics: list[str] = Field(min_length=1, max_length=len(TOPICS))

    return Subscribe


def reply(status: int, message: str) -> dict[str, Any]:
    return {"statusCode": status, "body": json.dumps({"message": message} if status < 400 else {"error": message})}


def endpoint_of(context: dict[str, Any]) -> str | None:
    """The Management API endpoint of the WebSocket API and stage that sent this event."""
    domain, stage = context.get("domainName"), context.get("stage")
    return f"https://{domain}/{stage}" if domain and stage else None


@dataclass(frozen=True)
class WebSocketRoutes:
    connections: ConnectionsTable
    ttl_seconds: int

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        context = event["requestContext"]
        route = context.get("routeKey")
        connection_id = context.get("connectionId", "")
        if route == "$connect":
            return self.connect(connection_id, context.get("authorizer") or {}, endpoint_of(context))
        if route == "$disconnect":
            self.connections.delete(connection_id)
            return reply(200, "disconnected")
        if route == "subscribe":
            return self.subscribe(connection_id, event.get("body"))
        return reply(400, f'unknown action; send {{"action": "subscribe", "topics": {list(TOPICS)}}}')

    def connect(self, connection_id: str, identity: dict[str, Any], endpoint: str | None) -> dict[str, Any]:
        user_id = identity.get("user_id") or identity.get("principalId")
        if not user_id:
            return reply(401, "no authenticated identity on the connection")
        if not Caller(user_id=user_id, groups=parse_groups(identity.get("groups"))).is_in(*READERS):
            return reply(403, "the dashboard stream needs one of the groups: " + ", ".join(READERS))
        now = utc_now()
        self.connections.put(
            {
                "connection_id": connection_id,
                "user_id": user_id,
                "groups": identity.get("groups", ""),
                "topics": list(TOPICS),
                "connected_at": iso(now),
                "expires_at": epoch_seconds(now + timedelta(seconds=self.ttl_seconds)),
                # Where to push to this connection: the API that accepted it (no configuration needed,
                # and no dependency of the function on the API stack).
                **({"endpoint": endpoint} if endpoint else {}),
            }
        )
        return reply(200, "connected")

    def subscribe(self, connection_id: str, body: str | None) -> dict[str, Any]:
        if body is None or len(body.encode()) > MAX_MESSAGE_BYTES:
            return reply(400, f"a subscribe message is a JSON object of at most {MAX_MESSAGE_BYTES} bytes")
        from pydantic import ValidationError

        try:
            request = subscribe_model().model_validate_json(body)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
                for e in exc.errors(include_url=False, include_input=False)
            )
            return reply(400, problems)
        unknown = sorted(set(request.topics) - set(TOPICS))
        if unknown:
            return reply(400, f"unknown topics {unknown}; choose from {list(TOPICS)}")
        if not self.connections.set_topics(connection_id, sorted(set(request.topics))):
            return reply(404, "connection is not registered")
        return reply(200, f"subscribed to {', '.join(sorted(set(request.topics)))}")

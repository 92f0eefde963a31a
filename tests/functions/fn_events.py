"""Events for the function tests, built from the JSON files in `events/`."""

from __future__ import annotations

import copy
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).parent / "events"
ALICE = "11111111-2222-3333-4444-555555555555"
BOB = "22222222-3333-4444-5555-666666666666"


@cache
def _template(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def load(name: str) -> dict[str, Any]:
    return copy.deepcopy(_template(name))


def rest(
    method: str,
    path: str,
    body: Any = None,
    *,
    groups: str | None = "analyst",
    sub: str = ALICE,
    raw: str | None = None,
) -> dict[str, Any]:
    """A REST proxy event; `body` is JSON-encoded unless `raw` gives the exact body text."""
    event = load("rest_request.json")
    event["httpMethod"] = method
    event["path"] = path
    event["requestContext"]["httpMethod"] = method
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    event["body"] = raw if raw is not None else (None if body is None else json.dumps(body))
    claims = event["requestContext"]["authorizer"]["claims"]
    claims["sub"] = sub
    if groups is None:
        event["requestContext"]["authorizer"] = None
    else:
        claims["cognito:groups"] = groups
    return event


def sqs(bodies: list[str]) -> dict[str, Any]:
    template = load("sqs_batch.json")["Records"][0]
    records = []
    for body in bodies:
        record = copy.deepcopy(template)
        record["messageId"] = str(uuid.uuid4())
        record["body"] = body
        records.append(record)
    return {"Records": records}


def scheduled() -> dict[str, Any]:
    return load("scheduled.json")


def json_body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])

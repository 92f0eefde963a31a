"""streaming: WebSocket connect/subscribe/disconnect and pushes of stream records to subscribers."""

from __future__ import annotations

import copy
import json
import threading
import time

import boto3
import pytest
from conftest import FakeContext, handler_module
from fn_events import load

from functions.shared.dynamo import from_item
from modules.catalog.functions import STREAMING
from modules.config import Naming, load_environment
from tests.support.synthesized import resources, stack_json


def ws(route: str, connection_id: str, body: str | None = None, authorizer: dict | None = None,
       *, via_local_api: bool = True) -> dict:
    event = load("ws_connect.json")
    if via_local_api:
        # Without the API's domain the pusher uses WEBSOCKET_ENDPOINT: the local Management API fake.
        event["requestContext"].pop("domainName", None)
    event["requestContext"]["routeKey"] = route
    event["requestContext"]["connectionId"] = connection_id
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    if body is not None:
        event["body"] = body
    return event


def connect(streaming, connection_id: str, context) -> None:
    response = streaming.handler(ws("$connect", connection_id), context)
    assert response["statusCode"] == 200, response


def _connections(aws) -> dict[str, dict]:
    items = boto3.client("dynamodb").scan(TableName=aws["CONNECTIONS_TABLE"])["Items"]
    return {i["connection_id"]["S"]: from_item(i) for i in items}


def test_connect_stores_identity_with_ttl_and_disconnect_removes(aws, context):
    streaming = handler_module("streaming")
    assert streaming.handler(ws("$connect", "c-1"), context)["statusCode"] == 200
    stored = _connections(aws)["c-1"]
    assert stored["user_id"] == "11111111-2222-3333-4444-555555555555"
    assert stored["expires_at"] > time.time() + 3000
    assert "endpoint" not in stored
    assert streaming.handler(ws("$disconnect", "c-1"), context)["statusCode"] == 200
    assert _connections(aws) == {}


def test_connect_records_the_endpoint_of_the_api_that_accepted_it(aws, context):
    event = ws("$connect", "c-9", via_local_api=False)
    origin = event["requestContext"]
    assert handler_module("streaming").handler(event, context)["statusCode"] == 200
    assert _connections(aws)["c-9"]["endpoint"] == f"https://{origin['domainName']}/{origin['stage']}"


def test_connect_without_identity_is_refused(aws, context):
    response = handler_module("streaming").handler(ws("$connect", "c-2", authorizer={}), context)
    assert response["statusCode"] == 401
    assert _connections(aws) == {}


def test_subscribe_validates_topics(aws, context):
    streaming = handler_module("streaming")
    connect(streaming, "c-1", context)
    ok = streaming.handler(ws("subscribe", "c-1", json.dumps({"action": "subscribe", "topics": ["outcomes"]})), context)
    assert ok["statusCode"] == 200
    assert _connections(aws)["c-1"]["topics"] == ["outcomes"]
    for body in ("{oops", json.dumps({"action": "subscribe", "topics": ["gossip"]}), json.dumps({"topics": []})):
        assert streaming.handler(ws("subscribe", "c-1", body), context)["statusCode"] == 400
    unknown = streaming.handler(
        ws("subscribe", "nope", json.dumps({"action": "subscribe", "topics": ["outcomes"]})), context
    )
    assert unknown["statusCode"] == 404


def test_stream_changes_reach_subscribers_and_gone_connections_are_removed(aws, context, websocket_api):
    streaming = handler_module("streaming")
    assert streaming.SETTINGS.websocket_endpoint == aws["WEBSOCKET_ENDPOINT"], "loaded outside the test env"
    for connection_id in ("live", "gone", "outcomes-only"):
        connect(streaming, connection_id, context)
    subscribed = streaming.handler(
        ws("subscribe", "outcomes-only", json.dumps({"action": "subscribe", "topics": ["outcomes"]})), context
    )
    assert subscribed["statusCode"] == 200
    websocket_api.gone.add("gone")
    event = load("dynamodb_stream.json")

    response = streaming.handler(event, context)

    assert response == {"batchItemFailures": []}
    [message] = websocket_api.received["live"]
    assert message["topic"] == "proposals" and message["data"]["state"] == "approved"
    assert "created_by" not in message["data"]
    assert "outcomes-only" not in websocket_api.received
    assert set(_connections(aws)) == {"live", "outcomes-only"}


def test_record_from_an_unknown_stream_is_a_batch_item_failure(aws, context, websocket_api):
    streaming = handler_module("streaming")
    connect(streaming, "live", context)
    event = load("dynamodb_stream.json")
    stray = copy.deepcopy(event["Records"][0])
    stray["eventSourceARN"] = stray["eventSourceARN"].replace("proposals-dev", "somebody-else")
    stray["dynamodb"]["SequenceNumber"] = "222"
    event["Records"].append(stray)

    response = streaming.handler(event, context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "222"}]}
    assert len(websocket_api.received["live"]) == 1


def test_one_broken_recipient_never_fails_the_batch_nor_the_others(aws, context, websocket_api):
    # GIVEN subscribers around one broken (500) and one forbidden (403) connection
    streaming = handler_module("streaming")
    for connection_id in ("a-live", "broken", "forbidden", "z-live"):
        connect(streaming, connection_id, context)
    websocket_api.broken.add("broken")
    websocket_api.forbidden.add("forbidden")
    event = load("dynamodb_stream.json")
    second = copy.deepcopy(event["Records"][0])
    second["dynamodb"]["SequenceNumber"] = "222"
    second["dynamodb"]["NewImage"]["version"] = {"N": "4"}
    event["Records"].append(second)
    # WHEN two changes are pushed
    response = streaming.handler(event, context)
    # THEN no record is reported failed, every live subscriber got each change exactly once,
    # the forbidden connection is removed and the broken one kept (its failure may be passing)
    assert response == {"batchItemFailures": []}
    for live in ("a-live", "z-live"):
        assert [m["data"]["version"] for m in websocket_api.received[live]] == [3, 4]
    assert set(_connections(aws)) == {"a-live", "broken", "z-live"}


def test_the_stream_needs_the_groups_the_dashboard_summary_needs(aws, context):
    identity = {"principalId": "u-1", "user_id": "u-1", "groups": ""}
    response = handler_module("streaming").handler(ws("$connect", "c-3", authorizer=identity), context)
    assert response["statusCode"] == 403 and "viewer" in response["body"]
    assert _connections(aws) == {}


def deployed_streaming() -> tuple[int, int]:
    """The streaming function's timeout and the largest batch its stream mappings deliver, as synthesized."""
    stack = stack_json("dev", "compute")
    name = Naming(load_environment("dev", env={})).function(STREAMING.name)
    [(address, function)] = [(a, f) for a, f in resources(stack, "aws_lambda_function").items()
                             if f["function_name"] == name]
    batches = [m["batch_size"] for m in resources(stack, "aws_lambda_event_source_mapping").values()
               if m["function_name"] == f"${{aws_lambda_function.{address}.function_name}}"]
    assert batches, "the streaming function follows no stream"
    return function["timeout"], max(batches)


class DeployedContext(FakeContext):
    """A Lambda context whose remaining time is the deployed timeout, running down with the wall clock."""

    def __init__(self, timeout_seconds: float) -> None:
        super().__init__()
        self.until = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.until - time.monotonic()) * 1000)


def _records(count: int) -> dict:
    template = load("dynamodb_stream.json")["Records"][0]
    records = []
    for n in range(count):
        record = copy.deepcopy(template)
        record["dynamodb"]["SequenceNumber"] = f"{n + 1:024d}"
        record["dynamodb"]["NewImage"]["version"] = {"N": str(n)}
        records.append(record)
    return {"Records": records}


@pytest.mark.parametrize("bad", ["broken", "hanging"])
def test_a_full_batch_with_one_failing_or_hanging_recipient_ends_in_time_and_reaches_everyone_else_once(
        aws, websocket_api, bad):
    # GIVEN a full batch of the stream mapping, healthy subscribers, one gone and one that fails or hangs
    timeout, batch_size = deployed_streaming()
    streaming = handler_module("streaming")
    healthy = [f"live-{n}" for n in range(5)]
    for connection_id in (*healthy, bad, "gone"):
        connect(streaming, connection_id, FakeContext())
    getattr(websocket_api, bad).add(bad)
    websocket_api.gone.add("gone")
    # WHEN the batch is pushed with the deployed timeout
    started = time.monotonic()
    response = streaming.handler(_records(batch_size), DeployedContext(timeout))
    elapsed = time.monotonic() - started
    # THEN it ends in time, nothing is reported failed (a retry would send duplicates to everyone else)...
    assert elapsed < timeout, f"{elapsed:.1f} s of {timeout} s"
    assert response == {"batchItemFailures": []}
    # ...each healthy subscriber got every change exactly once, in order
    for connection_id in healthy:
        assert [m["data"]["version"] for m in websocket_api.received[connection_id]] == list(range(batch_size))
    # the bad one was tried a bounded number of times and kept (its failure may pass); the gone one was tried
    # once and removed at once
    from functions.streaming.push import MAX_ATTEMPTS

    assert 1 <= websocket_api.posts[bad] <= MAX_ATTEMPTS
    assert websocket_api.posts["gone"] == 1
    assert set(_connections(aws)) == {*healthy, bad}


def test_a_recipient_that_fails_now_and_then_gets_what_it_can_within_its_attempts(aws, websocket_api):
    """One failure is retried: a passing error costs the recipient nothing."""
    streaming = handler_module("streaming")
    connect(streaming, "flaky", FakeContext())
    websocket_api.broken.add("flaky")
    fixed = threading.Timer(0.0, websocket_api.broken.discard, args=("flaky",))
    original = websocket_api.count

    def count_then_heal(connection_id: str) -> None:
        original(connection_id)
        if websocket_api.posts.get(connection_id) == 1:
            fixed.start()
            fixed.join()

    websocket_api.count = count_then_heal
    try:
        response = streaming.handler(_records(3), DeployedContext(30))
    finally:
        websocket_api.count = original
    assert response == {"batchItemFailures": []}
    assert [m["data"]["version"] for m in websocket_api.received["flaky"]] == [0, 1, 2]


def test_records_after_an_unreadable_one_are_left_for_the_retry_not_sent_twice(aws, websocket_api):
    """A stream is retried from the first failed record on: the records after it are not sent now."""
    streaming = handler_module("streaming")
    connect(streaming, "live", FakeContext())
    event = _records(4)
    event["Records"][1]["eventSourceARN"] = event["Records"][1]["eventSourceARN"].replace("proposals-dev", "other")
    response = streaming.handler(event, DeployedContext(30))
    assert response == {"batchItemFailures": [{"itemIdentifier": f"{n:024d}"} for n in (2, 3, 4)]}
    assert [m["data"]["version"] for m in websocket_api.received["live"]] == [0]

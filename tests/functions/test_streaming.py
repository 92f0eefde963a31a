"""streaming: WebSocket connect/subscribe/disconnect and pushes of stream records to subscribers."""

from __future__ import annotations

import copy
import json
import time

import boto3
from conftest import handler_module
from fn_events import load

from functions.shared.dynamo import from_item


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
    streaming.handler(ws("$connect", "c-1"), context)
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
        streaming.handler(ws("$connect", connection_id), context)
    streaming.handler(
        ws("subscribe", "outcomes-only", json.dumps({"action": "subscribe", "topics": ["outcomes"]})), context
    )
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
    streaming.handler(ws("$connect", "live"), context)
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
        streaming.handler(ws("$connect", connection_id), context)
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

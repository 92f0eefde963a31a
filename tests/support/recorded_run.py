"""One run of every function's handlers on the emulated account (`aiinv local run`'s pipeline plus what it leaves
out: erasure, the schedules, `POST /score`, the WebSocket and the stream pushes), with every AWS call recorded
per function (`tests.support.api_calls`). Run once per test session: `recorded_calls()`.
"""

from __future__ import annotations

import importlib
import json
from functools import cache
from typing import Any

from tests.support.api_calls import Call, Recorder

WEBSOCKET_API = "a1b2c3d4e5"
"""The WebSocket API id the connections arrive through (the realistic ARNs use the same id)."""


def _scheduled() -> dict[str, Any]:
    return {"version": "0", "id": "recorded-run", "detail-type": "Scheduled Event", "source": "aws.events",
            "time": "2026-11-20T18:00:00Z", "detail": {}}


def _websocket(route: str, connection_id: str, body: str | None, stage: str) -> dict[str, Any]:
    from cli.local.account import REGION
    from cli.local.pipeline import ANALYST

    return {
        "requestContext": {
            "routeKey": route, "connectionId": connection_id, "stage": stage,
            "domainName": f"{WEBSOCKET_API}.execute-api.{REGION}.amazonaws.com",
            "authorizer": {"principalId": ANALYST, "user_id": ANALYST, "groups": "viewer"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def _stream_records(table: str) -> list[dict[str, Any]]:
    """What the event source mapping would deliver from the table's stream (read by the driver, not the
    function; the mapping's own permissions are `platform_calls`)."""
    import boto3

    from cli.local.account import REGION

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    stream = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            records.append({**json.loads(json.dumps(record, default=str)), "eventSourceARN": stream})
    return records


def _streaming(variables: dict[str, str], stage: str) -> None:
    from cli.local.pipeline import LambdaContext

    handler = importlib.import_module("functions.streaming.handler").handler
    subscribe = json.dumps({"action": "subscribe", "topics": ["proposals", "outcomes"]})
    for route, body in (("$connect", None), ("subscribe", subscribe)):
        assert handler(_websocket(route, "recorded-1", body, stage), LambdaContext())["statusCode"] == 200
    for table in ("PROPOSALS_TABLE", "OUTCOMES_TABLE"):
        records = _stream_records(variables[table])
        assert records, f"the stream of {variables[table]} is empty"
        assert handler({"Records": records}, LambdaContext()) == {"batchItemFailures": []}
    assert handler(_websocket("$connect", "recorded-2", None, stage), LambdaContext())["statusCode"] == 200
    assert handler(_websocket("$disconnect", "recorded-2", None, stage), LambdaContext())["statusCode"] == 200


def _beyond_the_pipeline(variables: dict[str, str], stage: str) -> None:
    from cli.local.pipeline import ADMIN, ANALYST, LambdaContext, _drain_queue, call_route

    call_route("score", "score", "POST", "/score", {"title": "Big week", "text": "$AAPL soared; Tesla slumped."},
               ANALYST, "analyst")
    for package in ("ingest_news", "ingest_social", "orchestrator", "evaluation", "ingest_market"):
        importlib.import_module(f"functions.{package}.handler").handler(_scheduled(), LambdaContext())
    for queue, package in (("EVALUATIONS", "evaluation"), ("MARKET", "ingest_market"), ("SCORING", "score")):
        _drain_queue(variables[f"{queue}_QUEUE_URL"], package)
    _streaming(variables, stage)  # before the erasure of its user, which closes the connection
    for subject in ({"author_id": "reddit:bullish_bob"}, {"user_id": ANALYST}):
        job = call_route("orchestrator", "erasure", "POST", "/gdpr/erase", subject, ADMIN, "admin")
        _drain_queue(variables["ERASURES_QUEUE_URL"], "orchestrator")
        done = call_route("orchestrator", "erasure job", "GET", f"/jobs/{job['job_id']}", None, ADMIN, "admin")
        assert done["state"] == "succeeded", done


@cache
def recorded_calls() -> Recorder:
    """The recorder of one run (function short name -> calls); cached for the session."""
    from cli.local.account import ACCOUNT, emulated_account
    from cli.local.pipeline import run_pipeline
    from modules.catalog.functions import FUNCTIONS

    recorder = Recorder(ACCOUNT)
    with recorder.installed(), emulated_account() as variables:
        for spec in FUNCTIONS:
            module = importlib.import_module(f"functions.{spec.package}.handler")
            module.handler = recorder.wrap(spec.name, module.handler)  # the emulated account drops the modules after
        run_pipeline(variables)
        _beyond_the_pipeline(variables, stage="dev")
    return recorder


def calls_of(function: str) -> set[Call]:
    return recorded_calls().calls.get(function, set())

"""The pipeline of a local run, step by step through the functions' own handlers: market backfill, ingest news
and social signals, score, propose, risk check, approve, evaluate; returns the figures.

Events are built as API Gateway and SQS would deliver them (`rest_event`, `LambdaContext`).
"""

from __future__ import annotations

from typing import Any

from cli.local.account import ACCOUNT, REGION, SAMPLES

MARKET_SAMPLE_DAYS = ("2026-10-01", "2026-11-30")
"""The trading days the sample market documents cover."""
AS_OF = "2026-11-20T18:00:00Z"
"""The sample documents were published on 2026-11-19/20: proposals are made as of this moment."""
EVALUATE_AS_OF = "2026-11-27T00:00:00Z"
"""Past the five-day horizon of the sample agent; the sample prices cover it."""
ANALYST = "local-analyst"
APPROVER = "local-approver"
ADMIN = "local-admin"


class LocalRunError(RuntimeError):
    """A pipeline step answered with an error; the message names the step."""


def rest_event(method: str, path: str, body: Any, user: str, groups: str) -> dict[str, Any]:
    import json
    import uuid

    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "local",
            "httpMethod": method,
            "path": path,
            "authorizer": {"claims": {"sub": user, "cognito:groups": groups}},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


class LambdaContext:
    function_name = "ai-investment-local"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ai-investment-local"
    aws_request_id = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def call_route(package: str, step: str, method: str, path: str, body: Any, user: str, groups: str) -> Any:
    import importlib
    import json

    handler = importlib.import_module(f"functions.{package}.handler").handler
    response = handler(rest_event(method, path, body, user, groups), LambdaContext())
    payload = json.loads(response["body"])
    if response["statusCode"] >= 400:
        raise LocalRunError(f"{step}: {response['statusCode']} {payload.get('message')}")
    return payload


def _drain_queue(queue_url: str, package: str = "score") -> tuple[int, int]:
    """Deliver queued messages to the function that consumes them, as SQS would; returns (messages,
    batch item failures)."""
    import importlib
    import uuid

    import boto3

    consumer = importlib.import_module(f"functions.{package}.handler").handler
    sqs = boto3.client("sqs", region_name=REGION)
    delivered = failures = 0
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        records = [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "awsRegion": REGION,
            }
            for m in messages
        ]
        result = consumer({"Records": records}, LambdaContext())
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for record, message in zip(records, messages, strict=True):
            if record["messageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        delivered += len(messages)
        failures += len(failed)
        if failed:
            break
    return delivered, failures


def _outcomes(table: str) -> list[dict[str, Any]]:
    import boto3

    from functions.shared.dynamo import from_item

    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=table)["Items"]
    return sorted((from_item(i) for i in items), key=lambda o: o["entity_id"])


def ingest_market_samples(variables: dict[str, str]) -> dict[str, int]:
    """A backfill of the sample days through ingest-market (`POST /market/backfill`, then its job from the
    market queue), as an admin would ask for one; returns the finished job's counts."""
    start, end = MARKET_SAMPLE_DAYS
    job = call_route("ingest_market", "market backfill", "POST", "/market/backfill", {"start": start, "end": end},
                ADMIN, "admin")
    _drain_queue(variables["MARKET_QUEUE_URL"], "ingest_market")
    done = call_route("orchestrator", "market backfill job", "GET", f"/jobs/{job['job_id']}", None, ADMIN, "admin")
    if done["state"] != "succeeded":
        raise LocalRunError(f"market backfill job: {done['state']} {done.get('error', '')}")
    return done["result"]


def run_pipeline(variables: dict[str, str]) -> dict[str, Any]:
    """ingest market closes and signals -> score -> propose -> risk check -> decide -> evaluate; returns the
    figures."""
    from functions.ingest_news.feeds import parse_feed
    from functions.ingest_social.reddit import parse_listing

    market = ingest_market_samples(variables)

    batches = [
        ("ingest_news", "/ingest/news", "news.example.com", parse_feed((SAMPLES / "news.rss.xml").read_bytes())),
        ("ingest_news", "/ingest/news", "wire.example.org", parse_feed((SAMPLES / "news.atom.xml").read_bytes())),
        ("ingest_social", "/ingest/social", "reddit", parse_listing((SAMPLES / "reddit.new.json").read_bytes())),
    ]
    accepted = duplicates = 0
    for package, path, source, items in batches:
        body = {"source": source, "items": [item.model_dump(mode="json") for item in items]}
        result = call_route(package, "ingest", "POST", path, body, ANALYST, "analyst")
        accepted, duplicates = accepted + result["accepted"], duplicates + result["duplicates"]
    scored, score_failures = _drain_queue(variables["SCORING_QUEUE_URL"])
    proposed = call_route("orchestrator", "propose", "POST", "/propose", {"as_of": AS_OF}, ANALYST, "analyst")
    checks = [
        call_route(
            "orchestrator", "risk check", "POST", "/risk/check", {"proposal_id": p["proposal_id"]}, ANALYST, "analyst"
        )
        for p in proposed["created"]
    ]
    approved = [
        call_route(
            "orchestrator",
            "decision",
            "POST",
            "/decision",
            {"proposal_id": c["proposal_id"], "decision": "approve", "comment": "local run"},
            APPROVER,
            "approver",
        )
        for c in checks
        if c["passed"]
    ]
    job = call_route("evaluation", "evaluate", "POST", "/evaluate", {"as_of": EVALUATE_AS_OF}, ANALYST, "analyst")
    _drain_queue(variables["EVALUATIONS_QUEUE_URL"], "evaluation")
    evaluation = call_route("orchestrator", "evaluation job", "GET", f"/jobs/{job['job_id']}", None, ANALYST, "analyst")
    if evaluation["state"] != "succeeded":
        raise LocalRunError(f"evaluation job: {evaluation['state']} {evaluation.get('error', '')}")
    outcomes = _outcomes(variables["OUTCOMES_TABLE"])
    figures = call_route("evaluation", "metrics", "GET", "/metrics", None, ANALYST, "viewer")
    return {
        "market_prices_ingested": market.get("prices_written", 0),
        "market_symbols": market.get("symbols", 0),
        "market_symbols_failed": market.get("symbols_failed", 0),
        "signals_ingested": accepted,
        "duplicates_skipped": duplicates,
        "signals_scored": scored,
        "scoring_failures": score_failures,
        "proposals": [
            {"entity": p["entity_id"], "direction": p["direction"], "confidence": p["confidence"]}
            for p in proposed["created"]
        ],
        "risk_passed": sum(1 for c in checks if c["passed"]),
        "risk_rejected": sum(1 for c in checks if not c["passed"]),
        "approved": len(approved),
        "outcomes": [
            {"entity": o["entity_id"], "return": o["return"], "excess_return": o["excess_return"], "hit": o["hit"]}
            for o in outcomes
        ],
        "not_evaluated_for_lack_of_prices": evaluation["result"].get("no_price", 0),
        "hit_rate": figures["approved"]["hit_rate"],
        "average_return": figures["approved"]["average_return"],
        "average_excess_return": figures["approved"]["average_excess_return"],
        "signals_stored": figures["signals"],
    }

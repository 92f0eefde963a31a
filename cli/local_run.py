"""`aiinv local run`: the whole pipeline on an in-process AWS emulator (moto) with the shipped samples.

ingest market closes (a backfill through ingest-market, from the sample CSV and Alpha Vantage documents)
and signals (news feed + social listing) -> score -> propose -> risk check -> decide -> evaluate, then a
summary. Heavy imports (boto3, moto, the functions) happen inside the command, so importing this module
for `aiinv --help` stays cheap.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import typer

SAMPLES = Path(__file__).resolve().parent.parent / "functions" / "samples"
ACCOUNT = "123456789012"
REGION = "eu-central-1"
PROJECT = "ai-investment"

local_app = typer.Typer(
    help="Run the investment pipeline locally on an AWS emulator with sample data.", no_args_is_help=True
)


@local_app.callback()
def _local() -> None:
    """Local runs of the pipeline (keeps `run` a subcommand even when this app is used on its own)."""


# ---------------------------------------------------------------- the local AWS environment


def table_name(short: str, env: str = "dev") -> str:
    return f"{PROJECT}-{short}-{env}"


def catalog_table_kwargs(env: str = "dev") -> list[dict[str, Any]]:
    """boto3 `create_table` kwargs from the table catalog (what the data stack renders)."""
    from modules.catalog.tables import CORE_TABLES, MARKET_DATA

    result = []
    for spec in (*CORE_TABLES, MARKET_DATA):
        keys = [(spec.partition_key, "HASH")] + ([(spec.sort_key, "RANGE")] if spec.sort_key else [])
        attributes = {name for name, _ in keys}
        indexes = []
        for index in spec.indexes:
            index_keys = [(index.partition_key, "HASH")] + ([(index.sort_key, "RANGE")] if index.sort_key else [])
            attributes |= {name for name, _ in index_keys}
            indexes.append(
                {
                    "IndexName": index.name,
                    "Projection": {"ProjectionType": "ALL"},
                    "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in index_keys],
                }
            )
        kwargs: dict[str, Any] = {
            "TableName": table_name(spec.name, env),
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in keys],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in sorted(attributes)],
        }
        if indexes:
            kwargs["GlobalSecondaryIndexes"] = indexes
        if spec.stream:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream.value}
        result.append(kwargs)
    return result


def table_env(env: str = "dev") -> dict[str, str]:
    """Table environment variable -> physical name."""
    from modules.catalog.tables import CORE_TABLES, MARKET_DATA

    return {spec.env_var: table_name(spec.name, env) for spec in (*CORE_TABLES, MARKET_DATA)}


def local_environment(sources_base_url: str, tables: dict[str, str], env: str = "dev") -> dict[str, str]:
    """Every variable any function reads, for the emulated account."""
    from modules.catalog.buckets import BUCKETS
    from modules.catalog.functions import QUEUES
    from modules.catalog.routes import CORS_ORIGINS_VARIABLE
    from modules.catalog.secrets import CREATOR_MARK_KEY, MARKET_SOURCE, NEWS_SOURCE, SOCIAL_SOURCE
    from modules.config import load_environment

    variables = {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_SERVICE_NAME": "ai-investment-local",
        "POWERTOOLS_METRICS_NAMESPACE": "AiInvestmentLocal",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        "POWERTOOLS_DEV": "false",
        **{
            f"{queue.upper()}_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{PROJECT}-{queue}-{env}"
            for queue in QUEUES
        },
        "NEWS_SECRET_ARN": f"{PROJECT}-{NEWS_SOURCE.name}-{env}",
        "SOCIAL_SECRET_ARN": f"{PROJECT}-{SOCIAL_SOURCE.name}-{env}",
        "MARKET_SECRET_ARN": f"{PROJECT}-{MARKET_SOURCE.name}-{env}",
        CREATOR_MARK_KEY.env_var: f"{PROJECT}-{CREATOR_MARK_KEY.name}-{env}",
        # The daily-bars CSVs first; a symbol without one (SPY) falls back to its Alpha Vantage document.
        "MARKET_SOURCE_URLS": f"{sources_base_url}/market/{{symbol_lower}}.us.csv,"
        f"{sources_base_url}/market/{{symbol}}.daily.json?apikey={{apikey}}",
        "NEWS_FEED_URLS": f"{sources_base_url}/news.rss.xml,{sources_base_url}/news.atom.xml",
        "SOCIAL_SOURCE_URLS": f"{sources_base_url}/reddit.new.json",
        "MARKET_DATA_STORE": "dynamodb",
        "WEBSOCKET_ENDPOINT": f"https://local.execute-api.{REGION}.amazonaws.com/{env}",
        "COGNITO_ISSUER": f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_local",
        "COGNITO_APP_CLIENT_IDS": "local-client",
        CORS_ORIGINS_VARIABLE: ",".join(load_environment(env, env={}).cors_origins),
        **{bucket.env_var: f"{PROJECT}-{bucket.name}-{env}-{ACCOUNT}-{REGION}" for bucket in BUCKETS},
        **tables,
    }
    return variables


def provision(table_kwargs: list[dict[str, Any]], variables: dict[str, str]) -> None:
    """Create tables, buckets, the queues and the secrets in the (emulated) account."""
    from secrets import token_urlsafe

    import boto3

    from modules.catalog.functions import QUEUES

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for kwargs in table_kwargs:
        dynamodb.create_table(**kwargs)
    s3 = boto3.client("s3", region_name=REGION)
    for var in (
        "RAW_DATA_BUCKET",
        "CURATED_DATA_BUCKET",
        "FEATURES_BUCKET",
        "BACKTESTS_BUCKET",
        "EVAL_BUCKET",
    ):
        s3.create_bucket(Bucket=variables[var], CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=variables[var], VersioningConfiguration={"Status": "Enabled"})
    sqs = boto3.client("sqs", region_name=REGION)
    for queue in QUEUES:
        sqs.create_queue(QueueName=variables[f"{queue.upper()}_QUEUE_URL"].rsplit("/", 1)[1])
    secrets = boto3.client("secretsmanager", region_name=REGION)
    for var in ("NEWS_SECRET_ARN", "SOCIAL_SECRET_ARN"):
        secrets.create_secret(
            Name=variables[var], SecretString='{"headers": {"User-Agent": "ai-investment-local/1.0"}}'
        )
    secrets.create_secret(
        Name=variables["MARKET_SECRET_ARN"],
        SecretString='{"headers": {"User-Agent": "ai-investment-local/1.0"}, "params": {"apikey": "local-demo"}}',
    )
    # The key of the orchestrator's creator marks: random for each emulated account, as in a real one.
    secrets.create_secret(Name=variables["CREATOR_MARK_SECRET_ARN"], SecretString=token_urlsafe(48))


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve `directory` over HTTP on 127.0.0.1; yields the base URL."""
    # Imported here: every aiinv command imports this module, only `local run` serves files.
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class _QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def seed_samples(variables: dict[str, str]) -> None:
    """Load the sample tracked entities and agent configuration into their tables (market prices come
    through ingest-market: `ingest_market_samples`)."""
    import json

    import boto3

    from functions.shared.dynamo import to_item

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for var, sample in (("TRACKED_ENTITIES_TABLE", "entities.json"), ("AGENTS_CONFIG_TABLE", "agents.json")):
        for row in json.loads((SAMPLES / sample).read_text()):
            dynamodb.put_item(TableName=variables[var], Item=to_item(row))


# ---------------------------------------------------------------- the pipeline run

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


def _rest(method: str, path: str, body: Any, user: str, groups: str) -> dict[str, Any]:
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


class _Context:
    function_name = "ai-investment-local"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ai-investment-local"
    aws_request_id = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _call(package: str, step: str, method: str, path: str, body: Any, user: str, groups: str) -> Any:
    import importlib
    import json

    handler = importlib.import_module(f"functions.{package}.handler").handler
    response = handler(_rest(method, path, body, user, groups), _Context())
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
        result = consumer({"Records": records}, _Context())
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
    job = _call("ingest_market", "market backfill", "POST", "/market/backfill", {"start": start, "end": end},
                ADMIN, "admin")
    _drain_queue(variables["MARKET_QUEUE_URL"], "ingest_market")
    done = _call("orchestrator", "market backfill job", "GET", f"/jobs/{job['job_id']}", None, ADMIN, "admin")
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
        result = _call(package, "ingest", "POST", path, body, ANALYST, "analyst")
        accepted, duplicates = accepted + result["accepted"], duplicates + result["duplicates"]
    scored, score_failures = _drain_queue(variables["SCORING_QUEUE_URL"])
    proposed = _call("orchestrator", "propose", "POST", "/propose", {"as_of": AS_OF}, ANALYST, "analyst")
    checks = [
        _call(
            "orchestrator", "risk check", "POST", "/risk/check", {"proposal_id": p["proposal_id"]}, ANALYST, "analyst"
        )
        for p in proposed["created"]
    ]
    approved = [
        _call(
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
    job = _call("evaluation", "evaluate", "POST", "/evaluate", {"as_of": EVALUATE_AS_OF}, ANALYST, "analyst")
    _drain_queue(variables["EVALUATIONS_QUEUE_URL"], "evaluation")
    evaluation = _call("orchestrator", "evaluation job", "GET", f"/jobs/{job['job_id']}", None, ANALYST, "analyst")
    if evaluation["state"] != "succeeded":
        raise LocalRunError(f"evaluation job: {evaluation['state']} {evaluation.get('error', '')}")
    outcomes = _outcomes(variables["OUTCOMES_TABLE"])
    figures = _call("evaluation", "metrics", "GET", "/metrics", None, ANALYST, "viewer")
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


@contextmanager
def _emulated_account() -> Iterator[dict[str, str]]:
    from moto import mock_aws

    with serve_directory(SAMPLES) as base_url:
        # EMF metric lines would drown the summary; a local run publishes none.
        variables = {**local_environment(base_url, table_env()), "POWERTOOLS_METRICS_DISABLED": "true"}
        saved = dict(os.environ)
        os.environ.update(variables)
        try:
            with mock_aws():
                provision(catalog_table_kwargs(), variables)
                seed_samples(variables)
                yield variables
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.2f}%"


def _summary_rows(figures: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        ("market prices ingested", f"{figures['market_prices_ingested']} closes of {figures['market_symbols']} symbols"
         f" ({figures['market_symbols_failed']} failed)"),
        ("signals ingested", str(figures["signals_ingested"])),
        ("duplicates skipped", str(figures["duplicates_skipped"])),
        ("signals scored", f"{figures['signals_scored']} ({figures['scoring_failures']} failed)"),
    ]
    rows += [
        (f"proposal {p['entity']}", f"{p['direction']} (confidence {p['confidence']:.2f})")
        for p in figures["proposals"]
    ]
    rows += [
        ("risk check", f"{figures['risk_passed']} passed, {figures['risk_rejected']} rejected"),
        ("approved", str(figures["approved"])),
    ]
    rows += [
        (
            f"outcome {o['entity']}",
            f"return {_percent(o['return'])}, excess {_percent(o['excess_return'])}, {'hit' if o['hit'] else 'miss'}",
        )
        for o in figures["outcomes"]
    ]
    if figures["not_evaluated_for_lack_of_prices"]:
        rows.append(("not evaluated (no price)", str(figures["not_evaluated_for_lack_of_prices"])))
    hit_rate = "n/a" if figures["hit_rate"] is None else f"{figures['hit_rate'] * 100:.0f}%"
    rows += [
        ("hit rate", hit_rate),
        ("average return", _percent(figures["average_return"])),
        ("average excess return", _percent(figures["average_excess_return"])),
    ]
    return rows


@local_app.command("run")
def run(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON instead of a table."),
) -> None:
    """Run market ingest, ingest -> score -> propose -> risk check -> decide -> evaluate on moto with the samples."""
    import contextlib
    import json
    import sys
    import warnings

    from rich.console import Console
    from rich.table import Table

    try:
        # What the functions print is their log stream (CloudWatch Logs in Lambda): here it goes to
        # stderr, so stdout holds only the run's result (`--json` stays parseable). Powertools prints
        # its ColdStart metric even with metrics disabled; that line is part of that stream too.
        with (
            _emulated_account() as variables,
            warnings.catch_warnings(),
            contextlib.redirect_stdout(sys.stderr),
        ):
            warnings.simplefilter("ignore")
            figures = run_pipeline(variables)
    except LocalRunError as exc:
        typer.echo(f"local run failed at {exc}", err=True)
        raise typer.Exit(code=1) from exc
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    console = Console()
    if console.is_terminal:
        table = Table(title="Local pipeline run (moto, sample data)")
        table.add_column("step")
        table.add_column("result")
        for label, value in _summary_rows(figures):
            table.add_row(label, value)
        console.print(table)
    else:
        for label, value in _summary_rows(figures):
            typer.echo(f"{label}: {value}")

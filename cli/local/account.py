"""The emulated AWS account of a local run: tables, buckets, queues and secrets from the catalogs, the variables
every function reads, the sample documents served on 127.0.0.1 and the sample rows seeded.

Heavy imports (boto3, moto, the catalogs) happen inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[2] / "functions" / "samples"
ACCOUNT = "123456789012"
REGION = "eu-central-1"
PROJECT = "ai-investment"


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


def one_dynamodb_call_at_a_time() -> None:
    """moto's DynamoDB is not thread-safe: a transaction deep-copies the tables while another thread's write
    changes them ('dictionary changed size during iteration'). The ingestion functions write side by side, as
    they may against DynamoDB itself; the emulated account takes their calls one at a time. Idempotent."""
    import threading

    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "serialised", False):
        return
    lock = threading.RLock()
    original = DynamoHandler.call_action

    def call_action(self: DynamoHandler) -> Any:
        with lock:
            return original(self)

    call_action.serialised = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


@contextmanager
def emulated_account() -> Iterator[dict[str, str]]:
    """The emulated account (moto) provisioned from the catalogs and seeded with the samples, its variables set
    in `os.environ` while it lasts; yields them."""
    from moto import mock_aws

    one_dynamodb_call_at_a_time()
    with serve_directory(SAMPLES) as base_url:
        # EMF metric lines would drown the summary; a local run publishes none.
        variables = {**local_environment(base_url, table_env()), "POWERTOOLS_METRICS_DISABLED": "true"}
        saved = dict(os.environ)
        os.environ.update(variables)
        try:
            with mock_aws(), cold_functions():
                provision(catalog_table_kwargs(), variables)
                seed_samples(variables)
                yield variables
        finally:
            os.environ.clear()
            os.environ.update(saved)


@contextmanager
def cold_functions() -> Iterator[None]:
    """The functions start cold in here, as each deployed one does: their modules (which read their settings
    once, at import) are imported afresh under this account's variables, and whatever this process had imported
    before is back afterwards."""
    import sys

    def ours(name: str) -> bool:
        return name == "functions" or name.startswith("functions.")

    before = {name: module for name, module in sys.modules.items() if ours(name)}
    for name in before:
        del sys.modules[name]
    _forget_parameter_providers()
    try:
        yield
    finally:
        _forget_parameter_providers()
        for name in [name for name in sys.modules if ours(name)]:
            del sys.modules[name]
        sys.modules.update(before)


def _forget_parameter_providers() -> None:
    """Powertools caches parameter values (e.g. the creator-mark key) in its own module, outside `functions`: a new
    container starts without them, so the next account does too. (Not imported here if nothing loaded it yet.)"""
    import sys

    parameters = sys.modules.get("aws_lambda_powertools.utilities.parameters")
    if parameters is not None:
        parameters.clear_caches()

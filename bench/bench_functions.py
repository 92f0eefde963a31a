"""Benchmark of the Lambda functions: cold-start init against the boto3 floor, warm latency on moto,
deployment package size. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_functions.py [--runs 7] [--warm 30]

Cold start: a fresh interpreter, with the environment the Lambda runtime sets and tracing on as deployed,
imports the handler module and creates the boto3 clients it uses; the floor is a fresh interpreter that
only imports boto3 and creates the same clients (target ratio <= 1.2).
Warm: the handler's main path called in process on moto (in-process emulation: the figures are for
comparison between versions, not absolute Lambda latencies).
Package: the files under functions/ that the handler actually imports, zipped (what the function's zip
must contain; third-party dependencies live in the layer).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLIENTS = {
    "ingest_news": ("dynamodb", "s3", "sqs", "secretsmanager"),
    "ingest_social": ("dynamodb", "s3", "sqs", "secretsmanager"),
    "score": ("dynamodb", "s3"),
    "orchestrator": ("dynamodb", "s3"),
    "evaluation": ("dynamodb", "s3"),
    "streaming": ("dynamodb", "apigatewaymanagementapi"),
    "authorizer": (),
}
LAYER_PACKAGES = (
    "aws_lambda_powertools",
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "typing_inspection",
    "typing_extensions.py",
    "vaderSentiment",
    "defusedxml",
    "jmespath",
    "aws_xray_sdk",
    "wrapt",
    "jwt",
    "cryptography",
    "cffi",
)


def bench_environment() -> dict[str, str]:
    """What a deployed function sees at init: its settings, tracing on (the functions run with X-Ray
    active tracing) and the variables the Lambda runtime sets. The X-Ray SDK and Powertools Tracer take
    their Lambda path only when LAMBDA_TASK_ROOT is set; without it the SDK builds botocore clients for
    centralised sampling at import (~200 ms that a Lambda function never pays)."""
    from cli.local.account import local_environment, table_env

    variables = local_environment("http://127.0.0.1:9", table_env())
    variables.pop("POWERTOOLS_TRACE_DISABLED", None)
    variables.update({
        "LAMBDA_TASK_ROOT": str(ROOT),
        "AWS_LAMBDA_FUNCTION_NAME": "ai-investment-bench-dev",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.14",
        "WEBSOCKET_ENDPOINT": "https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/dev",
    })
    return variables


def _fresh(code: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def cold_start(package: str, env: dict[str, str], runs: int) -> tuple[float, float]:
    clients = CLIENTS[package]
    endpoint = env["WEBSOCKET_ENDPOINT"]

    def make(name: str) -> str:
        return f"({name!r}, {endpoint!r})" if name == "apigatewaymanagementapi" else f"({name!r},)"

    init = (
        "import time; t = time.perf_counter()\n"
        f"import functions.{package}.handler\n"
        "from functions.shared.aws import client\n"
        f"for args in [{', '.join(make(c) for c in clients)}]: client(*args)\n"
        "print(time.perf_counter() - t)"
    )
    floor = (
        "import time; t = time.perf_counter()\n"
        "import boto3\n"
        f"for name in {list(clients)!r}:\n"
        f"    boto3.client(name, endpoint_url={endpoint!r} if name == 'apigatewaymanagementapi' else None)\n"
        "print(time.perf_counter() - t)"
    )
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    _fresh(init, full_env)  # compile .pyc once
    inits = [_fresh(init, full_env) for _ in range(runs)]
    floors = [_fresh(floor, full_env) for _ in range(runs)]
    return statistics.median(inits) * 1000, statistics.median(floors) * 1000


def package_files(package: str, env: dict[str, str]) -> list[Path]:
    code = (
        f"import sys, functions.{package}.handler\n"
        "print('\\n'.join(sorted(m.__file__ for m in list(sys.modules.values())\n"
        "      if getattr(m, '__file__', None) and '/functions/' in m.__file__)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [Path(line) for line in out.stdout.split() if line.startswith(str(ROOT / "functions"))]


def zipped_size(files: list[Path]) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(ROOT))
    return len(buffer.getvalue())


def layer_size() -> int:
    import site

    total = 0
    for root in site.getsitepackages():
        for name in LAYER_PACKAGES:
            path = Path(root) / name
            if path.is_file():
                total += path.stat().st_size
            elif path.is_dir():
                total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return total


# ---------------------------------------------------------------- warm latency on moto


def _timed(call, n: int) -> tuple[float, float]:
    import contextlib

    samples = []
    for i in range(n):
        with contextlib.redirect_stdout(io.StringIO()):  # EMF metric lines
            start = time.perf_counter()
            call(i)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def warm_latencies(n: int) -> dict[str, tuple[float, float]]:
    import contextlib
    import importlib
    import threading
    import warnings
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from moto import mock_aws

    from cli.local.account import catalog_table_kwargs, local_environment, provision, seed_samples, table_env
    from cli.local.pipeline import AS_OF, LambdaContext, rest_event

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    variables = {
        **local_environment("http://127.0.0.1:9", table_env()),
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "WEBSOCKET_ENDPOINT": f"http://127.0.0.1:{sink.server_address[1]}/dev",
    }
    os.environ.update(variables)
    warnings.simplefilter("ignore")
    context = LambdaContext()
    results: dict[str, tuple[float, float]] = {}
    with mock_aws():
        provision(catalog_table_kwargs(), variables)
        seed_samples(variables)
        handler = {p: importlib.import_module(f"functions.{p}.handler").handler for p in CLIENTS if p != "authorizer"}

        def item(i: int, kind: str) -> dict:
            return {
                "items": [
                    {
                        "source_id": f"{kind}-{i}",
                        "author": "bench",
                        "text": f"Apple {kind} news {i} is great",
                        "published_at": "2026-11-20T10:00:00Z",
                    }
                ]
            }

        for kind in ("news", "social"):
            results[f"ingest_{kind}"] = _timed(
                lambda i, k=kind: handler[f"ingest_{k}"](
                    rest_event("POST", f"/ingest/{k}", item(i, k), "bench", "analyst"), context
                ),
                n,
            )
        import boto3

        sqs = boto3.client("sqs", region_name=variables["AWS_REGION"])
        queue = variables["SCORING_QUEUE_URL"]
        bodies = []
        while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
            bodies += [m["Body"] for m in messages]
            for m in messages:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        results["score"] = _timed(
            lambda i: handler["score"](
                {
                    "Records": [
                        {
                            "messageId": f"m-{i}",
                            "receiptHandle": "r",
                            "body": bodies[i % len(bodies)],
                            "attributes": {},
                            "messageAttributes": {},
                            "eventSource": "aws:sqs",
                        }
                    ]
                },
                context,
            ),
            n,
        )
        results["orchestrator"] = _timed(
            lambda i: handler["orchestrator"](rest_event("POST", "/propose", {"as_of": AS_OF}, "bench", "analyst"),
                                              context),
            n,
        )
        results["evaluation"] = _timed(
            lambda i: handler["evaluation"](rest_event("GET", "/metrics", None, "bench", "viewer"), context), n
        )
        connect = {
            "requestContext": {
                "routeKey": "$connect",
                "connectionId": "bench-1",
                "authorizer": {"user_id": "bench", "groups": "viewer"},
            }
        }
        with contextlib.redirect_stdout(io.StringIO()):
            handler["streaming"](connect, context)
        stream_event = json.loads((ROOT / "tests/functions/events/dynamodb_stream.json").read_text())
        stream_event["Records"][0]["eventSourceARN"] = stream_event["Records"][0]["eventSourceARN"].replace(
            "ai-investment-proposals-dev", variables["PROPOSALS_TABLE"]
        )
        results["streaming"] = _timed(lambda i: handler["streaming"](stream_event, context), n)
    sink.shutdown()
    results["authorizer"] = _authorizer_latency(n)
    return results


def _authorizer_latency(n: int) -> tuple[float, float]:
    """Token verification with a cached JWKS (the warm path)."""
    sys.path.insert(0, str(ROOT / "tests" / "functions"))
    from fn_jwt import CLIENT_ID, token, user_pool

    from functions.authorizer.jwks import jwks_client
    from functions.authorizer.tokens import verify

    with user_pool() as issuer:
        keys = jwks_client(issuer, 3600)
        jwt = token(issuer)
        verify(jwt, keys, issuer, (CLIENT_ID,))
        return _timed(lambda i: verify(jwt, keys, issuer, (CLIENT_ID,)), n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per cold-start figure")
    parser.add_argument("--warm", type=int, default=30, help="warm calls per handler")
    args = parser.parse_args()
    env = bench_environment()
    whole = [p for p in (ROOT / "functions").rglob("*.py") if "__pycache__" not in p.parts]
    print(f"{'function':<14} {'init ms':>8} {'floor ms':>9} {'ratio':>6} {'files':>6} {'zip KiB':>8}")
    for package in CLIENTS:
        init, floor = cold_start(package, env, args.runs)
        files = package_files(package, env)
        print(
            f"{package:<14} {init:8.0f} {floor:9.0f} {init / floor if floor else float('inf'):6.2f} "
            f"{len(files):6d} {zipped_size(files) / 1024:8.1f}"
        )
    xray = (
        statistics.median(
            _fresh(
                "import time; t = time.perf_counter()\nimport aws_xray_sdk.core\nprint(time.perf_counter() - t)",
                {**os.environ, **env},
            )
            for _ in range(args.runs)
        )
        * 1000
    )
    print(f"(of which the X-Ray SDK that Powertools Tracer loads, alone: {xray:.0f} ms)")
    print(
        f"(all of functions/*.py zipped: {len(whole)} files, {zipped_size(whole) / 1024:.1f} KiB; "
        f"layer dependencies unzipped: {layer_size() / 1024 / 1024:.1f} MiB)"
    )
    print(f"\n{'function':<14} {'warm p50 ms':>12} {'warm p95 ms':>12}   (moto, in process)")
    for package, (p50, p95) in warm_latencies(args.warm).items():
        print(f"{package:<14} {p50:12.2f} {p95:12.2f}")


if __name__ == "__main__":
    main()

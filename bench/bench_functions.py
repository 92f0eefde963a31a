"""Benchmark of the Lambda functions: cold-start init against the boto3 floor, init + first request on the
emulator, warm latency, deployment package size. Prints figures; asserts only that every request succeeded.

    .venv/bin/python bench/bench_functions.py [--runs 15] [--warm 30] [--baseline DIR]

Every cold figure comes from a fresh interpreter that sees what a deployed function sees:
- packages: the layer's pinned closure (functions/requirements.lock) and the boto3 the runtime provides (the
  versions installed here), installed once for this Python under build/bench-runtime/, and nothing else
  (`python -S`: no site-packages, so a module the layer lacks cannot be imported by accident);
- environment: the function's settings and the variables the Lambda runtime sets, tracing on as deployed
  (active X-Ray tracing, a sampled trace header on the invocation; tests/support/lambda_runtime.py).
Init: import the handler module and create the boto3 clients the function uses. Floor: a fresh interpreter
that only imports boto3 and creates the same clients (target: init <= 1.25 x floor). The functions hold the
garbage collector off during init (functions/shared/cold_start.py); the floor does not, so the same floor with the
collector held off is printed beside it ("held floor"), to show what of the ratio that alone accounts for.
Init + first request: import the handler and answer the function's first request (FIRST_REQUESTS) against
moto_server on 127.0.0.1, in an account whose tables come from the synthesized data stack (as the function
tests build theirs), filled by the local pipeline run (`aiinv local run`'s steps).
--baseline DIR: the same figures for another checkout (e.g. `git worktree add ../base <commit>`), measured in
the same run, interleaved run by run with this tree's, so both see the same machine load; medians of --runs.
Each figure is printed twice: wall clock, and the CPU time of the function's process (which leaves out the time
it waited for a core on a busy machine, and, for the first request, the emulator's own work).
Warm: each handler's main path called in process against the same emulator (for comparison between versions).
Package: the files under functions/ that the handler actually imports, zipped (third-party code is the layer's).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests" / "functions"))

from tests.support.lambda_runtime import REGION, TRACE_HEADER, runtime_variables  # noqa: E402

LOCK_FILE = ROOT / "functions" / "requirements.lock"
RUNTIME_CACHE = ROOT / "build" / "bench-runtime"
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "python-dateutil", "six", "urllib3")
"""What the Lambda Python runtime ships and the layer therefore leaves out (functions/requirements.lock)."""
WEBSOCKET = "apigatewaymanagementapi"
CLIENTS = {
    "ingest_news": ("dynamodb", "s3", "sqs", "secretsmanager"),
    "ingest_social": ("dynamodb", "s3", "sqs", "secretsmanager"),
    "score": ("dynamodb", "s3"),
    "orchestrator": ("dynamodb", "s3"),
    "evaluation": ("dynamodb", "s3"),
    "ingest_market": ("dynamodb", "sqs", "secretsmanager"),
    "streaming": ("dynamodb", WEBSOCKET),
    "authorizer": (),
}
"""Handler package -> the boto3 clients its code creates (the floor creates the same)."""
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
    "holidays",
    "tzdata",
)

# ---------------------------------------------------------------- the interpreter a function runs in


def runtime_site() -> Path:
    """A directory holding exactly the layer's packages and the runtime's boto3, for this interpreter."""
    from importlib.metadata import version

    pins = [f"{name}=={version(name)}" for name in RUNTIME_PROVIDED]
    key = LOCK_FILE.read_bytes() + "\0".join([*pins, sys.version]).encode()
    python = f"py{sys.version_info.major}.{sys.version_info.minor}"
    target = RUNTIME_CACHE / f"{python}-{hashlib.sha256(key).hexdigest()[:16]}"
    if (target / ".complete").exists():
        return target
    staging = target.with_name(f"{target.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    print(f"(installing the layer's packages for this Python into {target.relative_to(ROOT)})", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--only-binary=:all:", "--target", str(staging), "-r", str(LOCK_FILE), *pins],
        check=True,
    )
    (staging / ".complete").touch()
    try:
        staging.rename(target)
    except OSError:  # another run finished first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def bench_environment(package: str, tree: Path, site: Path, settings: dict[str, str]) -> dict[str, str]:
    """What `functions.<package>.handler` of `tree` sees at init: its settings, the runtime's variables with
    tracing on as deployed, the layer's packages and nothing of this process's environment."""
    variables = {k: v for k, v in settings.items() if k != "POWERTOOLS_TRACE_DISABLED"}
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{tree}{os.pathsep}{site}",
        **variables,
        **runtime_variables(package, tree),
    }


def _client_args(package: str, settings: dict[str, str]) -> list[tuple[str, str | None]]:
    return [(name, settings["WEBSOCKET_ENDPOINT"] if name == WEBSOCKET else None) for name in CLIENTS[package]]


# Each child prints its wall-clock and CPU seconds: on a machine shared with other work the wall clock also
# counts the time the process waited for a core, the CPU time does not.
INIT = """
import time
start, cpu = time.perf_counter(), time.process_time()
import functions.{package}.handler
for args in {clients!r}:  # (the authorizer creates none: importing functions.shared.aws would load boto3)
    from functions.shared.aws import client
    client(*args)
print(time.perf_counter() - start, time.process_time() - cpu)
"""

FLOOR = """
import time
start, cpu = time.perf_counter(), time.process_time()
import boto3
for name, endpoint in {clients!r}:
    boto3.client(name, endpoint_url=endpoint)
print(time.perf_counter() - start, time.process_time() - cpu)
"""

HELD_FLOOR = """
import gc, time
gc.disable()
start, cpu = time.perf_counter(), time.process_time()
import boto3
for name, endpoint in {clients!r}:
    boto3.client(name, endpoint_url=endpoint)
gc.freeze()
gc.enable()
print(time.perf_counter() - start, time.process_time() - cpu)
"""

FIRST = """
import json, os, sys, time
event = json.loads(sys.stdin.read())

class Context:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{{function_name}}"
    aws_request_id = "8f5e7a4e-6c55-4a5e-9d0c-2b8f4f9f1a01"
    log_group_name = f"/aws/lambda/{{function_name}}"
    log_stream_name = "2026/12/03/[$LATEST]0123456789abcdef0123456789abcdef"

    def get_remaining_time_in_millis(self):
        return 25_000

start, cpu = time.perf_counter(), time.process_time()
import functions.{package}.handler as module
os.environ["_X_AMZN_TRACE_ID"] = {trace!r}  # set by the runtime for each invocation
response = module.handler(event, Context())
elapsed = (time.perf_counter() - start, time.process_time() - cpu)
print(json.dumps({{"seconds": elapsed, "response": response}}, default=str))
"""


def _fresh(code: str, env: dict[str, str], cwd: Path, stdin: str = "") -> str:
    """The last line a fresh `python -S` prints."""
    out = subprocess.run([sys.executable, "-S", "-c", code], env=env, cwd=cwd, input=stdin, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"a fresh interpreter failed:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


# ---------------------------------------------------------------- the emulated account and first requests


@dataclass
class Account:
    """moto_server filled by the local pipeline run, with the fake WebSocket Management API and user pool."""

    settings: dict[str, str]
    issuer: str
    counter: Iterator[int] = field(default_factory=itertools.count)

    def item(self, kind: str) -> dict[str, Any]:
        n = next(self.counter)
        return {
            "source_id": f"bench-{kind}-{n}",
            "author": "bench",
            "title": f"Apple {kind} {n}",
            "text": f"Apple shares rise after a strong quarter, bench {kind} item {n} {uuid.uuid4().hex}",
            "published_at": "2026-11-20T10:00:00Z",
        }

    def pending_signal(self) -> str:
        """The scoring queue's message for a newly ingested signal (taken off the queue)."""
        import boto3

        from cli.local.pipeline import call_route as _call

        _call("ingest_news", "bench ingest", "POST", "/ingest/news", {"source": "bench", "items": [self.item("news")]},
              "bench-analyst", "analyst")
        sqs = boto3.client("sqs", region_name=REGION)
        queue = self.settings["SCORING_QUEUE_URL"]
        [message] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"]
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return message["Body"]


def _rest(method: str, path: str, body: Any, groups: str) -> dict[str, Any]:
    from cli.local.pipeline import rest_event as rest

    return rest(method, path, body, f"bench-{groups}", groups)


def _sqs_event(body: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "bench",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:ai-investment-scoring-dev",
                "awsRegion": REGION,
            }
        ]
    }


def _stream_event(settings: dict[str, str]) -> dict[str, Any]:
    event = json.loads((ROOT / "tests/functions/events/dynamodb_stream.json").read_text())
    for record in event["Records"]:
        record["eventSourceARN"] = record["eventSourceARN"].replace("ai-investment-proposals-dev",
                                                                    settings["PROPOSALS_TABLE"])
    return event


def _connect_event(issuer: str) -> dict[str, Any]:
    from fn_jwt import token

    return {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:{REGION}:123456789012:a1b2c3d4e5/dev/$connect",
        "queryStringParameters": {"token": token(issuer)},
        "requestContext": {"requestId": str(uuid.uuid4()), "routeKey": "$connect", "connectionId": "bench-c"},
    }


FIRST_REQUESTS: dict[str, tuple[str, Callable[[Account], dict[str, Any]]]] = {
    "ingest_news": ("POST /ingest/news, one item",
                    lambda a: _rest("POST", "/ingest/news", {"items": [a.item("news")]}, "analyst")),
    "ingest_social": ("POST /ingest/social, one item",
                      lambda a: _rest("POST", "/ingest/social", {"items": [a.item("social")]}, "analyst")),
    "score": ("scoring queue: one new signal", lambda a: _sqs_event(a.pending_signal())),
    "orchestrator": ("POST /propose",
                     lambda a: _rest("POST", "/propose", {"as_of": "2026-11-20T18:00:00Z"}, "analyst")),
    "evaluation": ("GET /metrics", lambda a: _rest("GET", "/metrics", None, "viewer")),
    "ingest_market": ("POST /market/backfill, one symbol",
                      lambda a: _rest("POST", "/market/backfill",
                                      {"start": "2026-10-01", "end": "2026-10-30", "symbols": ["AAPL"]}, "admin")),
    "streaming": ("proposals stream: one change to one connection", lambda a: _stream_event(a.settings)),
    "authorizer": ("$connect with a valid token", lambda a: _connect_event(a.issuer)),
}


def _succeeded(package: str, response: Any) -> bool:
    if package == "authorizer":
        return response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    if "batchItemFailures" in response:
        return response["batchItemFailures"] == []
    return response.get("statusCode", 500) < 400


@contextlib.contextmanager
def emulated_account() -> Iterator[Account]:
    """moto_server on 127.0.0.1 with the account of a local pipeline run; this process's boto3 and the
    handlers it imports (for setting up and for the warm figures) talk to it, tracing off."""
    from fn_jwt import CLIENT_ID, user_pool
    from fn_management_api import management_api

    from cli.local.account import SAMPLES, local_environment, provision, seed_samples, serve_directory
    from cli.local.pipeline import run_pipeline
    from tests.support import emulator
    from tests.support.synthesized import dynamodb_create_table_kwargs, table_env_vars

    tables, table_env = dynamodb_create_table_kwargs("dev"), table_env_vars("dev")
    process, endpoint = emulator.start()
    try:
        with serve_directory(SAMPLES) as samples, management_api() as (_, websocket), user_pool() as issuer:
            settings = {
                **local_environment(samples, table_env),
                "WEBSOCKET_ENDPOINT": websocket,
                "COGNITO_ISSUER": issuer,
                "COGNITO_APP_CLIENT_IDS": CLIENT_ID,
                "AWS_ENDPOINT_URL": endpoint,
            }
            os.environ.update({**settings, "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"})
            from cli.local.pipeline import LambdaContext as _Context

            with contextlib.redirect_stdout(io.StringIO()):  # the handlers' cold-start metric lines
                provision(tables, settings)
                seed_samples(settings)
                run_pipeline(settings)
                from functions.streaming.handler import handler as streaming

                # One dashboard connection (no endpoint of its own: pushes go to WEBSOCKET_ENDPOINT, the fake API).
                streaming({"requestContext": {"routeKey": "$connect", "connectionId": "bench-1",
                                              "authorizer": {"user_id": "bench", "groups": "viewer"}}}, _Context())
            yield Account(settings, issuer)
    finally:
        process.terminate()
        process.wait(timeout=30)


# ---------------------------------------------------------------- cold starts


Sample = tuple[float, float]
"""Wall-clock and CPU milliseconds."""


def _ms(line: str) -> Sample:
    wall, cpu = (float(x) * 1000 for x in line.split())
    return wall, cpu


@dataclass
class Cold:
    init: list[Sample] = field(default_factory=list)
    first: list[Sample] = field(default_factory=list)
    floor: list[Sample] = field(default_factory=list)
    held_floor: list[Sample] = field(default_factory=list)

    def median(self, name: str, clock: int) -> float:
        return statistics.median(sample[clock] for sample in getattr(self, name))


def cold_figures(package: str, trees: list[Path], site: Path, account: Account, runs: int) -> list[Cold]:
    """Per tree: init, init + first request and the floor. Runs interleave the trees: each run measures
    this tree, then the baseline, then the floor, so that all see the same load."""
    clients = _client_args(package, account.settings)
    figures = [Cold() for _ in trees]

    def first(tree: Path, env: dict[str, str]) -> Sample:
        code = FIRST.format(package=package, region=REGION, trace=TRACE_HEADER)
        result = json.loads(_fresh(code, env, tree, json.dumps(FIRST_REQUESTS[package][1](account))))
        if not _succeeded(package, result["response"]):
            raise RuntimeError(f"{package} ({tree}): the first request failed: {result['response']}")
        wall, cpu = result["seconds"]
        return wall * 1000, cpu * 1000

    envs = [bench_environment(package, tree, site, account.settings) for tree in trees]
    for tree, env in zip(trees, envs, strict=True):  # once, untimed: compiles each tree's .pyc
        _fresh(INIT.format(package=package, clients=clients), env, tree)
        first(tree, env)
    for _ in range(runs):
        for tree, env, cold in zip(trees, envs, figures, strict=True):
            cold.init.append(_ms(_fresh(INIT.format(package=package, clients=clients), env, tree)))
            cold.first.append(first(tree, env))
        floor = _ms(_fresh(FLOOR.format(clients=clients), envs[0], trees[0]))
        held_floor = _ms(_fresh(HELD_FLOOR.format(clients=clients), envs[0], trees[0]))
        for cold in figures:
            cold.floor.append(floor)
            cold.held_floor.append(held_floor)
    return figures


def xray_alone(site: Path, account: Account, runs: int) -> Sample:
    env = bench_environment("score", ROOT, site, account.settings)
    code = ("import time; t, c = time.perf_counter(), time.process_time()\nimport aws_xray_sdk.core\n"
            "print(time.perf_counter() - t, time.process_time() - c)")
    samples = [_ms(_fresh(code, env, ROOT)) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


# ---------------------------------------------------------------- package size


def package_files(package: str, env: dict[str, str]) -> list[Path]:
    code = (
        f"import sys, functions.{package}.handler\n"
        "print(' '.join(sorted(m.__file__ for m in list(sys.modules.values())\n"
        "      if getattr(m, '__file__', None) and '/functions/' in m.__file__)))"
    )
    return [Path(p) for p in _fresh(code, env, ROOT).split() if p.startswith(str(ROOT / "functions"))]


def zipped_size(files: list[Path]) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(ROOT))
    return len(buffer.getvalue())


def layer_size(site: Path) -> int:
    total = 0
    for name in LAYER_PACKAGES:
        path = site / name
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return total


# ---------------------------------------------------------------- warm latency


def _timed(call: Callable[[int], Any], n: int) -> tuple[float, float]:
    samples = []
    for i in range(n):
        with contextlib.redirect_stdout(io.StringIO()):  # log lines
            start = time.perf_counter()
            call(i)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def warm_latencies(account: Account, n: int) -> dict[str, tuple[float, float]]:
    """Each handler's first request again and again, in this process (tracing off), on the same emulator."""
    import importlib

    from cli.local.pipeline import LambdaContext as _Context

    context = _Context()
    results: dict[str, tuple[float, float]] = {}
    for package, (_, request) in FIRST_REQUESTS.items():
        handler = importlib.import_module(f"functions.{package}.handler").handler
        events = [request(account) for _ in range(n)]  # set up first (score's signals), timed apart
        handler(request(account), context)  # the first call builds what is built on first use
        results[package] = _timed(lambda i, h=handler, e=events: h(e[i], context), n)
    return results


# ---------------------------------------------------------------- report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per cold figure (median)")
    parser.add_argument("--warm", type=int, default=30, help="warm calls per handler (0: none)")
    parser.add_argument("--baseline", type=Path, help="a checkout of another commit, measured alongside")
    args = parser.parse_args()
    trees = [ROOT] + ([args.baseline.resolve()] if args.baseline else [])
    for tree in trees[1:]:
        if not (tree / "functions").is_dir():
            parser.error(f"--baseline {tree}: no functions/ there; pass a checkout of the project")
    site = runtime_site()
    warnings.simplefilter("ignore")  # Powertools' "no application metrics" on handlers called in process
    with emulated_account() as account:
        results = {}
        print(f"cold starts: medians of {args.runs} fresh interpreters per figure, interleaved" +
              (f" with the baseline {args.baseline}" if args.baseline else ""), flush=True)
        for package in CLIENTS:
            results[package] = cold_figures(package, trees, site, account, args.runs)
            print(f"  {package} done", flush=True)
        for clock, title in ((0, "wall clock"), (1, "CPU time of the process")):
            header = (f"{'function':<14} {'init ms':>8} {'floor ms':>9} {'ratio':>6} {'init+1st ms':>12}"
                      f" {'held floor':>10} {'ratio':>6}")
            if args.baseline:
                header += f"  | {'base init':>9} {'ratio':>6} {'init+1st':>9} {'change':>7}"
            print(f"\n{title}\n{header}")
            for package, figures in results.items():
                floor = figures[0].median("floor", clock)
                init, first = figures[0].median("init", clock), figures[0].median("first", clock)
                held = figures[0].median("held_floor", clock)
                line = (f"{package:<14} {init:8.0f} {floor:9.0f} {init / floor:6.2f} {first:12.0f}"
                        f" {held:10.0f} {init / held:6.2f}")
                if args.baseline:
                    base_init, base_first = figures[1].median("init", clock), figures[1].median("first", clock)
                    line += (f"  | {base_init:9.0f} {base_init / floor:6.2f} {base_first:9.0f} "
                             f"{(first - base_first) / base_first:+7.1%}")
                print(line)
        print("first requests: " + "; ".join(f"{p} {what}" for p, (what, _) in FIRST_REQUESTS.items()))
        wall, cpu = xray_alone(site, account, args.runs)
        print(f"(the X-Ray SDK that Powertools Tracer loads, alone: {wall:.0f} ms wall clock, {cpu:.0f} ms CPU)")

        print(f"\n{'function':<14} {'files':>6} {'zip KiB':>8}")
        for package in CLIENTS:
            files = package_files(package, bench_environment(package, ROOT, site, account.settings))
            print(f"{package:<14} {len(files):6d} {zipped_size(files) / 1024:8.1f}")
        whole = [p for p in (ROOT / "functions").rglob("*.py") if "__pycache__" not in p.parts]
        print(f"(all of functions/*.py zipped: {len(whole)} files, {zipped_size(whole) / 1024:.1f} KiB; "
              f"layer dependencies unzipped: {layer_size(site) / 1024 / 1024:.1f} MiB)")

        if args.warm:
            print(f"\n{'function':<14} {'warm p50 ms':>12} {'warm p95 ms':>12}   (in process, moto_server)")
            for package, (p50, p95) in warm_latencies(account, args.warm).items():
                print(f"{package:<14} {p50:12.2f} {p95:12.2f}")


if __name__ == "__main__":
    main()

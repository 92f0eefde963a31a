"""`aiinv metrics --env ENV`: figures put into the emulated CloudWatch (moto in-process) come back in the table and
the JSON with the right statistics, judged against the thresholds of the synthesized alarms."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from cli.core.errors import ExitCode
from cli.main import app
from modules.catalog.functions import FUNCTION_NAMES
from modules.config import Naming, load_environment
from tests.support import synthesized as synth

NOW = datetime.now(UTC)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout whose cdktf.out/dev is the session's synth of dev."""
    shutil.copytree(synth.synthesized("dev"), tmp_path / "cdktf.out" / "dev")
    monkeypatch.chdir(tmp_path)
    for var in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE", "AIINV_OUT_ROOT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return tmp_path


@pytest.fixture
def aws(workdir: Path):
    with mock_aws():
        yield load_environment("dev", env={})


def synthesized_alarms() -> dict[str, dict]:
    return {a["alarm_name"]: a for a in synth.resources(synth.stack_json("dev", "observability"),
                                                        "aws_cloudwatch_metric_alarm").values()}


def deploy(config) -> None:
    """The environment's alarms (as synthesized) and queues, as an apply leaves them."""
    cloudwatch = boto3.client("cloudwatch", region_name=config.region)
    for name, alarm in synthesized_alarms().items():
        statistic = {"ExtendedStatistic": alarm["extended_statistic"]} if alarm.get("extended_statistic") else \
            {"Statistic": alarm["statistic"]}
        cloudwatch.put_metric_alarm(AlarmName=name, Namespace=alarm["namespace"], MetricName=alarm["metric_name"],
                                    Period=alarm["period"], EvaluationPeriods=alarm["evaluation_periods"],
                                    Threshold=alarm["threshold"], ComparisonOperator=alarm["comparison_operator"],
                                    **statistic)
    sqs = boto3.client("sqs", region_name=config.region)
    for queue in synth.resources(synth.stack_json("dev", "compute"), "aws_sqs_queue").values():
        sqs.create_queue(QueueName=queue["name"])


def put(config, namespace: str, metric: str, dimension: tuple[str, str], minutes_ago: float,
        values: list[float]) -> None:
    boto3.client("cloudwatch", region_name=config.region).put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": metric, "Dimensions": [{"Name": dimension[0], "Value": dimension[1]}],
        "Timestamp": NOW - timedelta(minutes=minutes_ago), "Values": values}])


def busy_environment(config) -> None:
    """score: 20 invocations, 7 errors in one period (its alarm: more than 5 per 5 minutes), durations 1..100 ms;
    orchestrator: 6 errors over two periods (3 + 3: no period crosses); the scoring queue and its dead-letter
    queue with messages."""
    deploy(config)
    naming = Naming(config)
    score, orchestrator = ("FunctionName", naming.function("score")), ("FunctionName", naming.function("orchestrator"))
    put(config, "AWS/Lambda", "Invocations", score, 40, [1.0] * 10)
    put(config, "AWS/Lambda", "Invocations", score, 7, [1.0] * 10)
    put(config, "AWS/Lambda", "Errors", score, 7, [7.0])
    put(config, "AWS/Lambda", "Throttles", score, 7, [0.0])
    put(config, "AWS/Lambda", "Duration", score, 7, [float(v) for v in range(1, 101)])
    put(config, "AWS/Lambda", "ConcurrentExecutions", score, 7, [3.0])
    put(config, "AWS/Lambda", "Invocations", orchestrator, 30, [4.0])
    put(config, "AWS/Lambda", "Invocations", orchestrator, 10, [4.0])
    put(config, "AWS/Lambda", "Errors", orchestrator, 30, [3.0])
    put(config, "AWS/Lambda", "Errors", orchestrator, 10, [3.0])
    scoring, dead = ("QueueName", naming.resource("scoring")), ("QueueName", naming.resource("scoring-dlq"))
    put(config, "AWS/SQS", "ApproximateNumberOfMessagesVisible", scoring, 40, [5.0])
    put(config, "AWS/SQS", "ApproximateNumberOfMessagesVisible", scoring, 7, [12.0])
    put(config, "AWS/SQS", "ApproximateAgeOfOldestMessage", scoring, 40, [30.0])
    put(config, "AWS/SQS", "ApproximateAgeOfOldestMessage", scoring, 7, [90.0])
    put(config, "AWS/SQS", "ApproximateNumberOfMessagesVisible", dead, 7, [2.0])
    boto3.client("cloudwatch", region_name=config.region).set_alarm_state(
        AlarmName=naming.resource("score-errors"), StateValue="ALARM", StateReason="Threshold Crossed: 7 > 5")


def _invoke(*args: str):
    return CliRunner().invoke(app, ["metrics", "--env", "dev", "--skip-synth", *args], catch_exceptions=False)


def test_json_has_every_figure_with_the_right_statistic_and_the_crossed_alarms(aws) -> None:
    busy_environment(aws)
    result = _invoke("--json", "--since", "3h", "--period", "5m")
    assert result.exit_code == 0, result.output
    reading = json.loads(result.output)
    assert reading["period_seconds"] == 300 and len(reading["periods"]) == 36
    functions = {f["name"]: f for f in reading["functions"]}
    assert sorted(functions) == sorted(FUNCTION_NAMES)
    score = functions["score"]
    assert score["function_name"] == "ai-investment-score-dev"
    assert {k: score[k] for k in ("invocations", "errors", "error_rate", "throttles", "duration_avg_ms",
                                  "duration_p95_ms", "duration_max_ms", "concurrent_max")} == {
        "invocations": 20.0, "errors": 7.0, "error_rate": 0.35, "throttles": 0.0, "duration_avg_ms": 50.5,
        "duration_p95_ms": 95.0, "duration_max_ms": 100.0, "concurrent_max": 3.0}
    assert sorted(v for v in score["invocations_per_period"] if v is not None) == [10.0, 10.0]
    alarm = synthesized_alarms()["ai-investment-score-errors-dev"]
    assert score["alarms_crossed"] == [{
        "figure": "errors", "alarm": "ai-investment-score-errors-dev", "rule": "Sum per 5m > 5", "statistic": "Sum",
        "period_seconds": alarm["period"], "comparison": alarm["comparison_operator"],
        "threshold": alarm["threshold"], "peak": 7.0, "at": score["alarms_crossed"][0]["at"]}]
    orchestrator = functions["orchestrator"]
    assert (orchestrator["errors"], orchestrator["error_rate"], orchestrator["alarms_crossed"]) == (6.0, 0.75, [])
    idle = functions["streaming"]
    assert (idle["invocations"], idle["error_rate"], idle["duration_p95_ms"]) == (None, None, None)

    queues = {q["name"]: q for q in reading["queues"]}
    assert (queues["scoring"]["visible"], queues["scoring"]["visible_peak"], queues["scoring"]["oldest_age_s"],
            queues["scoring"]["dead_letter"]) == (12.0, 12.0, 90.0, False)
    assert queues["scoring-dlq"]["dead_letter"] and queues["scoring-dlq"]["visible"] == 2.0
    assert [(c["alarm"], c["peak"]) for c in queues["scoring-dlq"]["alarms_crossed"]] == [
        ("ai-investment-scoring-messages-dev", 2.0)]
    assert sum(q["dead_letter"] for q in reading["queues"]) == 5

    assert reading["alarms"][0] == {"name": "ai-investment-score-errors-dev", "state": "ALARM",
                                    "reason": "Threshold Crossed: 7 > 5", "since": reading["alarms"][0]["since"]}
    assert sorted(a["name"] for a in reading["alarms"]) == sorted(synthesized_alarms())


def test_the_table_leads_with_errors_throttles_and_p95_and_marks_what_crossed_an_alarm(aws) -> None:
    busy_environment(aws)
    result = _invoke()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if "function" in line and "errors" in line)
    assert header.split("┃")[1:5] == [h.center(len(h)) for h in header.split("┃")[1:5]]
    columns = [c.strip() for c in header.split("┃")[1:-1]]
    assert columns[:5] == ["function", "errors", "err %", "throttles", "p95 ms"]
    score = [c.strip() for c in next(line for line in lines if "│ score " in line).split("│")[1:-1]]
    assert score[:9] == ["score", "7 ▲", "35.0%", "0", "95", "50", "100", "20", "3"]
    assert len(score[9].strip()) >= 1 and set(score[9]) <= set(" ▁▂▃▄▅▆▇█")
    orchestrator = [c.strip() for c in next(line for line in lines if "│ orchestrator " in line).split("│")[1:-1]]
    assert orchestrator[1:3] == ["6", "75.0%"]
    scoring = [c.strip() for c in next(line for line in lines if "│ scoring " in line).split("│")[1:-1]]
    assert scoring[:5] == ["scoring", "queue", "12", "12", "90s"]
    dead = [c.strip() for c in next(line for line in lines if "│ scoring-dlq " in line).split("│")[1:-1]]
    assert dead[:4] == ["scoring-dlq", "dead-letter queue", "2 ▲", "2 ▲"]
    assert "▲ score errors: ai-investment-score-errors-dev (Sum per 5m > 5), worst 7 at" in result.output
    assert "▲ scoring-dlq visible: ai-investment-scoring-messages-dev (Sum per 5m > 5)" not in result.output
    assert "▲ scoring-dlq visible: ai-investment-scoring-messages-dev (Maximum per 5m >= 1), worst 2 at" \
        in result.output
    assert f"alarms: 1 ALARM, {len(synthesized_alarms()) - 1} OK" in result.output
    assert "Threshold Crossed: 7 > 5" in result.output


def test_named_functions_narrow_the_rows_and_their_alarms(aws) -> None:
    busy_environment(aws)
    reading = json.loads(_invoke("score", "ingest-news", "--json").output)
    assert [f["name"] for f in reading["functions"]] == ["ingest-news", "score"]
    names = {a["name"] for a in reading["alarms"]}
    assert "ai-investment-score-errors-dev" in names and "ai-investment-orchestrator-errors-dev" not in names
    assert "ai-investment-scoring-messages-dev" in names  # queues stay: a backlog is often the cause
    assert len(reading["queues"]) == 9


def test_watch_without_a_terminal_prints_once(aws) -> None:
    busy_environment(aws)
    result = _invoke("--watch")
    assert result.exit_code == 0, result.output
    assert sum("│ score " in line for line in result.output.splitlines()) == 1
    assert "Ctrl-C" not in result.output


@pytest.mark.parametrize(("args", "expected"), [
    (["scorer"], f"error: unknown function 'scorer'; valid functions: {', '.join(sorted(FUNCTION_NAMES))}"),
    (["--since", "yesterday"],
     "error: --since 'yesterday' is not a duration; use a number and s, m, h or d (e.g. 15m, 2h)"),
    (["--period", "90s"], "error: --period '90s' must be a whole number of minutes (CloudWatch keeps Lambda and "
                          "SQS metrics per minute)"),
    (["--period", "often"], "error: --period 'often' is not a duration; use a number and m or h (e.g. 1m, 5m, 1h)"),
    (["--since", "2m", "--period", "5m"], "error: --since '2m' is shorter than --period '5m'"),
    (["--since", "2d", "--period", "1m"],
     "error: --since '2d' holds more than 1440 periods of '1m'; use a longer --period"),
])
def test_bad_input_is_one_usage_line_before_any_aws_call(workdir, args, expected) -> None:
    result = _invoke(*args)  # no emulator: a call to AWS would fail differently
    assert (result.exit_code, result.output.strip()) == (ExitCode.USAGE, expected)


def test_an_environment_not_deployed_names_what_is_missing(aws) -> None:
    result = _invoke()
    assert result.exit_code == ExitCode.ERROR
    count = len(synthesized_alarms()) + len(synth.resources(synth.stack_json("dev", "compute"), "aws_sqs_queue"))
    assert result.output.strip() == (
        "error: environment 'dev' is not deployed: alarm ai-investment-api-5xx-rate-dev, alarm "
        "ai-investment-api-latency-dev, alarm ai-investment-async-failures-messages-dev and "
        f"{count - 3} more do not exist; apply it first (aiinv apply --env dev)")


def test_a_queue_missing_alone_is_named(aws) -> None:
    deploy(aws)
    sqs = boto3.client("sqs", region_name=aws.region)
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="ai-investment-market-dlq-dev")["QueueUrl"])
    result = _invoke("--json")
    assert (result.exit_code, result.output.strip()) == (
        ExitCode.ERROR, "error: environment 'dev' is not deployed: queue ai-investment-market-dlq-dev does not exist; "
                        "apply it first (aiinv apply --env dev)")


def test_no_credentials_is_one_line(workdir, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = _invoke()
    assert (result.exit_code, result.output.strip()) == (
        ExitCode.ERROR, "error: no AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                        "or sign in with `aws sso login`")


def test_without_a_synth_skip_synth_says_how_to_make_one(aws, workdir: Path) -> None:
    shutil.rmtree(workdir / "cdktf.out")
    result = _invoke()
    assert (result.exit_code, result.output.strip()) == (
        ExitCode.ERROR, "error: no synthesized stacks for 'dev'; run `aiinv synth --env dev` first")


def test_named_in_aiinv_help() -> None:
    result = CliRunner().invoke(app, ["--help"])
    line = next(line for line in result.output.splitlines() if "│ metrics " in line)
    assert "Errors, throttles and p95 duration per function" in line


def test_more_than_500_queries_go_in_batches_and_every_page_is_followed(aws) -> None:
    """Against the emulator's limits (500 queries a call, MaxDatapoints pages): 1,100 series, three datapoints on
    every 50th, read back whole in batches of 500, 500 and 100 queries, each followed through its pages."""
    from cli.aws.metrics import fetch, window
    from cli.aws.metrics.queries import Query

    span = window.ending_now(3600, 300)
    cloudwatch = fetch.client("cloudwatch", aws.region)
    calls: list[tuple[int, bool]] = []
    cloudwatch.meta.events.register(
        "provide-client-params.cloudwatch.GetMetricData",
        lambda params, **_: calls.append((len(params["MetricDataQueries"]), "NextToken" in params)))
    queries = [Query(f"f{i}", "invocations", "AWS/Lambda", "Invocations", (("FunctionName", f"f{i}"),), "Sum", 300)
               for i in range(1_100)]
    for i in range(0, 1_100, 50):
        for minutes in (7, 22, 37):
            put(aws, "AWS/Lambda", "Invocations", ("FunctionName", f"f{i}"), minutes, [float(i)])
    found = fetch.metric_data(cloudwatch, queries, span.start, span.end, max_datapoints=8)
    assert all(len(found[q]) == (3 if i % 50 == 0 else 0) for i, q in enumerate(queries))
    assert all(v == float(i) for i, q in enumerate(queries) for _, v in found[q])
    assert all(a < b for q in queries for (a, _), (b, _) in zip(found[q], found[q][1:], strict=False))
    # 30, 30 and 6 datapoints: 4, 4 and 1 pages of at most 8.
    assert calls == [(500, False), *[(500, True)] * 3, (500, False), *[(500, True)] * 3, (100, False)]


def test_thresholds_come_from_the_synthesized_alarms(aws, workdir: Path) -> None:
    """Raise score's error threshold and lower orchestrator's in the synthesized JSON: the marks follow."""
    path = workdir / "cdktf.out" / "dev" / "stacks" / "ai-investment-observability-dev" / "cdk.tf.json"
    stack = json.loads(path.read_text())
    for alarm in stack["resource"]["aws_cloudwatch_metric_alarm"].values():
        if alarm["alarm_name"] in ("ai-investment-score-errors-dev", "ai-investment-orchestrator-errors-dev"):
            alarm["threshold"] = 7 if "score" in alarm["alarm_name"] else 2
    path.write_text(json.dumps(stack))
    busy_environment(aws)
    functions = {f["name"]: f for f in json.loads(_invoke("--json").output)["functions"]}
    assert functions["score"]["alarms_crossed"] == []
    assert [(c["alarm"], c["rule"], c["peak"]) for c in functions["orchestrator"]["alarms_crossed"]] == [
        ("ai-investment-orchestrator-errors-dev", "Sum per 5m > 2", 3.0)]


def test_an_alarm_that_needs_several_periods_is_crossed_only_by_a_run_of_them(aws, workdir: Path) -> None:
    path = workdir / "cdktf.out" / "dev" / "stacks" / "ai-investment-observability-dev" / "cdk.tf.json"
    stack = json.loads(path.read_text())
    for alarm in stack["resource"]["aws_cloudwatch_metric_alarm"].values():
        if alarm["alarm_name"] == "ai-investment-score-duration-dev":
            alarm.update(threshold=50, evaluation_periods=2, datapoints_to_alarm=2)
    path.write_text(json.dumps(stack))
    busy_environment(aws)  # one period of score durations, averaging 50.5 ms

    def crossed() -> list[tuple[str, str, float]]:
        score = next(f for f in json.loads(_invoke("--json").output)["functions"] if f["name"] == "score")
        return [(c["figure"], c["rule"], c["peak"]) for c in score["alarms_crossed"] if c["figure"] != "errors"]

    assert crossed() == []
    put(aws, "AWS/Lambda", "Duration", ("FunctionName", "ai-investment-score-dev"), 12, [100.0])  # the period before
    assert crossed() == [("duration_avg_ms", "Average per 5m > 50 for 2 periods", 100.0)]


@pytest.mark.parametrize("value", ["often", "0"])
def test_a_malformed_aws_max_attempts_is_one_usage_line(aws, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", value)
    result = _invoke()
    assert (result.exit_code, result.output.strip()) == (
        ExitCode.USAGE, f"error: AWS_MAX_ATTEMPTS '{value}' is not a whole number of attempts of at least 1")

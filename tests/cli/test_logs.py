"""`aiinv logs FUNCTION --env ENV`: the function's recent CloudWatch events, against moto in-process."""

from __future__ import annotations

import time

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from cli.core.errors import ExitCode
from cli.main import app
from modules.catalog.functions import FUNCTION_NAMES
from modules.config import Naming, load_environment


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for var in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield load_environment("dev", env={})


def _invoke(*args: str):
    return CliRunner().invoke(app, ["logs", *args], catch_exceptions=False)


def _write(config, function: str, events: list[tuple[float, str]]) -> None:
    client = boto3.client("logs", region_name=config.region)
    group = Naming(config).log_group(function)
    client.create_log_group(logGroupName=group)
    client.create_log_stream(logGroupName=group, logStreamName="2026/11/27/[$LATEST]abc")
    client.put_log_events(logGroupName=group, logStreamName="2026/11/27/[$LATEST]abc",
                          logEvents=[{"timestamp": int(t * 1000), "message": m} for t, m in events])


def test_prints_the_events_inside_the_window_oldest_first(aws) -> None:
    now = time.time()
    _write(aws, "score", [(now - 7200, "two hours ago"), (now - 120, '{"level":"INFO","message":"scored 3"}'),
                          (now - 30, "END RequestId: 1\n")])
    result = _invoke("score", "--env", "dev", "--since", "15m")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ['{"level":"INFO","message":"scored 3"}', "END RequestId: 1"]
    assert all(time.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%SZ") for line in lines)

    wider = _invoke("score", "--env", "dev", "--since", "3h")
    assert "two hours ago" in wider.output


@pytest.mark.parametrize(("args", "code", "expected"), [
    (["scorer", "--env", "dev"], ExitCode.USAGE,
     f"error: unknown function 'scorer'; valid functions: {', '.join(FUNCTION_NAMES)}"),
    (["score", "--env", "dev", "--since", "yesterday"], ExitCode.USAGE,
     "error: --since 'yesterday' is not a duration; use a number and s, m, h or d (e.g. 15m, 2h)"),
    (["score", "--env", "qa"], ExitCode.USAGE,
     "error: unknown environment 'qa'; valid environments: dev, staging, prod"),
])
def test_bad_input_is_one_line_usage_error(aws, args, code, expected) -> None:
    result = _invoke(*args)
    assert result.exit_code == code
    assert result.output.strip() == expected


def test_a_function_that_never_ran_says_what_to_check(aws) -> None:
    result = _invoke("score", "--env", "dev")
    assert result.exit_code == ExitCode.ERROR
    group = Naming(aws).log_group("score")
    assert result.output.strip() == f"error: log group {group} does not exist; is the compute stack applied?"

"""Every error path the user can hit gives one line, a non-zero code and no traceback (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.core.errors import ExitCode
from cli.main import app
from tests.cli.conftest import fake_synth


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    for var in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "AIINV_APP", "AIINV_ENV"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def _one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(("env_vars", "args", "expected"), [
    ({}, ["synth", "--env", "qa"], "unknown environment 'qa'; valid environments: dev, staging, prod"),
    ({"CDK_DEFAULT_ACCOUNT": "12345"}, ["synth", "--env", "dev"], "account id '12345' is not 12 digits"),
    ({"CDK_DEFAULT_REGION": "mars-north-1"}, ["synth", "--env", "dev"], "unknown region 'mars-north-1'"),
    ({}, ["plan", "--env", "qa"], "unknown environment 'qa'"),
    ({"CDK_DEFAULT_ACCOUNT": "abc"}, ["apply", "--env", "prod"], "account id 'abc' is not 12 digits"),
    ({}, ["destroy", "--env", "qa"], "unknown environment 'qa'"),
    ({}, ["list", "--env", "qa"], "unknown environment 'qa'"),
])
def test_bad_environment_is_one_line_usage_error_and_writes_nothing(cli, monkeypatch, env_vars, args, expected):
    for key, value in env_vars.items():
        monkeypatch.setenv(key, value)
    result = cli(*args)
    assert result.exit_code == ExitCode.USAGE
    assert expected in _one_line_error(result)
    assert not Path("cdktf.out").exists()
    assert not Path("plans").exists()


def test_list_without_synth_says_what_to_run(cli) -> None:
    result = cli("list", "--env", "dev")
    assert result.exit_code == ExitCode.ERROR
    assert _one_line_error(result) == "error: no synthesized stacks for 'dev'; run `aiinv synth --env dev` first"


def test_unknown_option_exits_with_the_usage_code_not_the_changes_code(cli) -> None:
    result = cli("plan", "--env", "dev", "--bogus")
    assert result.exit_code == ExitCode.USAGE


NAMES = {"ai-investment-security-dev": [], "ai-investment-data-dev": ["ai-investment-security-dev"]}


def test_list_prints_deploy_order_with_dependencies(cli, tmp_path) -> None:
    fake_synth(tmp_path, "dev", NAMES)
    result = cli("list", "--env", "dev")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "1. ai-investment-security-dev  (depends on: -)",
        "2. ai-investment-data-dev  (depends on: ai-investment-security-dev)",
    ]


def test_unknown_stack_is_one_line_listing_valid_stacks(cli, tmp_path) -> None:
    fake_synth(tmp_path, "dev", NAMES)
    result = cli("plan", "--env", "dev", "--skip-synth", "--stack", "nope")
    assert result.exit_code == ExitCode.USAGE
    assert _one_line_error(result) == ("error: unknown stack 'nope'; valid stacks: security, data "
                                       "(or their full names)")


def test_cycle_in_manifest_is_one_line(cli, tmp_path) -> None:
    fake_synth(tmp_path, "dev", {"ai-investment-a-dev": ["ai-investment-b-dev"],
                                  "ai-investment-b-dev": ["ai-investment-a-dev"]})
    result = cli("list", "--env", "dev")
    assert result.exit_code == ExitCode.ERROR
    assert "is part of a dependency cycle" in _one_line_error(result)


def test_prod_apply_without_a_terminal_refuses_instead_of_hanging(cli, tmp_path) -> None:
    fake_synth(tmp_path, "prod", {"ai-investment-security-prod": []})
    result = cli("apply", "--env", "prod", "--skip-synth")
    assert result.exit_code == ExitCode.ERROR
    assert "needs confirmation and there is no terminal to ask; pass --auto-approve" in _one_line_error(result)


def test_prod_destroy_needs_the_extra_confirmation_even_with_auto_approve(cli, tmp_path) -> None:
    fake_synth(tmp_path, "prod", {"ai-investment-security-prod": []})
    result = cli("destroy", "--env", "prod", "--skip-synth", "--auto-approve")
    assert result.exit_code == ExitCode.ERROR
    assert "pass --confirm-env prod" in _one_line_error(result)
    wrong = cli("destroy", "--env", "prod", "--skip-synth", "--confirm-env", "dev")
    assert "does not match 'prod'" in _one_line_error(wrong)


def test_destroy_refuses_to_leave_dependents_behind(cli, tmp_path) -> None:
    fake_synth(tmp_path, "dev", NAMES)
    result = cli("destroy", "--env", "dev", "--skip-synth", "--stack", "security", "--auto-approve")
    assert result.exit_code == ExitCode.ERROR
    assert "would break its dependents ai-investment-data-dev" in _one_line_error(result)


def test_apply_refuses_a_missing_plan_bundle(cli, tmp_path) -> None:
    fake_synth(tmp_path, "dev", NAMES)
    result = cli("apply", "--env", "dev", "--skip-synth", "--plan", "plans/dev")
    assert result.exit_code == ExitCode.ERROR
    assert "no readable plan bundle at plans/dev/report.json" in _one_line_error(result)


def _bundle(tmp_path: Path, stacks: dict) -> None:
    (tmp_path / "plans/dev").mkdir(parents=True)
    (tmp_path / "plans/dev/report.json").write_text(json.dumps(
        {"version": 1, "environment": "dev", "exit_code": 2, "stacks": stacks}))


def test_apply_refuses_a_stale_plan(cli, tmp_path) -> None:
    fake_synth(tmp_path, "dev", NAMES)
    entry = {"status": "changes", "detail": "", "blocked_by": "", "plan": None, "config_sha256": "old",
             "changes": {}}
    _bundle(tmp_path, dict.fromkeys(NAMES, entry))
    result = cli("apply", "--env", "dev", "--skip-synth", "--plan", "plans/dev")
    assert result.exit_code == ExitCode.ERROR
    assert "is stale: its synthesized configuration changed" in _one_line_error(result)


def test_apply_refuses_a_partial_plan(cli, tmp_path) -> None:
    fake_synth(tmp_path, "dev", NAMES)
    _bundle(tmp_path, {"ai-investment-security-dev": {"status": "failed", "detail": "boom", "plan": None}})
    result = cli("apply", "--env", "dev", "--skip-synth", "--plan", "plans/dev")
    assert "partial: ai-investment-security-dev was failed (boom)" in _one_line_error(result)


def test_logs_of_unknown_function_lists_the_valid_ones(cli) -> None:
    result = cli("logs", "nope", "--env", "dev")
    assert result.exit_code == ExitCode.USAGE
    assert "unknown function 'nope'; valid functions: ingest-social" in _one_line_error(result)


def test_bad_since_is_one_line(cli) -> None:
    result = cli("logs", "score", "--env", "dev", "--since", "yesterday")
    assert result.exit_code == ExitCode.USAGE
    assert "--since 'yesterday' is not a duration" in _one_line_error(result)


def test_unknown_app_is_one_line(cli, monkeypatch) -> None:
    monkeypatch.setenv("AIINV_APP", "no_such_module:build_app")
    result = cli("synth", "--env", "dev")
    assert result.exit_code == ExitCode.ERROR
    assert "cannot import the cdktf app 'no_such_module'" in _one_line_error(result)
    assert not Path("cdktf.out").exists()

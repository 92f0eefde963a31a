"""`aiinv doctor`: one line per prerequisite, what is missing and how to fix it; exit 1 if anything is."""

from __future__ import annotations

import pytest
from moto import mock_aws
from typer.testing import CliRunner

from cli.errors import ExitCode
from cli.main import app


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for var in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AIINV_TERRAFORM",
                "TF_CLI_CONFIG_FILE"):
        monkeypatch.delenv(var, raising=False)
    # No shared files, no instance metadata: only what a test sets.
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def _doctor(*args: str) -> tuple[int, dict[str, str]]:
    result = CliRunner().invoke(app, ["doctor", *args], catch_exceptions=False)
    assert "Traceback" not in result.output
    rows = {}
    for line in result.output.splitlines():
        state, rest = line.split(" ", 1)
        name, detail = rest.strip().split(": ", 1)
        rows[name] = f"{state} {detail}"
    return result.exit_code, rows


def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_everything_in_place_after_bootstrap(clean_env) -> None:
    _credentials(clean_env)
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        code, rows = _doctor("--env", "dev")
        assert code == ExitCode.ERROR
        assert rows["state backend"].startswith("MISSING")
        assert rows["state backend"].endswith("-> run `aiinv bootstrap --env dev`")
        assert rows["API Gateway logging role"] == (
            "MISSING none set for this account and region -> run `aiinv bootstrap --env dev` "
            "(it owns this account-level setting)")

        boot = CliRunner().invoke(app, ["bootstrap", "--env", "dev"], catch_exceptions=False)
        assert boot.exit_code == 0, boot.output
        code, rows = _doctor("--env", "dev")
    assert code == ExitCode.OK, rows
    assert set(rows) == {"Node.js", "Terraform", "AWS credentials", "state backend", "API Gateway logging role"}
    assert all(row.startswith("ok") for row in rows.values())
    assert rows["AWS credentials"] == "ok account 123456789012"


def test_missing_credentials_say_how_to_configure_them(clean_env) -> None:
    code, rows = _doctor()
    assert code == ExitCode.ERROR
    assert rows["AWS credentials"] == ("MISSING NoCredentialsError -> configure credentials "
                                       "(AWS_PROFILE, SSO login or environment variables)")
    assert "state backend" not in rows  # without --env there is no backend to check


def test_credentials_of_another_account_are_named(clean_env) -> None:
    _credentials(clean_env)
    clean_env.setenv("CDK_DEFAULT_ACCOUNT", "111111111111")
    with mock_aws():
        code, rows = _doctor("--env", "dev")
    assert code == ExitCode.ERROR
    assert rows["AWS credentials"] == ("MISSING account 123456789012, environment expects 111111111111 "
                                       "-> switch to a profile of the environment's account")


def test_a_broken_terraform_is_reported_with_the_fix(clean_env, tmp_path) -> None:
    _credentials(clean_env)
    broken = tmp_path / "terraform"
    broken.write_text("#!/bin/sh\necho 'not terraform'\n")
    broken.chmod(0o755)
    clean_env.setenv("AIINV_TERRAFORM", str(broken))
    with mock_aws():
        code, rows = _doctor()
    assert code == ExitCode.ERROR
    assert rows["Terraform"] == (f"MISSING {broken} did not report a version "
                                 "-> set AIINV_TERRAFORM to a working terraform or tofu")


def test_a_missing_terraform_cli_config_is_named_with_its_fix(clean_env, tmp_path) -> None:
    _credentials(clean_env)
    clean_env.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "missing.tfrc"))
    with mock_aws():
        _, rows = _doctor()
    assert rows["Terraform CLI config"] == (
        f"ok TF_CLI_CONFIG_FILE={tmp_path / 'missing.tfrc'} does not exist (Terraform warns about it on every run)"
        " -> create the file or unset TF_CLI_CONFIG_FILE"
    )

    (tmp_path / "missing.tfrc").write_text("")
    with mock_aws():
        _, rows = _doctor()
    assert rows["Terraform CLI config"] == f"ok {tmp_path / 'missing.tfrc'}"

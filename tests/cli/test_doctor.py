"""`aiinv doctor`: one line per prerequisite, what is missing and how to fix it; exit 1 if anything is."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace

import boto3
import pytest
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count
from typer.testing import CliRunner

from cli.aws.doctor import run_checks
from cli.core.errors import ExitCode
from cli.main import app
from modules.config import MarketDataStore, load_environment
from tests.support.synthesized import stack_json


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for var in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE",
                "MOTO_LAMBDA_CONCURRENCY_QUOTA",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AIINV_TERRAFORM",
                "TF_CLI_CONFIG_FILE", "AIINV_PROVIDER_MIRROR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # a machine without a provider mirror
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


def _provider_in_mirror() -> None:
    """The pinned provider in the machine's mirror (an executable stands in for the binary)."""
    from cli.terraform import provider_mirror

    binary = provider_mirror.binary_path(provider_mirror.default_mirror())
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)


def test_everything_in_place_after_bootstrap(clean_env) -> None:
    _credentials(clean_env)
    _provider_in_mirror()
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
    assert set(rows) == {"Node.js", "Terraform", "AWS provider 6.25.0", "AWS credentials", "state backend",
                         "API Gateway logging role", "Lambda concurrency"}
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


def _reservations_prod_applies() -> dict[str, int]:
    """What the synthesized prod compute stack reserves, read from its JSON (not from the sizing the doctor uses):
    the seed's critical functions, score and orchestrator, in the order prod lists them."""
    functions = stack_json("prod", "compute")["resource"]["aws_lambda_function"].values()
    reserved = {f["function_name"].removeprefix("ai-investment-").removesuffix("-prod"):
                f["reserved_concurrent_executions"] for f in functions if "reserved_concurrent_executions" in f}
    assert set(reserved) == {"score", "orchestrator"}
    return {name: reserved[name] for name in ("score", "orchestrator")}


def test_reservations_are_compared_with_the_account_concurrency_quota(clean_env) -> None:
    _credentials(clean_env)
    wanted = _reservations_prod_applies()
    asked, total = ", ".join(f"{n} {c}" for n, c in wanted.items()), sum(wanted.values())
    with mock_aws():
        _, rows = _doctor("--env", "prod")
        assert rows["Lambda concurrency"].startswith(f"ok quota 1000, reservations {asked}")
        _, rows = _doctor("--env", "dev")
        assert rows["Lambda concurrency"] == "ok no reserved concurrency in this environment"
        # A new account: a small quota leaves no room beside the 100 that Lambda keeps unreserved.
        clean_env.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", str(100 + sum(wanted.values()) - 1))
        code, rows = _doctor("--env", "prod")
    assert code == ExitCode.ERROR
    assert rows["Lambda concurrency"].startswith(f"MISSING quota {100 + total - 1}, reservations {asked} "
                                                 f"(total {total}), room {total - 1} -> request a higher")
    assert "reserved_functions of 'prod' in modules/config/environments.py" in rows["Lambda concurrency"]


def test_timestream_is_checked_only_where_an_environment_enables_it(clean_env) -> None:
    _credentials(clean_env)
    prod = load_environment("prod", env={})
    assert prod.market_data_store is MarketDataStore.DYNAMODB
    enabled = replace(prod, market_data_store=MarketDataStore.TIMESTREAM)
    with mock_aws():
        assert "Timestream" not in {c.name for c in run_checks(prod)}
        (check,) = [c for c in run_checks(enabled) if c.name == "Timestream"]
        assert check.ok and check.detail == "available in eu-central-1"

        # An account that Timestream does not admit answers AccessDenied, as a caller without the right would.
        iam = boto3.client("iam")
        iam.create_user(UserName="operator")
        iam.put_user_policy(UserName="operator", PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity",
                                                    "Resource": "*"}]}))
        key = iam.create_access_key(UserName="operator")["AccessKey"]
        clean_env.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        clean_env.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        checks = set_initial_no_auth_action_count(0)(run_checks)(enabled)
    (check,) = [c for c in checks if c.name == "Timestream"]
    # (moto answers the JSON protocol's AccessDenied in XML, so the client sees only its status.)
    assert not check.ok and check.detail.startswith("this account cannot use Timestream (")
    assert check.fix.startswith("set market_data_store=MarketDataStore.DYNAMODB for 'prod'")


def test_what_the_environment_already_reserves_counts_as_room(clean_env) -> None:
    """Re-applying prod moves its own reservations, it does not add them again."""
    _credentials(clean_env)
    wanted = _reservations_prod_applies()
    with mock_aws():
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        client = boto3.client("lambda", region_name="eu-central-1")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
        for name, count in wanted.items():
            client.create_function(FunctionName=f"ai-investment-{name}-prod", Runtime="python3.12", Role=role,
                                   Handler="handler.handler", Code={"ZipFile": buffer.getvalue()})
            client.put_function_concurrency(FunctionName=f"ai-investment-{name}-prod",
                                            ReservedConcurrentExecutions=count)
        # Exactly what prod needs beside the unreserved minimum, already held by prod itself.
        clean_env.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", str(100 + sum(wanted.values())))
        _, rows = _doctor("--env", "prod")
    total = sum(wanted.values())
    assert rows["Lambda concurrency"].startswith(f"ok quota {100 + total},"), rows["Lambda concurrency"]
    assert rows["Lambda concurrency"].endswith(f"room {total}")

"""`aiinv doctor`: is everything there that aiinv needs, and how to fix what is not."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cli.errors import AiinvError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(config: object | None) -> list[Check]:
    checks = [_node(), _terraform()]
    if (cli_config := _cli_config()) is not None:
        checks.append(cli_config)
    checks.append(_credentials(config))
    if config is not None:
        checks.append(_backend(config))
        checks.append(_apigateway_logging(config))
    return checks


def _node() -> Check:
    node = shutil.which("node")
    if node is None:
        return Check(
            "Node.js", False, "not found", "install Node.js 22 or newer (cdktf's jsii runtime needs it)"
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major = int(m.group(1)) if (m := re.match(r"v(\d+)", version)) else 0
    if major < 20:
        return Check("Node.js", False, version, "install Node.js 22 or newer")
    if major == 20:
        return Check(
            "Node.js", True, f"{version} (end-of-life; jsii prints a warning)", "upgrade to Node.js 22+"
        )
    return Check("Node.js", True, version)


def _terraform() -> Check:
    from cli.tfbin import describe, terraform_command

    try:
        command = terraform_command()
    except AiinvError as exc:
        return Check("Terraform", False, "not found", exc.message)
    out = subprocess.run([*command, "version", "-json"], capture_output=True, text=True, check=False)
    try:
        version = json.loads(out.stdout)["terraform_version"]
    except (ValueError, KeyError):
        return Check(
            "Terraform",
            False,
            f"{describe(command)} did not report a version",
            "set AIINV_TERRAFORM to a working terraform or tofu",
        )
    return Check("Terraform", True, f"{version} ({describe(command)})")


def _cli_config() -> Check | None:
    """A named but missing CLI configuration file makes Terraform print a warning in every stack's log."""
    path = os.environ.get("TF_CLI_CONFIG_FILE")
    if not path:
        return None
    if Path(path).is_file():
        return Check("Terraform CLI config", True, path)
    return Check(
        "Terraform CLI config",
        True,
        f"TF_CLI_CONFIG_FILE={path} does not exist (Terraform warns about it on every run)",
        "create the file or unset TF_CLI_CONFIG_FILE",
    )


def _credentials(config: object | None) -> Check:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    region = getattr(config, "region", None)
    try:
        identity = boto3.client("sts", region_name=region or "us-east-1").get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        return Check(
            "AWS credentials",
            False,
            type(exc).__name__,
            "configure credentials (AWS_PROFILE, SSO login or environment variables)",
        )
    account = identity.get("Account", "?")
    wanted = getattr(config, "account_id", None)
    if wanted and account != wanted:
        return Check(
            "AWS credentials",
            False,
            f"account {account}, environment expects {wanted}",
            "switch to a profile of the environment's account",
        )
    return Check("AWS credentials", True, f"account {account}")


def _backend(config: object) -> Check:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from modules.config import Naming

    naming = Naming(config)  # type: ignore[arg-type]
    bucket, table = naming.state_bucket(), naming.state_lock_table()
    try:
        boto3.client("s3", region_name=config.region).head_bucket(Bucket=bucket)  # type: ignore[attr-defined]
        boto3.client("dynamodb", region_name=config.region).describe_table(TableName=table)  # type: ignore[attr-defined]
    except (BotoCoreError, ClientError):
        return Check(
            "state backend",
            False,
            f"{bucket} / {table} not reachable",
            f"run `aiinv bootstrap --env {config.name}`",
        )  # type: ignore[attr-defined]
    return Check("state backend", True, f"s3://{bucket}, lock table {table}")


def _apigateway_logging(config: object) -> Check:
    """Stage logging fails to deploy while the account and region have no API Gateway CloudWatch role."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from cli.account import apigateway_logging_role_arn

    fix = f"run `aiinv bootstrap --env {config.name}` (it owns this account-level setting)"  # type: ignore[attr-defined]
    try:
        arn = apigateway_logging_role_arn(boto3.client("apigateway", region_name=config.region))  # type: ignore[attr-defined]
    except (BotoCoreError, ClientError) as exc:
        return Check("API Gateway logging role", False, f"not readable ({type(exc).__name__})", fix)
    if not arn:
        return Check("API Gateway logging role", False, "none set for this account and region", fix)
    return Check("API Gateway logging role", True, arn)

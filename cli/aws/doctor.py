"""`aiinv doctor`: is everything there that aiinv needs, and how to fix what is not."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cli.core.errors import AiinvError


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
    checks.append(provider_source())
    checks.append(_credentials(config))
    if config is not None:
        checks.append(_backend(config))
        checks.append(_apigateway_logging(config))
        checks.append(_concurrency(config))
        if getattr(config, "market_data_store", None) == "timestream":
            checks.append(_timestream(config))
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
    from cli.terraform.tfbin import describe, terraform_command

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


def provider_source(registry: tuple[str, int] = ("registry.terraform.io", 443)) -> Check:
    """Where `terraform init` will get the pinned AWS provider, and how to fix it when nowhere."""
    import socket

    from cli.terraform import provider_mirror

    pin = provider_mirror.AWS
    name = f"AWS provider {pin.version}"
    where = provider_mirror.source(pin)
    fix = "run `make providers` (builds it from its Go module where the registry is unreachable)"
    if where.kind == "mirror":
        if where.standin is not None:  # runs will work, with another build than the pinned release
            return Check(name, True, where.detail,
                         f"for a real account, point {provider_mirror.MIRROR_ENV} at a mirror of the released "
                         f"{pin.version} (`make providers` fills one) or unset it")
        if where.mirror is not None and provider_mirror.holds(where.mirror, pin):
            return Check(name, True, f"from the mirror {where.detail}")
        return Check(name, False, f"mirror {where.detail}", fix)
    if where.kind == "user config":
        return Check(name, True, where.detail)
    try:
        socket.create_connection(registry, timeout=3).close()
    except OSError:
        return Check(name, False, f"no mirror holds it and {registry[0]} is not reachable",
                     fix + ", or set AIINV_PROVIDER_MIRROR to a filled mirror")
    return Check(name, True, f"from the registry {registry[0]} (no mirror holds it)")


def _apigateway_logging(config: object) -> Check:
    """Stage logging fails to deploy while the account and region have no API Gateway CloudWatch role."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from cli.aws.account import apigateway_logging_role_arn

    fix = f"run `aiinv bootstrap --env {config.name}` (it owns this account-level setting)"  # type: ignore[attr-defined]
    try:
        arn = apigateway_logging_role_arn(boto3.client("apigateway", region_name=config.region))  # type: ignore[attr-defined]
    except (BotoCoreError, ClientError) as exc:
        return Check("API Gateway logging role", False, f"not readable ({type(exc).__name__})", fix)
    if not arn:
        return Check("API Gateway logging role", False, "none set for this account and region", fix)
    return Check("API Gateway logging role", True, arn)


def _concurrency(config: object) -> Check:
    """The environment's reservations must fit the account's quota, beside the 100 that AWS keeps unreserved."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from modules.catalog.concurrency import UNRESERVED_MINIMUM, reservations
    from modules.config import Naming

    wanted = reservations(config)  # type: ignore[arg-type]
    if not wanted:
        return Check("Lambda concurrency", True, "no reserved concurrency in this environment")
    client = boto3.client("lambda", region_name=config.region)  # type: ignore[attr-defined]
    naming = Naming(config)  # type: ignore[arg-type]
    try:
        limit = client.get_account_settings()["AccountLimit"]
        held = 0  # what our functions reserve already is given back when they are updated
        for name in wanted:
            with contextlib.suppress(client.exceptions.ResourceNotFoundException):
                held += client.get_function_concurrency(FunctionName=naming.function(name)).get(
                    "ReservedConcurrentExecutions", 0) or 0
    except (BotoCoreError, ClientError) as exc:
        return Check("Lambda concurrency", False, f"account settings not readable ({type(exc).__name__})",
                     "allow lambda:GetAccountSettings and lambda:GetFunctionConcurrency")
    needed = sum(wanted.values())
    room = limit["UnreservedConcurrentExecutions"] + held - UNRESERVED_MINIMUM
    asked = ", ".join(f"{n} {c}" for n, c in wanted.items())
    detail = f"quota {limit['ConcurrentExecutions']}, reservations {asked} (total {needed}), room {max(room, 0)}"
    if needed > room:
        return Check("Lambda concurrency", False, detail,
                     f"request a higher 'Concurrent executions' quota for Lambda (Service Quotas) or remove "
                     f"functions from reserved_functions of '{config.name}' in modules/config/environments.py")  # type: ignore[attr-defined]
    return Check("Lambda concurrency", True, detail)


def _timestream(config: object) -> Check:
    """Timestream for LiveAnalytics admits no new customers since 2025-06-20: most accounts cannot use it."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    fix = (f"set market_data_store=MarketDataStore.DYNAMODB for '{config.name}' in "  # type: ignore[attr-defined]
           "modules/config/environments.py (Timestream admits no new customers since 2025-06-20)")
    try:
        client = boto3.client("timestream-write", region_name=config.region)  # type: ignore[attr-defined]
        client.list_databases(MaxResults=1)
    except (BotoCoreError, ClientError) as exc:
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        return Check("Timestream", False, f"this account cannot use Timestream ({code or type(exc).__name__})", fix)
    return Check("Timestream", True, f"available in {config.region}")  # type: ignore[attr-defined]

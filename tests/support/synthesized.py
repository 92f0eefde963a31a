"""The synthesized stacks of every environment, produced once per test run and shared.

Synthesis costs a few seconds (`modules.provider_bindings`); pytest-xdist workers share one output through a lock
file in a directory that the controlling process chose (`AIINV_TEST_SYNTH_DIR`).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from modules.catalog.tables import CORE_TABLES, MARKET_DATA
from modules.config import ENVIRONMENT_NAMES, EnvironmentConfig, Naming, load_environment

SYNTH_DIR_VAR = "AIINV_TEST_SYNTH_DIR"
# Settings come from the config module alone, never from the developer's shell.
CLEAN_ENV: dict[str, str] = {}


def synth_root() -> Path:
    root = os.environ.get(SYNTH_DIR_VAR)
    if root is None:
        root = tempfile.mkdtemp(prefix="aiinv-synth-")
        os.environ[SYNTH_DIR_VAR] = root
    return Path(root)


def synthesize_into(outdir: Path, env_name: str) -> None:
    from modules.app import build_app

    build_app(load_environment(env_name, env=CLEAN_ENV), outdir=str(outdir)).synth()


@cache
def synthesized(env_name: str) -> Path:
    """Directory holding manifest.json and stacks/ for one environment."""
    root = synth_root()
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / ".done"
        if not done.exists():
            for name in ENVIRONMENT_NAMES:
                synthesize_into(root / name, name)
            done.touch()
    return root / env_name


def variants_root() -> Path:
    """Beside the environments' tree, not in it: checkov and the snapshots read exactly dev, staging and prod."""
    return Path(f"{synth_root()}-variants")


def variant_stacks(label: str, config: EnvironmentConfig) -> dict[str, dict[str, Any]]:
    """Stack name -> JSON for `config`, a variant of an environment with settings no environment uses yet
    (e.g. Timestream); synthesized once per run under `label` and shared between workers."""
    from modules.app import build_app

    outdir = variants_root() / label
    with open(synth_root() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (outdir / ".done").exists():
            build_app(config, outdir=str(outdir)).synth()
            (outdir / ".done").touch()
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {name: json.loads((outdir / entry["synthesizedStackPath"]).read_text())
            for name, entry in sorted(manifest["stacks"].items())}


def stack_json(env_name: str, kind: str) -> dict[str, Any]:
    name = Naming(load_environment(env_name, env=CLEAN_ENV)).stack(kind)
    return json.loads((synthesized(env_name) / "stacks" / name / "cdk.tf.json").read_text())


def all_stacks() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(environment, stack name, stack JSON) for every synthesized stack."""
    for env_name in ENVIRONMENT_NAMES:
        root = synthesized(env_name)
        manifest = json.loads((root / "manifest.json").read_text())
        for stack_name, entry in sorted(manifest["stacks"].items()):
            yield env_name, stack_name, json.loads((root / entry["synthesizedStackPath"]).read_text())


def stacks_by_env() -> dict[str, dict[str, dict[str, Any]]]:
    """environment -> stack name -> stack JSON."""
    by_env: dict[str, dict[str, dict[str, Any]]] = {}
    for env_name, stack_name, stack in all_stacks():
        by_env.setdefault(env_name, {})[stack_name] = stack
    return by_env


def resources(stack: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return stack.get("resource", {}).get(resource_type, {})


def dynamodb_create_table_kwargs(env: str = "dev") -> list[dict[str, Any]]:
    """boto3 `create_table` arguments for every table of the data stack, read from the synthesized JSON.

    Function tests create their moto tables from this, so code and infrastructure cannot drift apart.
    """
    tables = resources(stack_json(env, "data"), "aws_dynamodb_table")
    return [_create_table_kwargs(t) for _, t in sorted(tables.items())]


def table_env_vars(env: str = "dev") -> dict[str, str]:
    """Env var (e.g. SIGNALS_TABLE) -> physical table name, for the tables the environment has."""
    naming = Naming(load_environment(env, env=CLEAN_ENV))
    physical = {t["name"] for t in resources(stack_json(env, "data"), "aws_dynamodb_table").values()}
    specs = (*CORE_TABLES, MARKET_DATA)
    return {s.env_var: naming.resource(s.name) for s in specs if naming.resource(s.name) in physical}


def _create_table_kwargs(table: dict[str, Any]) -> dict[str, Any]:
    key_schema = [{"AttributeName": table["hash_key"], "KeyType": "HASH"}]
    if table.get("range_key"):
        key_schema.append({"AttributeName": table["range_key"], "KeyType": "RANGE"})
    kwargs: dict[str, Any] = {
        "TableName": table["name"],
        "BillingMode": table["billing_mode"],
        "KeySchema": key_schema,
        "AttributeDefinitions": [{"AttributeName": a["name"], "AttributeType": a["type"]}
                                 for a in table["attribute"]],
    }
    indexes = table.get("global_secondary_index") or []
    if indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": i["name"],
                "KeySchema": [{"AttributeName": i["hash_key"], "KeyType": "HASH"}]
                + ([{"AttributeName": i["range_key"], "KeyType": "RANGE"}] if i.get("range_key") else []),
                "Projection": {"ProjectionType": i["projection_type"]},
            }
            for i in indexes
        ]
    if table.get("stream_enabled"):
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": table["stream_view_type"]}
    return kwargs


def ttl_attribute(env: str, table_name: str) -> str | None:
    """The TTL attribute the synthesized table declares (moto needs it set separately)."""
    for table in resources(stack_json(env, "data"), "aws_dynamodb_table").values():
        if table["name"] == table_name:
            ttl = table.get("ttl")
            return ttl["attribute_name"] if ttl else None
    raise KeyError(f"no synthesized table named '{table_name}'")

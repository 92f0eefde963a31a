"""What survives `aiinv destroy`, in every environment: the data, and everything needed to read it.

A retained resource keeps `lifecycle.prevent_destroy` and the retain marker; destroy removes it from
state and lists it. These properties hold whatever resources are added later.
"""

from __future__ import annotations

from typing import Any

import pytest

from cli.workflows.destroy_preflight import DELETION_PROTECTION, config_blockers
from modules.catalog.tables import CORE_TABLES, MARKET_DATA
from modules.config import ENVIRONMENT_NAMES, Naming, load_environment
from modules.constructs.retention import RETAIN_MARKER
from tests.support.references import Address, References
from tests.support.synthesized import resources, stacks_by_env


@pytest.fixture(scope="module")
def by_env(synth_root) -> dict[str, dict[str, dict[str, Any]]]:
    return stacks_by_env()


def is_retained(body: dict[str, Any]) -> bool:
    return body.get("//", {}).get(RETAIN_MARKER) is True


def body_of(stacks: dict[str, dict[str, Any]], address: Address) -> dict[str, Any]:
    rtype, name = address.resource.split(".", 1)
    return stacks[address.stack]["resource"][rtype][name]


def retained(stacks: dict[str, dict[str, Any]]) -> list[tuple[Address, dict[str, Any]]]:
    return [(Address(stack_name, f"{rtype}.{name}"), body)
            for stack_name, stack in stacks.items()
            for rtype, entries in stack.get("resource", {}).items()
            for name, body in entries.items() if is_retained(body)]


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_every_retained_resource_is_guarded_by_prevent_destroy(by_env, env_name: str) -> None:
    found = retained(by_env[env_name])
    assert found
    for address, body in found:
        assert body["lifecycle"]["prevent_destroy"] is True, address


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_every_kms_key_that_a_retained_resource_references_is_retained_with_its_alias(by_env, env_name: str) -> None:
    """Retained data stays readable: its key (and the alias people find it by) are never scheduled for deletion."""
    stacks = by_env[env_name]
    refs = References(stacks)
    keys: set[Address] = set()
    for address, body in retained(stacks):
        keys |= {a for a in refs.resolve(address.stack, body) if a.resource.startswith("aws_kms_key.")}
    assert keys, "retained data is encrypted with the customer key"
    for key in keys:
        assert is_retained(body_of(stacks, key)), f"{key} encrypts retained data but is not retained"
    for stack_name, stack in stacks.items():
        for name, alias in resources(stack, "aws_kms_alias").items():
            if refs.resolve(stack_name, alias["target_key_id"]) & keys:
                assert is_retained(alias), f"alias {name} of a retained key is not retained"


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_a_resource_with_deletion_protection_is_retained(by_env, env_name: str) -> None:
    """Destroy would otherwise stop at it, half-way through the stack."""
    for stack_name, stack in by_env[env_name].items():
        for rtype, (attribute, protected) in DELETION_PROTECTION.items():
            for name, body in resources(stack, rtype).items():
                if body.get(attribute) == protected:
                    assert is_retained(body), f"{stack_name} {rtype}.{name} is protected but not retained"
        assert config_blockers(stack_name, stack) == []


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_the_data_is_retained_and_operational_tables_are_not(by_env, env_name: str) -> None:
    config = load_environment(env_name, env={})
    n = Naming(config)
    data = by_env[env_name][n.stack("data")]
    for name, bucket in resources(data, "aws_s3_bucket").items():
        assert is_retained(bucket), name
    for rtype in ("aws_timestreamwrite_database", "aws_timestreamwrite_table"):
        for name, body in resources(data, rtype).items():
            assert is_retained(body), name
    expected = {n.resource(t.name): t.retain for t in (*CORE_TABLES, MARKET_DATA)}
    for name, table in resources(data, "aws_dynamodb_table").items():
        assert is_retained(table) is expected[table["name"]], name
        # Operational tables are rebuilt freely: nothing protects them from a destroy.
        assert table["deletion_protection_enabled"] is (expected[table["name"]] and config.deletion_protection)


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_the_user_pool_and_its_groups_are_retained_where_deletion_is_protected(by_env, env_name: str) -> None:
    config = load_environment(env_name, env={})
    auth = by_env[env_name][Naming(config).stack("auth")]
    kept = [*resources(auth, "aws_cognito_user_pool").values(), *resources(auth, "aws_cognito_user_group").values()]
    assert kept and all(is_retained(body) is config.deletion_protection for body in kept)
    assert config.deletion_protection is config.is_production

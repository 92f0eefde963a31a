"""The destroy preflight finds, in a stack's configuration and state, what would stop a destroy half-way."""

from __future__ import annotations

from cli.workflows.destroy_preflight import config_blockers, managed_addresses, state_blockers

CONFIG = {"resource": {
    "aws_dynamodb_table": {
        "signals": {"deletion_protection_enabled": True, "//": {"retain_on_destroy": True},
                    "lifecycle": {"prevent_destroy": True}},
        "idempotency": {"deletion_protection_enabled": False},
    },
    "aws_cognito_user_pool": {"users": {"deletion_protection": "ACTIVE"}},
    "aws_kms_key": {"key": {"lifecycle": {"prevent_destroy": True}}},
}}


def _state(*resources: tuple[str, str, dict]) -> dict:
    return {"version": 4, "resources": [
        {"mode": "managed", "type": t, "name": n, "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
         "instances": [{"schema_version": 1, "attributes": attributes}]} for t, n, attributes in resources]}


def test_a_protected_resource_that_destroy_would_delete_is_named_with_its_fix() -> None:
    state = _state(
        ("aws_dynamodb_table", "signals", {"id": "p-signals-dev", "deletion_protection_enabled": True}),
        ("aws_dynamodb_table", "idempotency", {"id": "p-idempotency-dev", "deletion_protection_enabled": True}),
        ("aws_cognito_user_pool", "users", {"id": "eu-central-1_abc", "deletion_protection": "ACTIVE"}),
    )
    found = state_blockers("p-data-dev", state, CONFIG, retained={"aws_dynamodb_table.signals"},
                           apply_hint="run `aiinv apply --env dev --stack p-data-dev`")
    assert [b.describe() for b in found] == [
        "p-data-dev: aws_dynamodb_table.idempotency (id p-idempotency-dev) has deletion_protection_enabled on and "
        "is not retained; run `aiinv apply --env dev --stack p-data-dev` first: the configuration turns "
        "deletion_protection_enabled off",
        "p-data-dev: aws_cognito_user_pool.users (id eu-central-1_abc) has deletion_protection on and is not "
        "retained; turn deletion_protection off on eu-central-1_abc (or retain it), then destroy again",
    ]


def test_unprotected_or_retained_resources_and_other_modes_do_not_block() -> None:
    state = _state(
        ("aws_dynamodb_table", "signals", {"id": "p-signals-dev", "deletion_protection_enabled": True}),
        ("aws_dynamodb_table", "idempotency", {"id": "p-idempotency-dev", "deletion_protection_enabled": False}),
        ("aws_cognito_user_pool", "users", {"id": "pool", "deletion_protection": "INACTIVE"}),
    )
    state["resources"].append({"mode": "data", "type": "aws_dynamodb_table", "name": "read",
                               "instances": [{"attributes": {"deletion_protection_enabled": True}}]})
    assert state_blockers("s", state, CONFIG, retained={"aws_dynamodb_table.signals"}, apply_hint="x") == []
    assert state_blockers("s", {}, CONFIG, retained=set(), apply_hint="x") == []


def test_prevent_destroy_without_the_retain_marker_blocks_only_when_the_state_holds_it() -> None:
    (blocker,) = config_blockers("p-security-dev", CONFIG)
    assert blocker.address == "aws_kms_key.key" and "no retain marker" in blocker.problem
    assert config_blockers("p-security-dev", CONFIG, in_state=set()) == []
    held = managed_addresses(_state(("aws_kms_key", "key", {"id": "k"})))
    assert [b.address for b in config_blockers("p-security-dev", CONFIG, held)] == ["aws_kms_key.key"]

"""Properties that every synthesized stack of every environment must have, whatever changes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.catalog.buckets import BUCKETS
from modules.catalog.tables import CORE_TABLES, MARKET_DATA
from modules.config import ENVIRONMENT_NAMES, Naming, load_environment
from modules.stacks.data import ACCESS_LOGS
from tests.support.iam import as_list
from tests.support.synthesized import all_stacks, resources, stack_json

# Actions that AWS accepts only with Resource "*".
UNSCOPABLE_ACTIONS = {"xray:PutTelemetryRecords", "xray:PutTraceSegments", "dynamodb:ListStreams",
                      "cloudwatch:PutMetricData", "timestream:DescribeEndpoints"}


def naming(env_name: str) -> Naming:
    return Naming(load_environment(env_name, env={}))


def by_bucket(stack: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Sub-resources of buckets keyed by the bucket reference they configure."""
    return {r["bucket"]: r for r in resources(stack, resource_type).values()}


def bucket_ref(address: str) -> str:
    return f"${{aws_s3_bucket.{address}.id}}"


def iam_statements(stack: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for rtype in ("aws_iam_role_policy", "aws_iam_policy"):
        for address, policy in resources(stack, rtype).items():
            for statement in json.loads(policy["policy"])["Statement"]:
                found.append((f"{rtype}.{address}", statement))
    return found


@pytest.fixture(scope="module")
def stacks(synth_root) -> list[tuple[str, str, dict[str, Any]]]:
    return list(all_stacks())


def test_every_bucket_is_encrypted_with_the_customer_key_and_closed_to_the_public(stacks) -> None:
    for env_name, _, stack in stacks:
        encryption = by_bucket(stack, "aws_s3_bucket_server_side_encryption_configuration")
        blocks = by_bucket(stack, "aws_s3_bucket_public_access_block")
        ownership = by_bucket(stack, "aws_s3_bucket_ownership_controls")
        versioning = by_bucket(stack, "aws_s3_bucket_versioning")
        policies = by_bucket(stack, "aws_s3_bucket_policy")
        lifecycles = by_bucket(stack, "aws_s3_bucket_lifecycle_configuration")
        for address, bucket in resources(stack, "aws_s3_bucket").items():
            ref = bucket_ref(address)
            rule = encryption[ref]["rule"][0]
            default = rule["apply_server_side_encryption_by_default"]
            if bucket["bucket"] == naming(env_name).bucket(ACCESS_LOGS):
                # S3 server access log delivery supports SSE-S3 destinations only.
                assert default["sse_algorithm"] == "AES256"
            else:
                assert default["sse_algorithm"] == "aws:kms", address
                assert "kms_key" in default["kms_master_key_id"], address
                assert rule["bucket_key_enabled"] is True
            assert all(blocks[ref][flag] is True for flag in (
                "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
            assert ownership[ref]["rule"]["object_ownership"] == "BucketOwnerEnforced"
            assert versioning[ref]["versioning_configuration"]["status"] == "Enabled"
            statements = json.loads(policies[ref]["policy"])["Statement"]
            tls = [s for s in statements if s["Effect"] == "Deny"
                   and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"]
            assert tls and len(as_list(tls[0]["Resource"])) == 2, f"{address} lacks a TLS-only policy"
            assert not [s for s in statements if s["Effect"] == "Allow" and s.get("Principal") == "*"]
            rule = lifecycles[ref]["rule"][0]
            classes = [t["storage_class"] for t in rule["transition"]]
            assert classes == ["INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE"]
            assert rule["noncurrent_version_expiration"] and rule["abort_incomplete_multipart_upload"]


def test_every_data_bucket_logs_access_to_the_access_log_bucket(stacks) -> None:
    for env_name, _, stack in stacks:
        logging = by_bucket(stack, "aws_s3_bucket_logging")
        for address, bucket in resources(stack, "aws_s3_bucket").items():
            if bucket["bucket"] != naming(env_name).bucket(ACCESS_LOGS):
                assert bucket_ref(address) in logging, f"{address} has no access logging"


def test_every_table_is_encrypted_with_the_key_recoverable_and_on_demand(stacks) -> None:
    for _env_name, _, stack in stacks:
        for address, table in resources(stack, "aws_dynamodb_table").items():
            assert table["server_side_encryption"] == {
                "enabled": True, "kms_key_arn": table["server_side_encryption"]["kms_key_arn"]}
            assert "kms_key" in table["server_side_encryption"]["kms_key_arn"], address
            assert table["point_in_time_recovery"]["enabled"] is True, address
            assert table["billing_mode"] == "PAY_PER_REQUEST", address


def test_the_data_stack_has_the_seed_tables_and_buckets(stacks) -> None:
    for env_name in ENVIRONMENT_NAMES:
        n = naming(env_name)
        data = stack_json(env_name, "data")
        table_names = {t["name"] for t in resources(data, "aws_dynamodb_table").values()}
        assert {n.resource(t.name) for t in CORE_TABLES} <= table_names
        bucket_names = {b["bucket"] for b in resources(data, "aws_s3_bucket").values()}
        assert {n.bucket(b.name) for b in BUCKETS} | {n.bucket(ACCESS_LOGS)} == bucket_names


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_market_data_lives_in_exactly_one_store_as_the_environment_says(env_name: str) -> None:
    config = load_environment(env_name, env={})
    data = stack_json(env_name, "data")
    has_table = naming(env_name).resource(MARKET_DATA.name) in {
        t["name"] for t in resources(data, "aws_dynamodb_table").values()}
    has_timestream = bool(resources(data, "aws_timestreamwrite_table"))
    assert has_table != has_timestream
    assert has_timestream is (config.market_data_store.value == "timestream")
    for db in resources(data, "aws_timestreamwrite_database").values():
        assert "kms_key" in db["kms_key_id"]


def test_no_iam_statement_grants_every_action_or_an_unscoped_resource(stacks) -> None:
    for _, stack_name, stack in stacks:
        for where, statement in iam_statements(stack):
            actions = as_list(statement["Action"])
            assert statement["Effect"] == "Allow"
            for action in actions:
                assert action != "*" and not action.endswith(":*"), f"{stack_name} {where}: {action}"
            if "*" in as_list(statement["Resource"]):
                assert set(actions) <= UNSCOPABLE_ACTIONS, f"{stack_name} {where}: {actions} on '*'"


def test_kms_statements_in_role_policies_are_limited_to_one_service(stacks) -> None:
    for _, stack_name, stack in stacks:
        for where, statement in iam_statements(stack):
            if any(a.startswith("kms:") for a in as_list(statement["Action"])):
                assert "kms:ViaService" in statement["Condition"]["StringEquals"], f"{stack_name} {where}"


def test_function_roles_trust_only_lambda_in_this_account(stacks) -> None:
    for env_name, _, stack in stacks:
        for address, role in resources(stack, "aws_iam_role").items():
            trust = json.loads(role["assume_role_policy"])["Statement"]
            for statement in trust:
                principal = statement["Principal"]
                assert principal != "*" and principal.get("AWS") != "*", address
                if principal.get("Service") == "lambda.amazonaws.com":
                    account = load_environment(env_name, env={}).account_id
                    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == account


def test_the_key_rotates_and_its_policy_names_the_services_that_use_it(stacks) -> None:
    for env_name, _, stack in stacks:
        for key in resources(stack, "aws_kms_key").values():
            assert key["enable_key_rotation"] is True
            assert key["deletion_window_in_days"] == (30 if env_name == "prod" else 7)
            policy = json.loads(key["policy"])
            sids = {s["Sid"]: s for s in policy["Statement"]}
            assert "kms:Decrypt" not in sids["KeyAdministration"]["Action"]
            via = sids["UseThroughEncryptingServices"]["Condition"]["StringEquals"]["kms:ViaService"]
            region = load_environment(env_name, env={}).region
            for service in ("dynamodb", "s3", "secretsmanager", "sqs", "sns"):
                assert f"{service}.{region}.amazonaws.com" in via
            assert sids["CloudWatchLogs"]["Principal"]["Service"] == f"logs.{region}.amazonaws.com"
            publishers = {s["Principal"].get("Service") for s in policy["Statement"]}
            assert {"budgets.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"} <= publishers


def test_every_key_policy_statement_for_a_service_acts_only_for_this_account(stacks) -> None:
    """No confused deputy: a service principal may use the key only on behalf of this account's resources."""
    for env_name, _, stack in stacks:
        account = load_environment(env_name, env={}).account_id
        for address, key in resources(stack, "aws_kms_key").items():
            for statement in json.loads(key["policy"])["Statement"]:
                if "Service" not in statement["Principal"]:
                    continue
                assert isinstance(statement["Principal"]["Service"], str), f"{address} {statement['Sid']}"
                condition = statement.get("Condition", {})
                source_account = condition.get("StringEquals", {}).get("aws:SourceAccount")
                source_arn = condition.get("ArnLike", {}).get("aws:SourceArn", "")
                # CloudWatch Logs is bound by its documented encryption context, the account's log groups.
                logs_context = condition.get("ArnLike", {}).get("kms:EncryptionContext:aws:logs:arn", "")
                assert source_account == account or f":{account}:" in source_arn or (
                    logs_context.startswith("arn:aws:logs:") and f":{account}:" in logs_context), (
                    f"{env_name} {address} {statement['Sid']} has no source condition")


def test_secrets_use_the_key_and_their_values_never_enter_terraform(stacks) -> None:
    for _, stack_name, stack in stacks:
        assert not resources(stack, "aws_secretsmanager_secret_version"), stack_name
        for address, secret in resources(stack, "aws_secretsmanager_secret").items():
            assert "kms_key" in secret["kms_key_id"], address


def test_every_stack_uses_the_environment_state_backend_under_its_own_key(stacks) -> None:
    keys = set()
    for env_name, stack_name, stack in stacks:
        n = naming(env_name)
        backend = stack["terraform"]["backend"]["s3"]
        assert backend["bucket"] == n.state_bucket()
        assert backend["dynamodb_table"] == n.state_lock_table()
        assert backend["encrypt"] is True
        assert backend["key"] == f"{stack_name}/terraform.tfstate"
        keys.add((env_name, backend["key"]))
    assert len(keys) == len(stacks)


def test_every_stack_tags_all_resources_and_refuses_foreign_accounts(stacks) -> None:
    for env_name, stack_name, stack in stacks:
        (provider,) = stack["provider"]["aws"]
        tags = provider["default_tags"][0]["tags"]
        assert tags == {"project": "ai-investment", "environment": env_name,
                        "stack": stack_name.split("-")[-2], "managed-by": "aiinv"}
        assert provider["allowed_account_ids"] == [load_environment(env_name, env={}).account_id]


def test_resource_names_carry_project_and_environment(stacks) -> None:
    named = {"aws_dynamodb_table": "name", "aws_iam_role": "name", "aws_cognito_user_pool": "name",
             "aws_secretsmanager_secret": "name", "aws_s3_bucket": "bucket", "aws_sqs_queue": "name",
             "aws_lambda_function": "function_name", "aws_cloudwatch_event_rule": "name"}
    for env_name, stack_name, stack in stacks:
        assert stack_name == naming(env_name).stack(stack_name.split("-")[-2])
        for rtype, attribute in named.items():
            for address, resource in resources(stack, rtype).items():
                name = resource[attribute]
                config = load_environment(env_name, env={})
                assert name.startswith("ai-investment"), f"{rtype}.{address}: {name}"
                expected_end = {"aws_s3_bucket": f"-{env_name}-{config.account_id}-{config.region}"}.get(rtype)
                if rtype == "aws_secretsmanager_secret":
                    assert name.startswith(f"ai-investment/{env_name}/"), f"{rtype}.{address}: {name}"
                else:
                    assert name.endswith(expected_end or f"-{env_name}"), f"{rtype}.{address}: {name}"


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_user_pool_follows_the_environment(env_name: str) -> None:
    config = load_environment(env_name, env={})
    auth = stack_json(env_name, "auth")
    (pool,) = resources(auth, "aws_cognito_user_pool").values()
    assert pool["mfa_configuration"] == config.mfa.value
    assert pool["deletion_protection"] == ("ACTIVE" if config.is_production else "INACTIVE")
    assert pool["password_policy"]["minimum_length"] >= 14
    assert pool["admin_create_user_config"]["allow_admin_create_user_only"] is True
    (client,) = resources(auth, "aws_cognito_user_pool_client").values()
    assert client["generate_secret"] is False
    assert ("implicit" in client["allowed_oauth_flows"]) is config.allow_implicit_grant
    assert "code" in client["allowed_oauth_flows"]
    assert client["callback_urls"] == list(config.oauth_callback_urls)
    (identity_pool,) = resources(auth, "aws_cognito_identity_pool").values()
    assert identity_pool["allow_unauthenticated_identities"] is False
    groups = {g["name"] for g in resources(auth, "aws_cognito_user_group").values()}
    assert groups == {"admin", "analyst", "approver", "viewer"}
    assert all(g["role_arn"] for g in resources(auth, "aws_cognito_user_group").values())


def test_production_has_mfa_required_and_deletion_protection() -> None:
    prod = load_environment("prod", env={})
    assert prod.mfa.value == "ON" and prod.deletion_protection


ACCOUNT_LEVEL_TYPES = ("aws_api_gateway_account", "aws_ce_cost_allocation_tag", "aws_lambda_account_settings")


def test_no_environment_stack_manages_a_setting_that_exists_once_per_account(stacks) -> None:
    """Several environments share an account: each managing these would repoint them on every apply."""
    for _, stack_name, stack in stacks:
        for rtype in ACCOUNT_LEVEL_TYPES:
            assert not resources(stack, rtype), f"{stack_name} manages {rtype}"

"""The compute stack: functions, their logs, queues and least privilege derived from what they use."""

from __future__ import annotations

import importlib
import json
import os
import re
from typing import Any

import pytest

from modules.catalog.functions import FUNCTIONS, FunctionSpec
from modules.catalog.routes import ROUTES
from modules.config import ENVIRONMENT_NAMES, Naming, load_environment
from modules.packaging.function_package import import_closure
from modules.packaging.layer import LAMBDA_RUNTIME
from tests.support.iam import function_grants, role_policies
from tests.support.references import Address, References
from tests.support.synthesized import resources, stacks_by_env
from tests.support.variants import timestream_stacks

# Variables the platform sets for every function that the code reads through libraries or not at all.
PLATFORM_VARIABLES = {"POWERTOOLS_LOG_LEVEL", "ENVIRONMENT"}


@pytest.fixture(scope="module")
def by_env(synth_root) -> dict[str, dict[str, dict[str, Any]]]:
    return stacks_by_env()


def compute(by_env, env_name: str) -> tuple[str, dict[str, Any]]:
    name = Naming(load_environment(env_name, env={})).stack("compute")
    return name, by_env[env_name][name]


def function_entry(stack: dict[str, Any], spec: FunctionSpec, env_name: str) -> tuple[str, dict[str, Any]]:
    physical = Naming(load_environment(env_name, env={})).function(spec.name)
    for address, function in resources(stack, "aws_lambda_function").items():
        if function["function_name"] == physical:
            return address, function
    raise AssertionError(f"{physical} is not in the compute stack")


# Worked out by hand from the sizing rule (burst x typical duration for REST functions, plus the queue mapping's
# concurrency, plus one for a schedule) and prod's settings (burst 100), not by the code under test: score 100 x 1.0 s
# + 10 from its queue; orchestrator 100 x 0.5 s + 2 from its queue + 1 for its schedule. Only prod reserves.
RESERVED_BY_HAND: dict[str, dict[str, int]] = {"dev": {}, "staging": {}, "prod": {"score": 110, "orchestrator": 53}}


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_every_function_logs_json_to_its_own_encrypted_log_group_kept_one_month(by_env, env_name: str) -> None:
    config = load_environment(env_name, env={})
    _, stack = compute(by_env, env_name)
    groups = {g["name"]: g for g in resources(stack, "aws_cloudwatch_log_group").values()}
    for spec in FUNCTIONS:
        _, function = function_entry(stack, spec, env_name)
        group = groups[Naming(config).log_group(spec.name)]
        assert group["retention_in_days"] == config.log_retention_days == 30
        assert "kms_key" in group["kms_key_id"]
        assert function["logging_config"]["log_format"] == "JSON"
        assert function["logging_config"]["log_group"].startswith("${aws_cloudwatch_log_group.")
        assert function["tracing_config"]["mode"] == "Active"
        assert function["runtime"] == LAMBDA_RUNTIME
        assert function["layers"] and function["source_code_hash"]
        assert function.get("reserved_concurrent_executions") == RESERVED_BY_HAND[env_name].get(spec.name)


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_queues_are_encrypted_redriven_and_outlive_nothing_they_protect(by_env, env_name: str) -> None:
    _, stack = compute(by_env, env_name)
    queues = resources(stack, "aws_sqs_queue")
    by_arn = {f"${{aws_sqs_queue.{a}.arn}}": q for a, q in queues.items()}
    timeouts = {f"${{aws_lambda_function.{a}.function_name}}": f["timeout"]
                for a, f in resources(stack, "aws_lambda_function").items()}
    redrives = redrive_policies(stack)
    for address, queue in queues.items():
        assert "kms_key" in queue["kms_master_key_id"]
        # Only the redrive resource sets it: the queue's own argument as well would undo it at every apply.
        assert "redrive_policy" not in queue, address
        if address in redrives:
            redrive = redrives[address]
            assert 1 <= redrive["maxReceiveCount"] <= 10
            assert by_arn[redrive["deadLetterTargetArn"]]["message_retention_seconds"] > queue[
                "message_retention_seconds"]
    for policy in resources(stack, "aws_sqs_queue_policy").values():
        denies = [s for s in json.loads(policy["policy"])["Statement"] if s["Effect"] == "Deny"]
        assert denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    for mapping in resources(stack, "aws_lambda_event_source_mapping").values():
        assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
        source = by_arn.get(mapping["event_source_arn"])
        if source is not None:  # an SQS mapping: visibility at least six times the function timeout
            address = mapping["event_source_arn"].split(".")[1]
            assert address in redrives
            # Nothing is consumed before a failing message has somewhere to go.
            assert any(d.startswith("aws_sqs_queue_redrive_policy.") for d in mapping.get("depends_on", [])), address
            assert source["visibility_timeout_seconds"] >= 6 * timeouts[mapping["function_name"]]


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_schedules_retry_and_dead_letter(by_env, env_name: str) -> None:
    _, stack = compute(by_env, env_name)
    scheduled = [s for s in FUNCTIONS if s.uses.schedule]
    rules = resources(stack, "aws_cloudwatch_event_rule")
    assert sorted(r["schedule_expression"] for r in rules.values()) == sorted(s.uses.schedule for s in scheduled)
    for target in resources(stack, "aws_cloudwatch_event_target").values():
        assert target["retry_policy"]["maximum_retry_attempts"] >= 1
        assert target["dead_letter_config"]["arn"].startswith("${aws_sqs_queue.")
    for permission in resources(stack, "aws_lambda_permission").values():
        assert permission["source_arn"].startswith("${aws_cloudwatch_event_rule.")


def assert_least_privilege(stacks: dict[str, dict[str, Any]], env_name: str) -> None:
    """Every resource in a function's grants is named by its environment variables, is one of its triggers or
    failure destinations, its own log group, or the customer key."""
    refs = References(stacks)
    compute_name = Naming(load_environment(env_name, env={})).stack("compute")
    stack = stacks[compute_name]
    roles: dict[Address, set[Address]] = {}
    for spec in FUNCTIONS:
        address, function = function_entry(stack, spec, env_name)
        (role,) = refs.resolve(compute_name, function["role"])
        me = {Address(compute_name, f"aws_lambda_function.{address}")}
        allowed = refs.resolve(compute_name, function["environment"]["variables"])
        allowed |= refs.resolve(compute_name, function.get("dead_letter_config", {}))
        for mapping in resources(stack, "aws_lambda_event_source_mapping").values():
            if refs.resolve(compute_name, mapping["function_name"]) & me:
                allowed |= refs.resolve(compute_name, [mapping["event_source_arn"], mapping.get("destination_config")])
        roles[role] = allowed
    checked = 0
    for policy in role_policies(stacks):
        role = refs.resolve(policy.stack, policy.role)
        if not role or next(iter(role)) not in roles:
            continue
        checked += 1
        allowed = roles[next(iter(role))]
        for statement in policy.document["Statement"]:
            touched = refs.resolve(policy.stack, statement["Resource"])
            touched = {a for a in touched if not a.resource.startswith("aws_kms_key.")}
            assert touched <= allowed, f"{policy.name} on {next(iter(role)).resource} reaches {touched - allowed}"
    assert checked >= len(FUNCTIONS)


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_no_function_can_touch_what_its_configuration_does_not_name(by_env, env_name: str) -> None:
    assert_least_privilege(by_env[env_name], env_name)


def test_no_function_can_touch_what_its_configuration_does_not_name_with_timestream(synth_root) -> None:
    assert_least_privilege(timestream_stacks(), "dev")


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_the_code_finds_every_setting_it_requires_and_reads_every_one_it_gets(
        by_env, env_name: str, spec: FunctionSpec, monkeypatch) -> None:
    _, stack = compute(by_env, env_name)
    _, function = function_entry(stack, spec, env_name)
    variables = function["environment"]["variables"]
    for name in list(os.environ):
        if re.fullmatch(r"[A-Z_]+_(TABLE|BUCKET|ARN|URL|URLS|ENDPOINT|STORE|DATABASE)", name):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    settings = importlib.import_module(f"functions.{spec.package}.settings")
    settings.load()  # raises SettingError naming any required variable the stack does not set
    sources = "\n".join(p.read_text() for p in import_closure(spec.package))
    unread = {n for n in variables if n not in PLATFORM_VARIABLES and f'"{n}"' not in sources}
    assert not unread, f"{spec.name} is given variables its code never reads: {unread}"


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_the_erasing_function_may_list_and_delete_object_versions(by_env, env_name: str) -> None:
    """GDPR erasure deletes every version of an object: it must be allowed to list the versions."""
    (erase,) = [r for r in ROUTES if r.path == "/gdpr/erase"]
    compute_name, stack = compute(by_env, env_name)
    refs = References(by_env[env_name])
    spec = next(s for s in FUNCTIONS if s.name == erase.function)
    _, function = function_entry(stack, spec, env_name)
    role = refs.resolve(compute_name, function["role"])
    actions = {a for policy in role_policies(by_env[env_name]) if refs.resolve(policy.stack, policy.role) == role
               for s in policy.document["Statement"] for a in s["Action"]}
    assert {"s3:ListBucketVersions", "s3:DeleteObjectVersion"} <= actions


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_reservations_cover_what_the_throttle_admits_and_every_queue_fits_its_function(
        by_env, env_name: str) -> None:
    """Reserved concurrency is at least burst x duration for REST functions (plus queue and schedule), and no
    SQS mapping may start more invocations than its function's reservation allows."""
    config = load_environment(env_name, env={})
    _, stack = compute(by_env, env_name)
    throttle = config.api_throttle
    rest = {r.function for r in ROUTES}
    by_ref = {}
    for spec in FUNCTIONS:
        address, function = function_entry(stack, spec, env_name)
        by_ref[f"${{aws_lambda_function.{address}.function_name}}"] = (spec, function)
        reserved = function.get("reserved_concurrent_executions")
        assert (reserved is not None) is (spec.name in config.reserved_functions), spec.name
        if reserved is None:
            continue
        floor = (throttle.burst_limit * spec.typical_duration_seconds if spec.name in rest else 0)
        floor += spec.queue_concurrency if spec.uses.consumes else 0
        assert reserved >= floor, f"{spec.name}: {reserved} < {floor}"
    sqs = [m for m in resources(stack, "aws_lambda_event_source_mapping").values()
           if m["event_source_arn"].startswith("${aws_sqs_queue.")]
    assert sqs
    for mapping in sqs:
        spec, function = by_ref[mapping["function_name"]]
        maximum = mapping["scaling_config"]["maximum_concurrency"]
        assert maximum >= 2  # AWS: an SQS mapping's maximum_concurrency is 2 to 1000
        reserved = function.get("reserved_concurrent_executions")
        assert reserved is None or maximum <= reserved, f"{spec.name}: queue {maximum} > reserved {reserved}"


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_every_dead_letter_queue_names_the_queues_that_may_use_it(by_env, env_name: str) -> None:
    _, stack = compute(by_env, env_name)
    queues = resources(stack, "aws_sqs_queue")
    sources: dict[str, list[str]] = {}
    for address, redrive in redrive_policies(stack).items():
        sources.setdefault(redrive["deadLetterTargetArn"], []).append(f"${{aws_sqs_queue.{address}.arn}}")
    allows = {a["queue_url"]: json.loads(a["redrive_allow_policy"])
              for a in resources(stack, "aws_sqs_queue_redrive_allow_policy").values()}
    dead_letters = [a for a, q in queues.items() if "dlq" in q["name"].split("-")]
    assert dead_letters and len(allows) == len(dead_letters)
    for address in dead_letters:
        allowed = allows[f"${{aws_sqs_queue.{address}.url}}"]
        named = sources.get(f"${{aws_sqs_queue.{address}.arn}}")
        if named:
            assert allowed == {"redrivePermission": "byQueue", "sourceQueueArns": named}, address
        else:
            assert allowed == {"redrivePermission": "denyAll"}, address


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_every_function_behind_a_rest_route_ends_before_the_integration_timeout(by_env, env_name: str) -> None:
    """API Gateway stops waiting after 29 s: a function that runs longer answers a 504 while the work goes
    on (and a retry starts it twice). Long work behind the API is a job instead."""
    from modules.catalog.openapi import INTEGRATION_TIMEOUT_MS

    _, stack = compute(by_env, env_name)
    for spec in FUNCTIONS:
        if any(route.function == spec.name for route in ROUTES):
            _, function = function_entry(stack, spec, env_name)
            assert function["timeout"] * 1000 < INTEGRATION_TIMEOUT_MS, spec.name


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_every_function_reads_exactly_the_secrets_its_catalog_entry_names(by_env, env_name: str) -> None:
    """Missing grants fail at run time only: the secret a function is given must also be readable by it."""
    n = Naming(load_environment(env_name, env={}))
    for spec in FUNCTIONS:
        grants = function_grants(by_env[env_name], n.stack("compute"), n.function(spec.name))
        readable = grants.get("secretsmanager:GetSecretValue", set())
        assert readable == {f"aws_secretsmanager_secret:{n.secret(s)}" for s in spec.uses.secrets}, spec.name


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_the_creator_mark_key_is_read_by_exactly_the_functions_that_compute_marks(by_env, env_name: str) -> None:
    """The key of the keyed creator mark (functions/shared/marks.py) is the environment's own secret, encrypted
    with its customer key, and only the functions whose code computes a mark may read it."""
    from modules.catalog.secrets import CREATOR_MARK_KEY
    from modules.packaging.function_package import FUNCTIONS_ROOT

    n = Naming(load_environment(env_name, env={}))
    security = by_env[env_name][n.stack("security")]
    [secret] = [s for s in resources(security, "aws_secretsmanager_secret").values()
                if s["name"] == n.secret(CREATOR_MARK_KEY.name)]
    assert secret["kms_key_id"].startswith("${aws_kms_key.")
    computing = {spec.name for spec in FUNCTIONS
                 if FUNCTIONS_ROOT / "shared" / "marks.py" in import_closure(spec.package)}
    assert computing == {"orchestrator"}
    readers = {spec.name for spec in FUNCTIONS
               if f"aws_secretsmanager_secret:{n.secret(CREATOR_MARK_KEY.name)}" in function_grants(
                   by_env[env_name], n.stack("compute"), n.function(spec.name)).get("secretsmanager:GetSecretValue",
                                                                                    set())}
    assert readers == computing


def redrive_policies(stack: dict) -> dict[str, dict]:
    """Queue address -> its redrive policy, from the stack's `aws_sqs_queue_redrive_policy` resources."""
    policies = {}
    for redrive in resources(stack, "aws_sqs_queue_redrive_policy").values():
        address = redrive["queue_url"].removeprefix("${aws_sqs_queue.").removesuffix(".url}")
        policies[address] = json.loads(redrive["redrive_policy"])
    return policies

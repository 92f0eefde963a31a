"""dev end to end with the real AWS provider on a fresh emulator: bootstrap, plan, apply, outputs, a clean re-plan,
the reviewed apply, drift, a code change planned exactly, and destroy that keeps exactly the retained data."""

from __future__ import annotations

import json

import pytest

from cli.plans import policy_check
from modules.catalog import entry_points
from modules.catalog.retention import RETAIN_MARKER
from tests.deploy.conftest import Deployment, check_failures_are_known, configured_resources

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real-stacks-dev")]

ENV = "dev"
KINDS = ("security", "auth", "data", "compute", "api", "observability")


def report(d: Deployment, plan_dir: str) -> dict:
    return json.loads((d.root / plan_dir / "report.json").read_text())


def short(name: str) -> str:
    return name.removeprefix("ai-investment-").removesuffix(f"-{ENV}")


def changed_addresses(bundle: dict) -> dict[str, set[str]]:
    """stack kind -> every address the plan adds, changes, replaces or destroys (only stacks with any)."""
    result = {}
    for name, entry in bundle["stacks"].items():
        c = entry["changes"]
        addresses = {*c["add"], *c["change"], *c["replace"], *c["destroy"]}
        if addresses:
            result[short(name)] = addresses
    return result


def assert_policy_clean(d: Deployment, plan_dir: str, expected_plans: int) -> None:
    files = policy_check.plan_files(d.root / plan_dir)
    assert len(files) == expected_plans and all(f.is_file() for f in files), files
    findings, bad, passed = policy_check.check_bundle(d.root / plan_dir)
    print(f"policy check of {plan_dir}: {passed} passed, {len(findings)} findings, {len(bad)} not accepted")
    assert passed > 0 and not bad, "\n".join(f"{f.check} {f.resource}" for f in bad)


def test_dev_end_to_end(deployment: Deployment, real_provider: str) -> None:
    d = deployment
    done = d.run("bootstrap", "--env", ENV)
    assert done.returncode == 0, done.stdout + done.stderr

    # A fresh environment: the roots plan; every other stack is blocked by the upstream it reads.
    first = d.run("plan", "--env", ENV, "--out", "plans/first")
    assert first.returncode == 3, first.stdout + first.stderr
    stacks = report(d, "plans/first")["stacks"]
    statuses = {short(n): s["status"] for n, s in stacks.items()}
    assert statuses == {"security": "changes", "auth": "changes", "data": "blocked", "compute": "blocked",
                        "api": "blocked", "observability": "blocked"}, statuses
    blocked_by = {short(n): short(s["blocked_by"]) for n, s in stacks.items() if s["blocked_by"]}
    assert blocked_by["data"] == "security", blocked_by
    assert blocked_by["compute"] in ("security", "auth"), blocked_by
    assert (d.root / "plans/first/summary.md").read_text().count("blocked by") >= 4
    assert_policy_clean(d, "plans/first", expected_plans=2)

    # The whole environment in one apply: every configured resource created, state in the bucket, no lock.
    applied = d.run("apply", "--env", ENV)
    check_failures_are_known(applied.stdout + applied.stderr)
    assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr[-4000:]
    configured = {short(n): configured_resources(s) for n, s in d.synthesized(ENV).items()}
    in_state = {kind: d.managed_in_state(ENV, kind) for kind in KINDS}
    total = sum(len(r) for r in configured.values())
    created = sum(len(in_state[k] & configured[k]) for k in KINDS)
    print(f"applied {created} of {total} resources ({real_provider})")
    assert {k: configured[k] - in_state[k] for k in KINDS if configured[k] - in_state[k]} == {}
    assert d.lock_items(ENV) == []

    # apply ends with the entry points; `output --json` has what clients and the dashboard need.
    assert "entry points:" in applied.stdout
    outputs = d.run("output", "--env", ENV, "--json")
    assert outputs.returncode == 0, outputs.stderr
    values = {key: value for stack in json.loads(outputs.stdout).values() for key, value in stack.items()}
    for key in ("rest_api_url", "websocket_url", "user_pool_id", "user_pool_client_id", "hosted_ui_url",
                "dashboard_name", "dashboard_url"):
        assert values.get(key), f"output {key} is missing or empty: {sorted(values)}"
        if key.endswith("_url") and key != "websocket_url":
            assert values[key].startswith("https://"), (key, values[key])
            assert f"  {values[key]}" not in applied.stdout  # printed with its label, below
    assert values["websocket_url"].startswith("wss://")
    assert values["dashboard_url"] == entry_points.console_dashboard_url("eu-central-1", values["dashboard_name"])
    for key in ("rest_api_url", "dashboard_url", "hosted_ui_url"):
        assert values[key] in applied.stdout, f"apply did not end with {key}"

    # Applied and unchanged: the plan is empty (a perpetual diff is a defect of the stacks) and passes policy.
    again = d.run("plan", "--env", ENV, "--out", "plans/again")
    assert again.returncode == 0, changed_addresses(report(d, "plans/again")) if (
        d.root / "plans/again/report.json").is_file() else again.stdout[-4000:]
    assert_policy_clean(d, "plans/again", expected_plans=6)
    reviewed = d.run("apply", "--env", ENV, "--plan", "plans/again")
    assert reviewed.returncode == 0, reviewed.stdout[-3000:] + reviewed.stderr
    drift = d.run("drift", "--env", ENV)
    assert drift.returncode == 0, drift.stdout[-3000:] + drift.stderr

    # One function's code changes: the plan shows exactly that function, nothing else anywhere.
    handler = d.root / "functions" / "score" / "handler.py"
    handler.write_text(handler.read_text() + "\n# a change a developer makes\n")
    changed = d.run("plan", "--env", ENV, "--out", "plans/change")
    assert changed.returncode == 2, changed.stdout[-4000:] + changed.stderr
    bundle = report(d, "plans/change")
    changes = changed_addresses(bundle)
    score = [a for a in configured["compute"] if a.startswith("aws_lambda_function.Function-score_")]
    assert changes == {"compute": set(score)}, changes
    compute = next(e for n, e in bundle["stacks"].items() if short(n) == "compute")["changes"]
    assert compute["change"] == score and not compute["replace"], compute
    assert_policy_clean(d, "plans/change", expected_plans=6)
    assert d.run("apply", "--env", ENV, "--plan", "plans/change").returncode == 0


@pytest.mark.xdist_group("real-stacks-dev-destroy")
def test_dev_destroy_keeps_exactly_the_retained_data(deployment: Deployment) -> None:
    """The stacks that hold data and its key, applied and destroyed with the whole environment: exactly the retained
    resources remain, listed, and the data is still there and readable. (The full six-stack destroy runs in the prod
    test; the compute stack's queues alone take the provider over two minutes to delete, so it is not repeated.)"""
    d = deployment
    assert d.run("bootstrap", "--env", ENV).returncode == 0
    applied = d.run("apply", "--env", ENV, "--stack", "security", "--stack", "data", "--stack", "auth")
    assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr[-2000:]
    outputs = d.run("output", "--env", ENV, "--stack", "security", "--json")
    assert outputs.returncode == 0, outputs.stderr
    values = {key: value for stack in json.loads(outputs.stdout).values() for key, value in stack.items()}
    holding = ("security", "data", "auth")
    configured = {short(n): configured_resources(s) for n, s in d.synthesized(ENV).items()}
    assert all(d.managed_in_state(ENV, k) == configured[k] for k in holding)

    # Data written to the environment, to be found again after the destroy. (The buckets refuse plain HTTP, which
    # is all the emulator speaks, so the data is a table item; the buckets are checked for their key.)
    naming = d.naming(ENV)
    raw_bucket, signals = naming.bucket("raw-data"), naming.resource("signals")
    key_arn = values["kms_key_arn"]
    with pytest.raises(Exception, match=r"Forbidden|AccessDenied"):
        d.boto("s3").put_object(Bucket=raw_bucket, Key="plain-http.json", Body=b"{}")
    row_key = _key(d, signals)
    d.boto("dynamodb").put_item(TableName=signals, Item={**row_key, "kept": {"BOOL": True}})

    # destroy: everything goes except the retained resources, which are listed and still there, readable.
    destroyed = d.run("destroy", "--env", ENV, "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr
    assert d.lock_items(ENV) == []
    retained = {k: _retained(s) for k, s in ((short(n), s) for n, s in d.synthesized(ENV).items())}
    for kind in holding:
        assert d.managed_in_state(ENV, kind) == set(), kind
        for address in retained[kind]:
            assert address.split(".", 1)[1] in destroyed.stdout or address in destroyed.stdout, address
    assert sum(len(r) for r in retained.values()) > 0
    s3 = d.boto("s3")
    for bucket in d.synthesized(ENV)[naming.stack("data")]["resource"]["aws_s3_bucket"].values():
        s3.head_bucket(Bucket=bucket["bucket"])
        rules = s3.get_bucket_encryption(Bucket=bucket["bucket"])["ServerSideEncryptionConfiguration"]["Rules"]
        default = rules[0]["ApplyServerSideEncryptionByDefault"]
        if bucket["bucket"] != naming.bucket("access-logs"):  # log delivery takes SSE-S3 only
            assert default == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}, default
    key = d.boto("kms").describe_key(KeyId=key_arn)["KeyMetadata"]
    assert key["KeyState"] == "Enabled", key
    item = d.boto("dynamodb").get_item(TableName=signals, Key=row_key, ConsistentRead=True)
    assert item["Item"]["kept"] == {"BOOL": True}
    print(f"destroy kept {sum(len(r) for r in retained.values())} retained resources")


def _key(d: Deployment, table: str) -> dict[str, dict[str, str]]:
    """A key of the table as deployed: every key attribute with a value of its declared type."""
    described = d.boto("dynamodb").describe_table(TableName=table)["Table"]
    types = {a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]}
    return {k["AttributeName"]: {types[k["AttributeName"]]: "1" if types[k["AttributeName"]] == "N" else "kept-1"}
            for k in described["KeySchema"]}


def _retained(stack: dict) -> set[str]:
    """Addresses whose JSON comment block carries the retain marker (modules/catalog/retention.py)."""
    return {f"{kind}.{name}" for kind, named in stack.get("resource", {}).items()
            for name, body in named.items() if RETAIN_MARKER in json.dumps(body.get("//", {}))}

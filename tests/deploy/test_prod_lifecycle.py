"""prod with the real AWS provider on its own fresh emulator: the typed confirmation, a clean re-plan, and a
destroy that keeps the deletion-protected and retained resources (data, key, user pool) as the README says."""

from __future__ import annotations

import json

import pytest

from modules.catalog.retention import RETAIN_MARKER
from tests.deploy.conftest import Deployment, check_failures_are_known, configured_resources

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real-stacks-prod")]

ENV = "prod"


def short(name: str) -> str:
    return name.removeprefix("ai-investment-").removesuffix(f"-{ENV}")


def test_prod_apply_replan_destroy(deployment: Deployment, real_provider: str) -> None:
    d = deployment
    assert d.run("bootstrap", "--env", ENV).returncode == 0

    # Without a terminal prod refuses; a wrong name changes nothing; the typed name applies.
    refused = d.run("apply", "--env", ENV)
    assert refused.returncode != 0 and "confirmation" in refused.stderr, refused.stderr
    wrong = d.run("apply", "--env", ENV, input_tty="dev")
    assert wrong.returncode != 0 and "nothing was changed" in wrong.stderr, wrong.stdout + wrong.stderr
    assert d.lock_items(ENV) == []
    applied = d.run("apply", "--env", ENV, input_tty=ENV)
    check_failures_are_known(applied.stdout + applied.stderr)
    assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr[-4000:]
    synthesized = {short(n): s for n, s in d.synthesized(ENV).items()}
    configured = {k: configured_resources(s) for k, s in synthesized.items()}
    in_state = {k: d.managed_in_state(ENV, k) for k in configured}
    missing = {k: configured[k] - in_state[k] for k in configured if configured[k] - in_state[k]}
    print(f"applied {sum(len(in_state[k] & configured[k]) for k in configured)} of "
          f"{sum(len(c) for c in configured.values())} resources in prod ({real_provider})")
    assert missing == {}
    assert "entry points:" in applied.stdout

    again = d.run("plan", "--env", ENV, "--out", "plans/prod")
    assert again.returncode == 0, (d.root / "plans/prod/summary.md").read_text()[-4000:] if (
        d.root / "plans/prod/summary.md").is_file() else again.stdout[-4000:]

    # destroy: typed confirmation; deletion-protected resources are all retained, listed, and still there.
    destroyed = d.run("destroy", "--env", ENV, input_tty=ENV)
    assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr[-2000:]
    assert d.lock_items(ENV) == []
    for kind in configured:
        assert d.managed_in_state(ENV, kind) == set(), kind
    retained = {f"{t}.{n}" for s in synthesized.values() for t, named in s.get("resource", {}).items()
                for n, body in named.items() if RETAIN_MARKER in json.dumps(body.get("//", {}))}
    protected = {f"{t}.{n}" for s in synthesized.values() for t, named in s.get("resource", {}).items()
                 for n, body in named.items() if body.get("deletion_protection") in (True, "ACTIVE")}
    assert protected and protected <= retained, protected - retained
    for address in retained:
        assert address.split(".", 1)[1] in destroyed.stdout, f"{address} is not listed as retained"
    pools = d.boto("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
    assert [p["Name"] for p in pools] == [d.naming(ENV).resource("users")], pools
    for table in synthesized["data"]["resource"]["aws_dynamodb_table"].values():
        if RETAIN_MARKER in json.dumps(table.get("//", {})):
            assert d.boto("dynamodb").describe_table(TableName=table["name"])["Table"]["DeletionProtectionEnabled"]

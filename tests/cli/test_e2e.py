"""End to end: the real `aiinv` and a real Terraform, state in S3 and locks in DynamoDB on moto_server."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Workspace

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("aiinv-e2e"),
]


def _report(ws: Workspace, plan_dir: str = "plans/dev") -> dict:
    return json.loads((ws.root / plan_dir / "report.json").read_text())


def _statuses(ws: Workspace, plan_dir: str = "plans/dev") -> dict[str, str]:
    return {_short(n): s["status"] for n, s in _report(ws, plan_dir)["stacks"].items()}


def _short(name: str) -> str:
    return name.split("-")[1]


def _bootstrap(ws: Workspace) -> None:
    done = ws.run("bootstrap", "--env", "dev")
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout


def _apply_all(ws: Workspace, **env: str) -> None:
    done = ws.run("apply", "--env", "dev", **env)
    assert done.returncode == 0, done.stdout + done.stderr


def _lock_items(ws: Workspace) -> list[dict]:
    return ws.lock_items()


def test_bootstrap_plan_apply_output_replan_destroy(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    again = ws.run("bootstrap", "--env", "dev")
    rows = dict(line.split(": ", 1) for line in again.stdout.splitlines())
    assert again.returncode == 0, again.stdout + again.stderr
    assert rows[f"state bucket {ws.naming.state_bucket()}"] == "already existed (settings ensured)"
    assert rows[f"lock table {ws.naming.state_lock_table()}"] == "already existed (settings ensured)"
    # The logging role is the account's: this workspace's, unless another workspace on the shared emulator set
    # one before (then it is kept); which one the account points at decides the expected line.
    role = ws.boto("apigateway").get_account()["cloudwatchRoleArn"]
    (role_row,) = [v for k, v in rows.items() if k.startswith("API Gateway logging role")]
    assert role_row == ("already existed (settings ensured)" if f"role/{ws.project}-" in role
                        else "kept (set before, by someone else)")
    assert "cost-allocation tag environment: active" in again.stdout
    bucket = ws.boto("s3").get_bucket_versioning(Bucket=ws.naming.state_bucket())
    assert bucket["Status"] == "Enabled"

    # A never-applied graph: only the roots can be planned honestly; the rest is blocked (exit 3).
    first = ws.run("plan", "--env", "dev")
    assert first.returncode == 3, first.stdout + first.stderr
    statuses = _statuses(ws)
    assert statuses["security"] == statuses["auth"] == "changes"
    assert {s for k, s in statuses.items() if k not in ("security", "auth")} == {"blocked"}
    assert _report(ws)["stacks"][f"{ws.project}-data-dev"]["blocked_by"] == f"{ws.project}-security-dev"
    summary = (ws.root / "plans/dev/summary.md").read_text()
    assert "blocked by" in summary and len(summary) < 65_536
    for kind in ("security", "auth"):
        stack_dir = ws.root / "plans/dev" / f"{ws.project}-{kind}-dev"
        assert (stack_dir / "tfplan").is_file()
        # The reviewer's text is Terraform's rendering of this very plan (it is made beside the next stacks).
        planned = [c["address"] for c in json.loads((stack_dir / "tfplan.json").read_text())["resource_changes"]]
        text = (stack_dir / "tfplan.txt").read_text()
        assert planned and "Terraform will perform the following actions" in text, text[:2000]
        assert [a for a in planned if f"# {a} will be created" not in text] == []

    # Review and apply the saved plans wave by wave: security+auth, data, compute, api, observability.
    waves = 0
    code = first.returncode
    while code == 3:
        applied = ws.run("apply", "--env", "dev", "--plan", "plans/dev")
        assert applied.returncode in (0, 3), applied.stdout + applied.stderr
        waves += 1
        replanned = ws.run("plan", "--env", "dev")
        code = replanned.returncode
        assert code in (0, 2, 3), replanned.stdout + replanned.stderr
    assert waves == 4 and code == 2
    assert _statuses(ws)["observability"] == "changes"
    final = ws.run("apply", "--env", "dev", "--plan", "plans/dev")
    assert final.returncode == 0, final.stdout + final.stderr

    out = ws.run("output", "--env", "dev", "--json")
    assert out.returncode == 0, out.stderr
    values = json.loads(out.stdout)
    api = values[f"{ws.project}-api-dev"]["name"]
    assert api["compute"]["data"]["security"]["name"] == f"{ws.project}-security-dev"

    clean = ws.run("plan", "--env", "dev")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert set(_statuses(ws).values()) == {"no changes"}

    gone = ws.run("destroy", "--env", "dev", "--auto-approve")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    rows = [line.split()[0] for line in gone.stdout.splitlines() if line.startswith(f"{ws.project}-")
            and " destroyed " in line]
    graph = json.loads((ws.root / "cdktf.out/dev/manifest.json").read_text())["stacks"]
    assert len(rows) == len(graph) == 6
    # Terraform's own "Destroy complete!" lines, in the order the stacks finished: dependents first.
    finished = [line.split("]")[0].strip("[ ") for line in gone.stdout.splitlines() if "Destroy complete!" in line]
    assert sorted(finished) == sorted(graph)
    for stack, entry in graph.items():
        assert all(finished.index(stack) < finished.index(u) for u in entry["dependencies"]), finished
    assert "retained (still exists, no longer managed)" in gone.stdout
    assert "terraform_data.raw_bucket" in gone.stdout
    assert _lock_items(ws) == []


def test_drift_exits_2_and_names_the_stack_whose_state_was_changed_outside_terraform(
        workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    _apply_all(ws)
    clean = ws.run("drift", "--env", "dev")
    assert clean.returncode == 0, clean.stdout + clean.stderr

    # Built-in resources have no remote object to change, so change what the state records instead: the
    # security stack's output, with the backend's digest kept consistent, as an edit outside Terraform.
    bucket, key = ws.naming.state_bucket(), ws.naming.state_key("security")
    state = json.loads(ws.boto("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    state["serial"] += 1
    state["outputs"]["name"]["value"]["revision"] = "changed outside terraform"
    body = json.dumps(state).encode()
    ws.boto("s3").put_object(Bucket=bucket, Key=key, Body=body)
    ws.boto("dynamodb").put_item(TableName=ws.naming.state_lock_table(), Item={
        "LockID": {"S": f"{bucket}/{key}-md5"}, "Digest": {"S": hashlib.md5(body).hexdigest()}})

    drifted = ws.run("drift", "--env", "dev")
    assert drifted.returncode == 2, drifted.stdout + drifted.stderr
    rows = {_short(line.split()[0]): line for line in drifted.stdout.splitlines()
            if line.startswith(f"{ws.project}-") and "s " in line}
    assert "changed outside Terraform: output.name" in rows["security"]
    assert all("no changes" in row for name, row in rows.items() if name != "security"), rows


def test_destroy_refuses_before_touching_state_when_a_stack_would_block_it(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    _apply_all(ws, AIINV_FIXTURE_GUARDED="compute")

    refused = ws.run("destroy", "--env", "dev", "--auto-approve", AIINV_FIXTURE_GUARDED="compute")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    (line,) = [x for x in refused.stderr.splitlines() if x.startswith("error:")]
    assert "nothing was destroyed" in line and f"{ws.project}-compute-dev: terraform_data.guarded_forgotten" in line
    assert "Destroy complete!" not in refused.stdout
    # Every stack keeps its state, the retained bucket included (it was not removed from state).
    for kind in ("security", "data", "compute", "observability"):
        body = ws.boto("s3").get_object(Bucket=ws.naming.state_bucket(), Key=ws.naming.state_key(kind))["Body"]
        addresses = {f"{r['type']}.{r['name']}" for r in json.loads(body.read())["resources"]}
        assert "terraform_data.main" in addresses, kind
        if kind == "data":
            assert "terraform_data.raw_bucket" in addresses

    # Once the configuration no longer guards it, the same destroy goes through.
    gone = ws.run("destroy", "--env", "dev", "--auto-approve")
    assert gone.returncode == 0, gone.stdout + gone.stderr


def test_two_concurrent_applies_one_fails_on_the_environment_lock_and_state_stays_intact(
        workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    _apply_all(ws)
    release = ws.root / "release-security"
    slow = {"AIINV_FIXTURE_REVISION": "2", "AIINV_FIXTURE_HOLD": f"security:{release}"}
    first = ws.popen("apply", "--env", "dev", "--stack", "security", **slow)
    _wait_for(first, "Provisioning with 'local-exec'")
    held = {i["LockID"]["S"]: i for i in _lock_items(ws)}
    holder = held["aiinv-environment"]
    # The first run holds its locks until the test releases it, however long the second takes.
    second = ws.run("apply", "--env", "dev", "--stack", "security", "--skip-synth", **slow)
    assert second.returncode == 1
    message = second.stderr.strip()
    assert len(message.splitlines()) == 1 and message.startswith("error: environment dev is locked by run ")
    run_id = holder["RunID"]["S"]
    for value in (run_id, "apply by ", holder["Since"]["S"], f"aiinv unlock --env dev {run_id}"):
        assert value in message, (value, message)
    assert {i["LockID"]["S"]: i for i in _lock_items(ws)} == held  # the loser touched no lock
    release.touch()
    rest, _ = first.communicate(timeout=120)
    assert first.returncode == 0, rest
    assert _lock_items(ws) == []
    assert ws.state("security")["resources"][0]["instances"][0]["attributes"]["input"]["value"]["revision"] == "2"
    check = ws.run("plan", "--env", "dev", "--stack", "security", **slow)
    assert check.returncode == 0, check.stdout + check.stderr


def test_failing_stack_skips_dependents_and_independent_stacks_finish(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    done = ws.run("apply", "--env", "dev", "--parallelism", "2", AIINV_FIXTURE_FAIL="data")
    assert done.returncode == 1, done.stdout + done.stderr
    rows = {_short(line.split()[0]): line for line in done.stdout.splitlines()
            if line.startswith(f"{ws.project}-") and "s " in line}
    assert " failed " in rows["data"] and "fixture: data is set up to fail" in done.stdout
    assert " applied " in rows["security"] and " applied " in rows["auth"]
    for downstream in ("compute", "api", "observability"):
        assert " skipped " in rows[downstream]


@pytest.mark.parametrize(("signum", "code", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                       (signal.SIGTERM, 143, "terminated")])
def test_a_stop_signal_during_apply_releases_the_lock_and_exits_with_its_code(
        workspace: Workspace, signum: int, code: int, word: str) -> None:
    ws = workspace
    _bootstrap(ws)
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_SLEEP="security:60")
    _wait_for(running, "Provisioning with 'local-exec'")
    running.send_signal(signum)
    rest, _ = running.communicate(timeout=60)
    assert running.returncode == code, rest
    assert rest.strip().splitlines()[-1].startswith(f"error: {word}; "), rest
    assert "no state lock remains" in rest
    assert _lock_items(ws) == []
    # What Terraform created before the stop is in state, not stranded outside it.
    assert "terraform_data.main" in ws.state_addresses("security")
    again = ws.run("plan", "--env", "dev", "--stack", "security")
    assert "locked" not in again.stdout + again.stderr
    # The stopped apply wrote no outputs (changes: exit 2), and nothing of what it created is to be added again; the
    # sleeping resource is in state (tainted, so destroyed now) or not, depending on where Terraform stopped it.
    assert again.returncode == 2, again.stdout + again.stderr
    assert "0 to add, 0 to change," in again.stdout


def test_bundled_terraform_is_used_when_none_is_on_path(workspace: Workspace, tmp_path: Path) -> None:
    ws = workspace
    _bootstrap(ws)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("node", "sh", "sleep"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    done = ws.run("plan", "--env", "dev", "--stack", "security", PATH=str(bin_dir))
    assert done.returncode == 2, done.stdout + done.stderr
    assert _statuses(ws)["security"] == "changes"


def _wait_for(proc, text: str, timeout: float = 90) -> None:
    """Read the process's output until `text` shows up (the output keeps flowing to the pipe)."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return
    proc.kill()
    pytest.fail(f"never saw {text!r}:\n{''.join(seen)}")

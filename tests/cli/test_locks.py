"""Locks that remain and runs that meet them, judged by the lock table and the state objects on the emulator:
a killed machine (aiinv and its Terraform die at once), `aiinv unlock` refusing a live run, the environment
lock across checkouts, an expired holder, and a backend that was never bootstrapped."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Workspace
from tests.cli.test_faults import _bootstrap, _wait_for

# Their own group: they run beside the main end-to-end group on the other worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("aiinv-faults")]

ENV_LOCK = "aiinv-environment"


def _locks(ws: Workspace) -> dict[str, dict]:
    return {i["LockID"]["S"]: i for i in ws.lock_items()}


def _state_lock(ws: Workspace, kind: str) -> dict:
    item = _locks(ws)[f"{ws.naming.state_bucket()}/{ws.naming.state_key(kind)}"]
    return json.loads(item["Info"]["S"])


def _live_terraform_pids(ws: Workspace) -> list[int]:
    return [json.loads(p.read_text())["pid"] for p in Path(ws.env["AIINV_RUNS_DIR"]).glob("*.json")]


def test_a_killed_machine_leaves_locks_the_next_run_names_and_unlock_removes(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_SLEEP="security:60")
    _wait_for(running, "Provisioning with 'local-exec'")
    terraform = _live_terraform_pids(ws)
    assert len(terraform) == 1
    running.kill()  # aiinv and its Terraform die at once, as with a machine that goes down
    for pid in terraform:

        os.killpg(pid, signal.SIGKILL)
    running.wait(10)
    security = ws.naming.stack("security")
    lock = _state_lock(ws, "security")
    assert ENV_LOCK in _locks(ws)

    # The next run takes over the environment lock of the dead run and meets the state lock.
    met = ws.run("plan", "--env", "dev", "--stack", "security")
    assert met.returncode == 1, met.stdout + met.stderr
    line = next(x for x in met.stdout.splitlines() if x.startswith(security) and " failed " in x)
    since = lock["Created"].replace("T", " ").rstrip("Z")  # Terraform shows it as "<date> <time> +0000 UTC"
    recovery = f"aiinv unlock --env dev --stack {security} {lock['ID']}"
    for value in (lock["ID"], f"apply by {lock['Who']} since {since}", recovery):
        assert value in line, (value, line)
    assert "took over the environment lock" in met.stderr
    assert _state_lock(ws, "security")["ID"] == lock["ID"]
    assert ENV_LOCK not in _locks(ws)  # the second run released what it took over

    wrong = ws.run("unlock", "--env", "dev", "--stack", "security", "not-the-lock")
    assert wrong.returncode == 1 and f"locked by lock {lock['ID']}, not not-the-lock" in wrong.stderr
    assert _state_lock(ws, "security")["ID"] == lock["ID"]

    done = ws.run("unlock", "--env", "dev", "--stack", "security", lock["ID"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"removed lock {lock['ID']} from {security}" in done.stdout
    assert _locks(ws) == {}
    again = ws.run("plan", "--env", "dev", "--stack", "security")
    assert again.returncode == 2, again.stdout + again.stderr


def test_unlock_refuses_while_the_run_holding_the_lock_is_alive(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_SLEEP="security:60")
    _wait_for(running, "Provisioning with 'local-exec'")
    lock = _state_lock(ws, "security")
    run_id = _locks(ws)[ENV_LOCK]["RunID"]["S"]

    state = ws.run("unlock", "--env", "dev", "--stack", "security", lock["ID"])
    assert state.returncode == 1 and "still alive on this machine" in state.stderr, state.stderr
    environment = ws.run("unlock", "--env", "dev", run_id)
    assert environment.returncode == 1 and "still alive on this machine" in environment.stderr, environment.stderr
    assert _state_lock(ws, "security")["ID"] == lock["ID"] and _locks(ws)[ENV_LOCK]["RunID"]["S"] == run_id

    running.send_signal(signal.SIGINT)
    assert running.wait(90) == 130
    assert _locks(ws) == {}


def test_the_environment_lock_keeps_a_destroy_from_another_checkout_out_of_a_running_apply(
        workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> None:
    ws = workspace
    other = Workspace(tmp_path_factory.mktemp("second-checkout"), ws.env, ws.project)
    _bootstrap(ws)
    done = ws.run("apply", "--env", "dev")
    assert done.returncode == 0, done.stdout + done.stderr

    assert other.run("synth", "--env", "dev").returncode == 0  # so that its runs below start at once
    release = ws.root / "release-security"
    applying = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_REVISION="2",
                        AIINV_FIXTURE_HOLD=f"security:{release}")
    _wait_for(applying, "Provisioning with 'local-exec'")
    holder = _locks(ws)[ENV_LOCK]
    refused = other.run("destroy", "--env", "dev", "--auto-approve", "--skip-synth")
    assert refused.returncode == 1
    assert holder["RunID"]["S"] in refused.stderr and "apply by" in refused.stderr, refused.stderr
    assert "Destroy" not in refused.stdout

    waited = other.popen("destroy", "--env", "dev", "--auto-approve", "--lock-timeout", "3m", "--skip-synth")
    _wait_for(waited, f"waiting up to 180s for the environment lock of run {holder['RunID']['S']}")
    # While the apply holds the environment, the waiting destroy has run no Terraform at all (nor did the refused
    # one): its runs' log directory is still empty.
    destroy_logs = other.root / ".aiinv" / "logs" / "dev"
    assert not destroy_logs.exists() or not any(destroy_logs.rglob("*.out"))
    release.touch()
    rest, _ = applying.communicate(timeout=120)
    assert applying.returncode == 0, rest
    out, _ = waited.communicate(timeout=180)
    assert waited.returncode == 0, out
    assert out.count("Destroy complete!") == 6
    assert len(list(destroy_logs.iterdir())) == 1
    for kind in ("security", "auth", "data", "compute", "api", "observability"):
        assert ws.state_addresses(kind) == set(), kind
    assert _locks(ws) == {}


def test_an_expired_environment_lock_is_taken_and_unlock_removes_a_crashed_holder(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    table, ddb = ws.naming.state_lock_table(), ws.boto("dynamodb")

    def holder(run_id: str, expires: int) -> None:
        ddb.put_item(TableName=table, Item={
            "LockID": {"S": ENV_LOCK}, "RunID": {"S": run_id}, "Command": {"S": "apply"},
            "Who": {"S": "ci@elsewhere"}, "Host": {"S": "elsewhere"}, "Pid": {"N": "4242"},
            "Since": {"S": "2026-01-01T00:00:00+00:00"}, "Expires": {"N": str(expires)}})

    holder("expiredrun", int(time.time()) - 1)
    done = ws.run("plan", "--env", "dev", "--stack", "security")
    assert done.returncode == 2, done.stdout + done.stderr
    assert _locks(ws) == {}

    holder("crashedrun", int(time.time()) + 3600)
    blocked = ws.run("plan", "--env", "dev", "--stack", "security")
    assert blocked.returncode == 1 and "locked by run crashedrun (apply by ci@elsewhere" in blocked.stderr
    assert "aiinv unlock --env dev crashedrun" in blocked.stderr
    removed = ws.run("unlock", "--env", "dev", "crashedrun")
    assert removed.returncode == 0, removed.stderr
    assert _locks(ws) == {}
    assert ws.run("plan", "--env", "dev", "--stack", "security").returncode == 2


def test_a_missing_state_bucket_or_lock_table_is_named_with_bootstrap_before_any_terraform(
        workspace: Workspace) -> None:
    ws = workspace
    no_bucket = ws.run("plan", "--env", "dev")
    assert no_bucket.returncode == 1
    message = no_bucket.stderr.strip()
    assert message.startswith(f"error: the state bucket {ws.naming.state_bucket()} does not exist (region eu-central-1")
    assert "aiinv bootstrap --env dev" in message and "account" in message and len(message.splitlines()) == 1
    assert not (ws.root / ".aiinv" / "logs").exists() or not ws.logged("")

    ws.boto("s3").create_bucket(Bucket=ws.naming.state_bucket(),
                                CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    no_table = ws.run("apply", "--env", "dev", "--auto-approve")
    assert no_table.returncode == 1
    assert no_table.stderr.strip() == (
        f"error: the lock table {ws.naming.state_lock_table()} does not exist in "
        "eu-central-1; run `aiinv bootstrap --env dev` (or check the region and account)")
    assert "locked by" not in no_table.stdout + no_table.stderr
    assert ws.boto("s3").list_objects_v2(Bucket=ws.naming.state_bucket()).get("KeyCount") == 0

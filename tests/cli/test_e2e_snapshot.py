"""End to end: a run applies the code it synthesized, even when another run in the same checkout synthesizes
other code while it works (real `aiinv`, real Terraform, state in S3 on moto_server)."""

from __future__ import annotations

import json
import time

import pytest

from tests.cli.conftest import Workspace

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("aiinv-e2e")]


def _revisions(ws: Workspace) -> dict[str, str]:
    """Per stack, the revision its `main` resource holds in the remote state."""
    s3, found = ws.boto("s3"), {}
    for kind in ("security", "auth", "data", "compute", "api", "observability"):
        body = s3.get_object(Bucket=ws.naming.state_bucket(), Key=ws.naming.state_key(kind))["Body"].read()
        state = json.loads(body)
        main = next(r for r in state["resources"] if r["type"] == "terraform_data" and r["name"] == "main")
        found[kind] = main["instances"][0]["attributes"]["input"]["value"]["revision"]
    return found


def test_a_synth_of_other_code_during_an_apply_changes_nothing_the_apply_works_on(workspace: Workspace) -> None:
    ws = workspace
    assert ws.run("bootstrap", "--env", "dev").returncode == 0
    # Security sleeps while the rest of the graph waits; meanwhile the checkout is synthesized anew.
    first = ws.popen("apply", "--env", "dev", "--auto-approve", AIINV_FIXTURE_SLEEP="security:6")
    deadline = time.monotonic() + 90
    while not any((ws.root / "cdktf.out").glob(".dev-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # the apply has started Terraform in its snapshot
    other = ws.run("synth", "--env", "dev", AIINV_FIXTURE_REVISION="2")
    assert other.returncode == 0 and other.stdout.startswith("synthesized dev"), other.stdout + other.stderr

    output, _ = first.communicate(timeout=240)
    assert first.returncode == 0, output
    assert "Backend initialization required" not in output
    # Every stack, also those that started after the other synth, holds the code this apply synthesized.
    assert _revisions(ws) == dict.fromkeys(_revisions(ws), "1")

    # The other synth's output is what the next run applies; the finished run's snapshot is gone.
    second = ws.run("apply", "--env", "dev", "--auto-approve", AIINV_FIXTURE_REVISION="2")
    assert second.returncode == 0, second.stdout + second.stderr
    assert set(_revisions(ws).values()) == {"2"}
    assert len(list((ws.root / "cdktf.out").glob(".dev-*"))) == 1


def test_a_terraform_that_outlives_a_killed_aiinv_keeps_its_snapshot_through_a_later_synth(
        workspace: Workspace) -> None:
    ws = workspace
    assert ws.run("bootstrap", "--env", "dev").returncode == 0
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_SLEEP="security:12")
    deadline = time.monotonic() + 90
    while not ws.logged("Provisioning with 'local-exec'") and time.monotonic() < deadline:
        time.sleep(0.2)
    snapshot = (ws.root / "cdktf.out/dev").resolve()
    running.kill()
    running.wait(10)

    # Another synth cleans up unused snapshots; the one the orphaned Terraform works in is still in use.
    other = ws.run("synth", "--env", "dev", AIINV_FIXTURE_REVISION="2")
    assert other.returncode == 0, other.stdout + other.stderr
    assert (snapshot / "stacks").is_dir(), "the snapshot of a running Terraform was deleted"

    deadline = time.monotonic() + 120
    while not ws.logged("Apply complete!") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert ws.logged("Apply complete!"), "Terraform did not finish after aiinv was killed"
    body = ws.boto("s3").get_object(Bucket=ws.naming.state_bucket(), Key=ws.naming.state_key("security"))
    assert any(r["name"] == "slow" for r in json.loads(body["Body"].read())["resources"])

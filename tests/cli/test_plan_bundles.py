"""Saved plans are verified before anything applies, and a plan run replaces a bundle only when it is
complete. Judged by the state objects and the lock table on the emulator, and the bundle on disk."""

from __future__ import annotations

import json
import shutil
import signal

import pytest

from tests.cli.conftest import Workspace
from tests.cli.test_faults import _bootstrap, _wait_for

# Their own group: they run beside the main end-to-end group on the other worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("aiinv-faults")]


def _nothing_applied(ws: Workspace) -> None:
    listed = ws.boto("s3").list_objects_v2(Bucket=ws.naming.state_bucket())
    assert [o["Key"] for o in listed.get("Contents", [])] == []
    assert ws.lock_items() == []


def test_a_swapped_truncated_or_foreign_tfplan_refuses_the_whole_apply_up_front(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    planned = ws.run("plan", "--env", "dev")
    assert planned.returncode == 3, planned.stdout + planned.stderr
    bundle = ws.root / "plans" / "dev"
    security, auth = (bundle / ws.naming.stack(k) / "tfplan" for k in ("security", "auth"))
    original = {p: p.read_bytes() for p in (security, auth)}

    def restore() -> None:
        for path, data in original.items():
            path.write_bytes(data)

    # Swapped: security's file holds auth's plan and the other way round.
    security.write_bytes(original[auth])
    auth.write_bytes(original[security])
    swapped = ws.run("apply", "--env", "dev", "--plan", "plans/dev")
    assert swapped.returncode == 1
    assert "is not the plan saved for" in swapped.stderr and "nothing was applied" in swapped.stderr
    _nothing_applied(ws)
    restore()

    # Truncated.
    security.write_bytes(original[security][: len(original[security]) // 2])
    truncated = ws.run("apply", "--env", "dev", "--plan", "plans/dev")
    assert truncated.returncode == 1 and "checksum differs" in truncated.stderr, truncated.stderr
    _nothing_applied(ws)
    restore()

    # Foreign: auth's plan under security's name, with report.json edited to carry its checksum.
    report = json.loads((bundle / "report.json").read_text())
    security_name = ws.naming.stack("security")
    report["stacks"][security_name]["plan_sha256"] = report["stacks"][ws.naming.stack("auth")]["plan_sha256"]
    (bundle / "report.json").write_text(json.dumps(report))
    security.write_bytes(original[auth])
    foreign = ws.run("apply", "--env", "dev", "--plan", "plans/dev")
    assert foreign.returncode == 1
    assert f"was planned for another configuration than {security_name}'s" in foreign.stderr, foreign.stderr
    _nothing_applied(ws)

    # Malformed and partial report.json: one line each, no traceback.
    for text in ("{not json", json.dumps({"version": 1, "environment": "dev"}),
                 json.dumps({"version": 1, "environment": "dev", "stacks": {security_name: {"status": "changes"}}})):
        (bundle / "report.json").write_text(text)
        bad = ws.run("apply", "--env", "dev", "--plan", "plans/dev")
        assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
        assert "Traceback" not in bad.stderr and "report.json" in bad.stderr
    _nothing_applied(ws)


def test_an_interrupted_or_killed_plan_leaves_the_previous_bundle_and_the_next_plan_replaces_it(
        workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    assert ws.run("plan", "--env", "dev").returncode == 3
    bundle = ws.root / "plans" / "dev"
    before = {p.relative_to(bundle): p.read_bytes() for p in bundle.rglob("*") if p.is_file()}

    for stop in (signal.SIGINT, signal.SIGKILL):
        running = ws.popen("plan", "--env", "dev", AIINV_FIXTURE_REVISION="2")
        _wait_for(running, "Plan: ")
        running.send_signal(stop)
        running.communicate(timeout=60)
        assert running.returncode == {signal.SIGINT: 130, signal.SIGKILL: -signal.SIGKILL}[stop]
        assert {p.relative_to(bundle): p.read_bytes() for p in bundle.rglob("*") if p.is_file()} == before
    leftovers = [p.name for p in bundle.parent.iterdir() if p.name != "dev"]
    assert leftovers and all(n.startswith("dev.new-") for n in leftovers)  # only what SIGKILL left behind

    again = ws.run("plan", "--env", "dev", AIINV_FIXTURE_REVISION="2")
    assert again.returncode == 3, again.stdout + again.stderr
    assert [p.name for p in bundle.parent.iterdir()] == ["dev"]
    report = json.loads((bundle / "report.json").read_text())
    assert report["stacks"][ws.naming.stack("security")]["status"] == "changes"
    assert '"revision":"2"' in (bundle / ws.naming.stack("security") / "tfplan.json").read_text()
    assert ws.lock_items() == []  # the killed plan's environment lock was taken over and released
    shutil.rmtree(bundle)

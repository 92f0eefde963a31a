"""What a run says when it cannot do everything: the upstream that blocks a stack, which stacks a glob
selects, an interrupted destroy's recovery advice, and one-line usage errors. Judged also by the state
objects and the lock table on the emulator."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import AIINV, Workspace
from tests.cli.test_faults import _bootstrap, _wait_for

# Their own group: they run beside the main end-to-end group on the other worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("aiinv-faults")]


def _rows(ws: Workspace, stdout: str) -> dict[str, str]:
    return {line.split()[0].split("-")[1]: line for line in stdout.splitlines()
            if line.startswith(f"{ws.project}-") and "s " in line}


def test_a_glob_selects_short_names_and_blocked_names_the_upstream_the_error_is_about(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    roots = ws.run("apply", "--env", "dev", "--stack", "security", "--stack", "auth")
    assert roots.returncode == 0, roots.stdout + roots.stderr

    # api reads security, auth and compute; only compute has no state yet. The plan's earlier lines name the
    # other remote states too (Reading...), so only the error's own block may say which one blocks.
    planned = ws.run("plan", "--env", "dev", "--stack", "a*")
    assert planned.returncode == 3, planned.stdout + planned.stderr
    rows = _rows(ws, planned.stdout)
    assert set(rows) == {"auth", "api"}
    assert " no changes " in rows["auth"]
    assert f"blocked by {ws.naming.stack('compute')}" in rows["api"], rows["api"]
    assert ws.lock_items() == []
    assert ws.state_addresses("auth") == {"terraform_data.main"}


def test_an_interrupted_destroy_prints_and_keeps_its_recovery_advice(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    slow = {"AIINV_FIXTURE_DESTROY_SLEEP": "data:60"}
    applied = ws.run("apply", "--env", "dev", **slow)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "terraform_data.raw_bucket" in ws.state_addresses("data")

    running = ws.popen("destroy", "--env", "dev", "--auto-approve", **slow)
    _wait_for(running, "terraform_data.slow_destroy: Provisioning with 'local-exec'")
    running.send_signal(signal.SIGINT)
    out, _ = running.communicate(timeout=90)
    assert running.returncode == 130, out

    data = ws.naming.stack("data")
    kept = list((ws.root / ".aiinv" / "recovery" / "dev" / data).glob("*-destroy.txt"))
    assert len(kept) == 1
    advice = kept[0].read_text()
    assert "import terraform_data.raw_bucket" in advice and "state-backups" in advice
    assert advice.strip() in out and str(kept[0].relative_to(ws.root)) in out
    row = _rows(ws, out)["data"]
    assert " interrupted " in row and "adopt them again with" in row
    assert "terraform_data.raw_bucket" not in ws.state_addresses("data")  # what the advice is about
    assert ws.lock_items() == []


@pytest.mark.parametrize(("args", "message"), [
    (("--lock-timeout", "soon"), "error: --lock-timeout 'soon' is not a duration; use e.g. 0s, 30s, 5m or 1h30m"),
    (("--out", "report.txt"), "error: --out report.txt is a file; give a directory for the plan bundle"),
])
def test_bad_plan_options_are_one_line_usage_errors_before_anything_runs(
        workspace: Workspace, args: tuple[str, ...], message: str) -> None:
    ws = workspace
    (ws.root / "report.txt").write_text("notes")
    done = ws.run("plan", "--env", "dev", *args)
    assert done.returncode == 4, done.stdout + done.stderr
    assert done.stderr.splitlines() == [message]
    assert not (ws.root / "cdktf.out").exists() and not (ws.root / ".aiinv").exists()
    assert (ws.root / "report.txt").read_text() == "notes"


def _read_only(path: Path, how: str, workspace: Path) -> list[str]:
    """A command prefix that runs the rest with `path` read-only, for root too: a read-only bind mount in a
    mount namespace of its own, or the run as an unprivileged user that does not own `path`."""
    if how == "namespace":
        if os.geteuid() != 0:
            path.chmod(0o555)
            return []
        script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, str(path)]
    if os.geteuid() != 0:
        path.chmod(0o555)
        return []
    # As `nobody`: everything of the workspace is theirs but `path`, which stays root's and not writable to others;
    # the directories above it (pytest's are private to root) only traversable.
    for parent in workspace.parents:
        if parent.stat().st_uid == 0 and not parent.stat().st_mode & 0o001:
            parent.chmod(parent.stat().st_mode | 0o001)
    for item in [workspace, *workspace.rglob("*")]:
        os.chown(item, NOBODY, NOBODY, follow_symlinks=False)
    os.chown(path, 0, 0)
    path.chmod(0o755)
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


NOBODY = 65534
# Both ways run wherever they can; as root without mount namespaces, the unprivileged user still does.
READ_ONLY_WAYS = [way for way in ("namespace", "unprivileged user")
                  if way != "namespace" or os.geteuid() != 0
                  or subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode == 0]


@pytest.mark.parametrize("how", READ_ONLY_WAYS)
@pytest.mark.parametrize(("where", "what"), [
    (".", "the working directory"),
    ("cdktf.out", "the synth output directory"),
    ("plans", "the plan directory's parent (--out)"),
])
def test_a_read_only_directory_is_one_line_before_any_stack_is_planned(
        workspace: Workspace, where: str, what: str, how: str) -> None:
    ws = workspace
    _bootstrap(ws)
    (ws.root / "cdktf.out").mkdir()
    (ws.root / "plans").mkdir()
    target = (ws.root / where).resolve()
    prefix = _read_only(target, how, ws.root)
    done = subprocess.run([*prefix, *AIINV, *ws.args("plan", "--env", "dev")], cwd=ws.root, env=ws.env,
                          capture_output=True, text=True, timeout=120, check=False)
    target.chmod(0o755)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {what}") and "is not writable" in lines[0], done.stderr
    assert list((ws.root / "cdktf.out").iterdir()) == [] and list((ws.root / "plans").iterdir()) == []
    listed = ws.boto("s3").list_objects_v2(Bucket=ws.naming.state_bucket())
    assert listed.get("KeyCount") == 0 and ws.lock_items() == []

"""Faults injected into real runs (signals, a closed output), judged by what the backend holds afterwards:
the state objects and the lock table, read from the emulator with boto3."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable

import pytest

from tests.cli.conftest import AIINV, Workspace

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("aiinv-e2e")]

_CREATED = re.compile(r"(\S+): Creation complete")


def _bootstrap(ws: Workspace) -> None:
    done = ws.run("bootstrap", "--env", "dev")
    assert done.returncode == 0, done.stderr


def _until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"never happened: {what}")


def _wait_for(proc: subprocess.Popen, text: str, timeout: float = 90) -> None:
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


def _reported_created(ws: Workspace) -> set[str]:
    return {_CREATED.search(line).group(1) for line in ws.logged("Creation complete")}


def test_sigkill_of_aiinv_mid_apply_lets_terraform_finish_save_state_and_release_the_lock(
        workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_SLEEP="security:5")
    _wait_for(running, "Provisioning with 'local-exec'")
    running.kill()
    running.wait(10)
    running.stdout.close()  # nobody reads Terraform's output any more either

    _until(lambda: ws.lock_items() == [] and "terraform_data.slow" in _reported_created(ws),
           "Terraform finishes the apply on its own and releases the lock")
    created = _reported_created(ws)
    assert {"terraform_data.main", "terraform_data.slow"} <= created
    assert created <= ws.state_addresses("security")


def test_sighup_mid_apply_with_the_terminal_gone_stops_terraform_gracefully(workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_SLEEP="security:30")
    _wait_for(running, "Provisioning with 'local-exec'")
    running.stdout.close()  # the terminal is gone: writes fail from now on
    running.send_signal(signal.SIGHUP)
    assert running.wait(90) == 129
    assert ws.lock_items() == []
    created = _reported_created(ws)
    assert "terraform_data.main" in created
    assert created <= ws.state_addresses("security")


def test_apply_into_head_finishes_releases_every_lock_and_exits_quietly(workspace: Workspace) -> None:
    """More than a pipe buffer of Terraform output (noise in security) into a reader that leaves early."""
    ws = workspace
    _bootstrap(ws)
    script = f'{" ".join(AIINV)} {" ".join(ws.args("apply", "--env", "dev"))} | head -n 5; exit ${{PIPESTATUS[0]}}'
    done = subprocess.run(["bash", "-c", script], cwd=ws.root, env={**ws.env, "AIINV_FIXTURE_NOISE": "security:200"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 5
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) <= 1, done.stderr
    assert ws.lock_items() == []
    for kind in ("security", "auth", "data", "compute", "api", "observability"):
        assert "terraform_data.main" in ws.state_addresses(kind), kind
    assert "terraform_data.noisy" in ws.state_addresses("security")


@pytest.mark.parametrize(("signum", "code", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                      (signal.SIGTERM, 143, "terminated")])
def test_a_signal_during_synth_exits_with_its_code_in_one_line_and_leaves_no_staging(
        workspace: Workspace, signum: int, code: int, word: str) -> None:
    ws = workspace
    _bootstrap(ws)
    running = subprocess.Popen([*AIINV, *ws.args("plan", "--env", "dev")], cwd=ws.root, text=True,
                               env={**ws.env, "AIINV_FIXTURE_SYNTH_SLEEP": "30"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    out_root = ws.root / "cdktf.out"
    _until(lambda: out_root.is_dir() and any(out_root.iterdir()), "synth starts staging", 60)
    running.send_signal(signum)
    out, err = running.communicate(timeout=60)
    assert running.returncode == code, out + err
    assert err.splitlines() == [f"error: {word}; nothing more was started"], err
    assert list(out_root.iterdir()) == []
    assert not (ws.root / "plans").exists()
    assert ws.lock_items() == []

"""Faults injected into real runs (signals, a closed output), judged by what the backend holds afterwards:
the state objects and the lock table, read from the emulator with boto3."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlparse

import pytest

from tests.cli.conftest import AIINV, Workspace
from tests.cli.test_e2e import _wait_for
from tests.support import emulator

# Their own group: they run beside the main end-to-end group on the other worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("aiinv-faults")]

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


def _reported_created(ws: Workspace) -> set[str]:
    return {_CREATED.search(line).group(1) for line in ws.logged("Creation complete")}


def test_sigkill_of_aiinv_mid_apply_lets_terraform_finish_save_state_and_release_the_lock(
        workspace: Workspace) -> None:
    ws = workspace
    _bootstrap(ws)
    release = ws.root / "release-security"
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_HOLD=f"security:{release}")
    _wait_for(running, "Provisioning with 'local-exec'")
    running.kill()
    running.wait(10)
    running.stdout.close()  # nobody reads Terraform's output any more either

    # While the orphaned Terraform runs (held until released here), its dead aiinv's environment lock is not
    # taken over.
    meanwhile = ws.run("plan", "--env", "dev", "--stack", "security", "--skip-synth")
    assert meanwhile.returncode == 1 and "environment dev is locked by run" in meanwhile.stderr, meanwhile.stderr
    release.touch()

    def state_locks() -> list[dict]:
        return [i for i in ws.lock_items() if "Info" in i]

    _until(lambda: state_locks() == [] and "terraform_data.slow" in _reported_created(ws),
           "Terraform finishes the apply on its own and releases the state lock")
    created = _reported_created(ws)
    assert {"terraform_data.main", "terraform_data.slow"} <= created
    assert created <= ws.state_addresses("security")
    # The environment lock of the dead aiinv stays until it expires; the next run here takes it over.
    assert [i["LockID"]["S"] for i in ws.lock_items()] == ["aiinv-environment"]
    after = ws.run("plan", "--env", "dev", "--stack", "security", AIINV_FIXTURE_HOLD=f"security:{release}")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "took over the environment lock" in after.stderr
    assert ws.lock_items() == []


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
    # The one line the README promises when the reader leaves early.
    assert done.stderr.splitlines() == [
        "note: the output was closed before the end; Terraform's own logs are under .aiinv/logs/"], done.stderr
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


@pytest.fixture
def own_backend(workspace: Workspace) -> Iterator[tuple[Workspace, Callable[[], None], Callable[[], None]]]:
    """The workspace on an emulator of its own, with `cut()` (the backend dies) and `restore()` (a new,
    empty one on the same endpoint); `workspace.extra[0]` is the running emulator's pid (to freeze it)."""
    proc, endpoint = emulator.start()
    port = urlparse(endpoint).port
    workspace.env.update({"AWS_ENDPOINT_URL": endpoint, "AIINV_FIXTURE_ENDPOINT": endpoint,
                          "AIINV_FIXTURE_MAX_RETRIES": "1"})
    procs = [proc]
    workspace.extra.append(str(proc.pid))

    def cut() -> None:
        procs[-1].kill()
        procs[-1].wait(10)

    def restore() -> None:
        procs.append(emulator.start(port=port)[0])

    yield workspace, cut, restore
    for p in procs:
        p.kill()
        p.wait(10)


def test_state_terraform_cannot_save_is_kept_outside_cdktf_out_with_the_command_that_pushes_it(
        own_backend: tuple[Workspace, Callable[[], None], Callable[[], None]]) -> None:
    ws, cut, restore = own_backend
    _bootstrap(ws)
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_SLEEP="security:4")
    _wait_for(running, "Provisioning with 'local-exec'")
    cut()
    out, _ = running.communicate(timeout=300)
    assert running.returncode == 1, out

    kept = list((ws.root / ".aiinv" / "recovery" / "dev" / ws.naming.stack("security")).glob("*.tfstate"))
    assert len(kept) == 1, out
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    saved = {f"{r['type']}.{r['name']}" for r in json.loads(kept[0].read_text())["resources"]}
    assert {"terraform_data.main", "terraform_data.slow"} <= saved
    assert not list((ws.root / "cdktf.out").rglob("errored.tfstate"))
    push = next(line for line in out.splitlines() if "push it with: " in line).split("push it with: ", 1)[1]
    assert str(kept[0].resolve()) in push

    restore()
    _bootstrap(ws)
    assert ws.run("synth", "--env", "dev").returncode == 0  # a new synth leaves the recovery store alone
    assert kept[0].is_file()
    pushed = subprocess.run(["bash", "-c", push], cwd=ws.root, env=ws.env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert {"terraform_data.main", "terraform_data.slow"} <= ws.state_addresses("security")
    assert ws.lock_items() == []
    assert kept[0].is_file()


def test_three_interrupts_on_a_frozen_backend_say_truthfully_that_the_lock_may_remain(
        own_backend: tuple[Workspace, Callable[[], None], Callable[[], None]]) -> None:
    ws, _, _ = own_backend
    backend = int(ws.extra[0])
    _bootstrap(ws)
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_SLEEP="security:60")
    _wait_for(running, "Provisioning with 'local-exec'")
    os.kill(backend, signal.SIGSTOP)
    try:
        # Each interrupt once the previous one has visibly arrived (two in a row may merge into one).
        running.send_signal(signal.SIGINT)
        _wait_for(running, "Interrupt received")
        running.send_signal(signal.SIGINT)
        _wait_for(running, "note: still stopping")
        running.send_signal(signal.SIGINT)
        out, _ = running.communicate(timeout=120)
    finally:
        os.kill(backend, signal.SIGCONT)
    assert running.returncode == 130, out
    last = out.strip().splitlines()[-1]
    assert "no state lock remains" not in out and "released" not in out
    assert last.startswith("error: interrupted; Terraform was killed (third interrupt), so state locks may remain")
    held = [json.loads(i["Info"]["S"]) for i in ws.lock_items() if "Info" in i]
    assert [h["Path"] for h in held] == [f"{ws.naming.state_bucket()}/{ws.naming.state_key('security')}"]
    met = ws.run("plan", "--env", "dev", "--stack", "security")
    assert met.returncode == 1 and f"aiinv unlock --env dev --stack {ws.naming.stack('security')} {held[0]['ID']}" \
        in met.stdout


def test_the_second_interrupt_is_ignored_and_said_so_and_after_a_kill_the_reachable_backend_names_the_locks(
        own_backend: tuple[Workspace, Callable[[], None], Callable[[], None]]) -> None:
    """Each interrupt is sent once the previous one has visibly arrived (never two in a row, which the kernel may
    merge into one). The backend is frozen while Terraform is stopping, so the stop takes as long as the test
    needs, and running again when aiinv checks what remains."""
    ws, _, _ = own_backend
    backend = int(ws.extra[0])
    _bootstrap(ws)
    release = ws.root / "release-security"
    running = ws.popen("apply", "--env", "dev", "--stack", "security", AIINV_FIXTURE_HOLD=f"security:{release}")
    _wait_for(running, "Provisioning with 'local-exec'")
    os.kill(backend, signal.SIGSTOP)
    try:
        running.send_signal(signal.SIGINT)
        _wait_for(running, "Interrupt received")  # Terraform's own acknowledgement, through aiinv
        running.send_signal(signal.SIGINT)
        _wait_for(running, "note: still stopping: Terraform is saving state and releasing its locks")
        assert running.poll() is None  # the second interrupt stopped nothing
        running.send_signal(signal.SIGINT)
    finally:
        os.kill(backend, signal.SIGCONT)
    out, _ = running.communicate(timeout=120)
    assert running.returncode == 130, out
    last = out.strip().splitlines()[-1]
    assert last.startswith(f"error: interrupted; the state locks of {ws.naming.stack('security')} remain"), out
    held = [json.loads(i["Info"]["S"]) for i in ws.lock_items() if "Info" in i]
    assert [h["Path"] for h in held] == [f"{ws.naming.state_bucket()}/{ws.naming.state_key('security')}"]
    assert f"aiinv unlock --env dev --stack {ws.naming.stack('security')} {held[0]['ID']}" in out

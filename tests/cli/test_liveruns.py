"""A process that has ended counts as gone, also while it waits to be reaped (a zombie)."""

from __future__ import annotations

import subprocess
import sys
import time

from cli.state import liveruns


def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = liveruns.start_time(child.pid)
    assert liveruns.is_alive(child.pid, started) or started == ""
    deadline = time.monotonic() + 30
    while liveruns._state(child.pid) != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)  # the child exits; nobody reaps it yet
    assert liveruns._state(child.pid) == "Z"
    assert not liveruns.is_alive(child.pid, started)
    child.wait()
    assert not liveruns.is_alive(child.pid, started)


def test_a_running_process_is_alive_and_a_reused_pid_is_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = liveruns.start_time(child.pid)
        assert liveruns.is_alive(child.pid, started)
        assert not liveruns.is_alive(child.pid, "1")  # same pid, another start time
    finally:
        child.kill()
        child.wait()

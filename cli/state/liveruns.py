"""Which runs are alive on this machine: the Terraform processes `aiinv` started, by the state they lock.

Each Terraform child is recorded as `<runs dir>/<pid>.json` while it runs (its pid, the pid of the
`aiinv` that started it, the state lock it may take) and the record is removed when it ends. A killed
`aiinv` leaves records behind; a record counts only while its process lives (same pid and, on Linux,
the same start time, so a reused pid does not count). `aiinv unlock` refuses while a live run holds
the lock it is asked to remove.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from pathlib import Path

from cli.core import layout


def host() -> str:
    return socket.gethostname()


def start_time(pid: int) -> str:
    """The kernel's start time of `pid` (Linux), or "" where /proc does not say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def _state(pid: int) -> str:
    """The kernel's one-letter state of `pid` (Linux), or "" where /proc does not say."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return ""


def is_alive(pid: int, started: str = "") -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if _state(pid) in ("Z", "X"):
        # A zombie has ended; it only waits to be reaped (an orphan's new parent, such as a container's
        # init, may take its time).
        return False
    return not started or not start_time(pid) or start_time(pid) == started


def record(pid: int, lock_id: str) -> None:
    directory = layout.runs_dir()
    directory.mkdir(parents=True, exist_ok=True)
    entry = {"pid": pid, "started": start_time(pid), "aiinv_pid": os.getpid(),
             "aiinv_started": start_time(os.getpid()), "lock_id": lock_id}
    temporary = directory / f".{pid}.json.tmp"
    temporary.write_text(json.dumps(entry))
    temporary.replace(directory / f"{pid}.json")


def forget(pid: int) -> None:
    with contextlib.suppress(OSError):
        (layout.runs_dir() / f"{pid}.json").unlink()


def holders(lock_id: str) -> list[dict]:
    """Live records (Terraform, or the aiinv that started it) for the state behind `lock_id`."""
    found = []
    directory = layout.runs_dir()
    for path in directory.glob("*.json") if directory.is_dir() else ():
        try:
            entry = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if entry.get("lock_id") != lock_id:
            continue
        if is_alive(entry["pid"], entry.get("started", "")) or is_alive(
            entry["aiinv_pid"], entry.get("aiinv_started", "")
        ):
            found.append(entry)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    return found


def terraform_of(aiinv_pid: int) -> list[int]:
    """Live Terraform processes started by the `aiinv` with that pid (they outlive a killed aiinv)."""
    directory = layout.runs_dir()
    found = []
    for path in directory.glob("*.json") if directory.is_dir() else ():
        try:
            entry = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if entry.get("aiinv_pid") == aiinv_pid and is_alive(entry["pid"], entry.get("started", "")):
            found.append(entry["pid"])
    return found

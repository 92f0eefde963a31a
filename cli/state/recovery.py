"""The recovery store: what a run must never lose, kept outside `cdktf.out` (which synth replaces).

- State that Terraform could not save (`errored.tfstate`, written when the backend went away
  mid-apply) is moved to `.aiinv/recovery/<env>/<stack>/<UTC time>.tfstate` (mode 0600: state may
  hold secrets) with the exact command that pushes it once the backend is back. It is never deleted.
- Before a destroy removes retained resources from state, the state is kept as
  `.aiinv/state-backups/<env>/<stack>-<UTC time>.tfstate` (mode 0600); a destroy that then did not finish
  writes its recovery advice (import commands, that backup) as `<UTC time>-destroy.txt` beside any
  errored state.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path

from cli.core import layout
from cli.synth.manifest import Stack

ERRORED_STATE = "errored.tfstate"


def _stamp() -> str:
    now = time.time()
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now * 1e6) % 1_000_000:06d}Z"


def _write_private(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return path


def rescue_errored_state(env: str, stack: Stack) -> Path | None:
    """Move the stack's `errored.tfstate` into the recovery store; its new path, or None."""
    source = stack.directory / ERRORED_STATE
    if not source.is_file():
        return None
    kept = _write_private(layout.recovery_dir(env, stack.name), f"{_stamp()}.tfstate", source.read_bytes())
    source.unlink()  # only once the copy is on disk
    return kept


def push_command(terraform: str, stack: Stack, kept: Path) -> str:
    where = shlex.quote(str(stack.stable_directory))
    return (
        f"{terraform} -chdir={where} init -input=false -reconfigure && "
        f"{terraform} -chdir={where} state push {shlex.quote(str(kept.resolve()))}"
    )


def errored_state_advice(terraform: str, stack: Stack, kept: Path) -> str:
    return (
        f"Terraform could not save the state of {stack.name}; it is kept in {kept} (mode 0600, never deleted); "
        f"once the state backend is reachable again, push it with: {push_command(terraform, stack, kept)}"
    )


def write_destroy_advice(env: str, stack: Stack, advice: str) -> Path:
    return _write_private(layout.recovery_dir(env, stack.name), f"{_stamp()}-destroy.txt", (advice + "\n").encode())


def keep_state_backup(env: str, stack: str, state_text: str) -> Path:
    """The state pulled before retained resources leave it (`state rm`); its path."""
    return _write_private(layout.state_backup_dir(env), f"{stack}-{_stamp()}.tfstate", state_text.encode())

"""Terraform argv, built by pure functions. Always a list, never a shell string; never credentials.

Every command that can prompt gets `-input=false`; `-no-color` unless output goes to a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# `terraform plan -detailed-exitcode`: the success codes. Anything else is an error.
PLAN_NO_CHANGES = 0
PLAN_CHANGES = 2


@dataclass(frozen=True)
class Flags:
    """Settings shared by every Terraform call of one run."""

    color: bool = False
    lock_timeout: str = "0s"

    def common(self) -> list[str]:
        return ["-input=false", *([] if self.color else ["-no-color"])]

    def locking(self) -> list[str]:
        return [f"-lock-timeout={self.lock_timeout}"]


def version() -> list[str]:
    return ["version", "-json"]


def init(flags: Flags) -> list[str]:
    return ["init", *flags.common(), *flags.locking(), "-reconfigure"]


def plan(
    flags: Flags, *, out: Path | None = None, destroy: bool = False, refresh_only: bool = False
) -> list[str]:
    argv = ["plan", *flags.common(), *flags.locking(), "-detailed-exitcode"]
    if destroy:
        argv.append("-destroy")
    if refresh_only:
        argv.append("-refresh-only")
    if out is not None:
        argv.append(f"-out={out}")
    return argv


def apply_saved(flags: Flags, plan_file: Path) -> list[str]:
    """Apply exactly a saved plan; Terraform refuses it if the state moved on since."""
    return ["apply", *flags.common(), *flags.locking(), str(plan_file)]


def apply_auto(flags: Flags) -> list[str]:
    """Plan and apply in one Terraform process: the plan it shows is the plan it applies."""
    return ["apply", *flags.common(), *flags.locking(), "-auto-approve"]


def show_json(plan_file: Path) -> list[str]:
    return ["show", "-json", str(plan_file)]


def show_text(plan_file: Path) -> list[str]:
    return ["show", "-no-color", str(plan_file)]


def output_json() -> list[str]:
    return ["output", "-json"]


def state_list() -> list[str]:
    return ["state", "list"]


def state_pull() -> list[str]:
    return ["state", "pull"]


def state_rm(flags: Flags, addresses: list[str]) -> list[str]:
    return ["state", "rm", *flags.locking(), *addresses]


def destroy(flags: Flags) -> list[str]:
    return ["destroy", *flags.common(), *flags.locking(), "-auto-approve"]


def force_unlock(lock_id: str) -> list[str]:
    return ["force-unlock", "-force", lock_id]

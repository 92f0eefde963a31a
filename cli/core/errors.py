"""Exit codes and the domain errors that carry them. The only place where exit codes are defined.

| code | meaning |
|------|---------|
| 0    | success; for plan and drift: no changes |
| 1    | error: a stack failed, a plan is stale or partial, a confirmation was refused, a tool is missing |
| 2    | plan/drift: changes (or drift) present, nothing failed |
| 3    | blocked: a downstream stack could not be planned (or its reviewed plan applied) because an |
|      | upstream stack has unapplied changes; apply the upstream stack, then plan again |
| 4    | usage: unknown environment, stack or function, malformed setting or option |
| 130  | interrupted (Ctrl-C / SIGINT); running Terraform processes got one interrupt and stopped |
|      | gracefully; 143 for SIGTERM and 129 for SIGHUP (terminal closed), which are handled alike |

Precedence when stacks disagree: 1 > 3 > 2 > 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    CHANGES = 2
    BLOCKED = 3
    USAGE = 4
    INTERRUPTED = 130


class AiinvError(Exception):
    """An expected failure: the boundary prints `message` on one line and exits with `exit_code`."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(AiinvError):
    """The user asked for something that does not exist or is malformed."""

    exit_code = ExitCode.USAGE


class NotSynthesizedError(AiinvError):
    """There is no synthesized output for the environment yet."""


class RefusedError(AiinvError):
    """A safety check refused to go on (confirmation, stale or partial plan, dependents left behind)."""


class ToolError(AiinvError):
    """A required tool (Terraform, Node.js) is missing or unusable."""


class Interrupted(AiinvError):
    """The run was stopped by a signal; running Terraform processes got one interrupt first.
    Exit 128 + the signal number: 130 SIGINT, 143 SIGTERM, 129 SIGHUP."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, message: str, *, signum: int = 2) -> None:
        super().__init__(message)
        self.exit_code = 128 + signum  # type: ignore[assignment]


def aggregate(statuses: Iterable[str]) -> ExitCode:
    """One exit code for a run over several stacks: interrupted > error > blocked > changes > no changes."""
    seen = set(statuses)
    if "interrupted" in seen:
        return ExitCode.INTERRUPTED
    if seen & {"failed", "skipped"}:
        return ExitCode.ERROR
    if "blocked" in seen:
        return ExitCode.BLOCKED
    if seen & {"changes", "drift"}:
        return ExitCode.CHANGES
    return ExitCode.OK

"""Every command-line option, declared once and shared by the commands that take it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def duration_seconds(value: str) -> float:
    """`30s`, `5m`, `1h30m`, `500ms` (Terraform's own -lock-timeout format) in seconds."""
    from cli.core.errors import UsageError

    if not _DURATION.match(value.strip()):
        raise UsageError(f"--lock-timeout '{value}' is not a duration; use e.g. 0s, 30s, 5m or 1h30m")
    return sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(value))

Env = Annotated[
    str,
    typer.Option(
        "--env", "-e", help="Environment: dev, staging or prod.", envvar="AIINV_ENV", show_envvar=True
    ),
]
ProjectName = Annotated[
    str | None,
    typer.Option(
        "--project-name", help="Prefix of every name (cdktf context projectName). Default: ai-investment."
    ),
]
Stacks = Annotated[
    list[str] | None,
    typer.Option(
        "--stack",
        "-s",
        help="Stack to include: full name, short name (data) or glob (a*). Repeatable. Default: all.",
    ),
]
Exclude = Annotated[
    list[str] | None, typer.Option("--exclude", "-x", help="Stack to leave out: name or glob. Repeatable.")
]
Parallelism = Annotated[
    int,
    typer.Option(
        "--parallelism", "-p", min=1, help="Independent stacks run at the same time, at most this many."
    ),
]
NoColor = Annotated[
    bool,
    typer.Option(
        "--no-color", help="Plain text output (automatic when stdout is not a terminal or CI is set)."
    ),
]
LockTimeout = Annotated[
    str,
    typer.Option(
        "--lock-timeout",
        help="How long to wait for another run's environment or state lock, e.g. 0s, 30s, 5m.",
    ),
]
Envs = Annotated[
    list[str],
    typer.Option(
        "--env", "-e", help="Environment: dev, staging or prod. Repeatable: one provider import for all.",
        envvar="AIINV_ENV", show_envvar=True,
    ),
]
ForceSynth = Annotated[
    bool,
    typer.Option("--force-synth", help="Synthesize even when the inputs are unchanged since the last synth."),
]
SkipSynth = Annotated[
    bool, typer.Option("--skip-synth", help="Use cdktf.out/ENV as it is instead of synthesizing first.")
]
AutoApprove = Annotated[
    bool,
    typer.Option(
        "--auto-approve",
        help="Do not ask for confirmation (prod asks otherwise; without a terminal it refuses).",
    ),
]
PlanOut = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Plan bundle directory (binary plans, JSON, text, summary.md, report.json). Default: plans/ENV.",
    ),
]
PlanIn = Annotated[
    Path | None,
    typer.Option(
        "--plan",
        help="Apply exactly the reviewed plans of this bundle directory; refuse stale or partial ones.",
    ),
]
IncludeDependents = Annotated[
    bool,
    typer.Option("--include-dependents", help="Also destroy the stacks that depend on the selected ones."),
]
ConfirmEnv = Annotated[
    str | None,
    typer.Option(
        "--confirm-env", help="prod only: the environment name again, to destroy without a terminal."
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable JSON (includes sensitive values).")]
Since = Annotated[str, typer.Option("--since", help="How far back: 30s, 15m, 2h, 1d.")]

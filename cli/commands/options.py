"""Every command-line option, declared once and shared by the commands that take it."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from cli.engine.session import Request

F = TypeVar("F", bound=Callable[..., object])

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


def request(
    env: str,
    project_name: str | None = None,
    stack: list[str] | None = None,
    exclude: list[str] | None = None,
    parallelism: int = 4,
    no_color: bool = False,
    lock_timeout: str = "0s",
    skip_synth: bool = False,
    force_synth: bool = False,
) -> Request:
    """What the user asked for, checked before anything runs (a malformed --lock-timeout is a usage error)."""
    from cli.core.durations import lock_timeout_seconds
    from cli.engine.session import Request

    lock_timeout_seconds(lock_timeout)
    return Request(
        env=env,
        project_name=project_name,
        stacks=tuple(stack or ()),
        exclude=tuple(exclude or ()),
        parallelism=parallelism,
        no_color=no_color,
        lock_timeout=lock_timeout,
        skip_synth=skip_synth,
        force_synth=force_synth,
    )


def _option(name: str, annotation: object, default: object = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=annotation)


# The options of every command that runs Terraform over the stacks, around the command's own ones.
_RUN_HEAD = (_option("env", Env), _option("project_name", ProjectName, None), _option("stack", Stacks, None),
             _option("exclude", Exclude, None))
_RUN_TAIL = (_option("parallelism", Parallelism, 4), _option("lock_timeout", LockTimeout, "0s"),
             _option("no_color", NoColor, False), _option("skip_synth", SkipSynth, False),
             _option("force_synth", ForceSynth, False))


def stack_run(func: F) -> F:
    """The shared options of a run over the stacks, declared once: --env, --project-name, --stack and --exclude
    come before the command's own options, --parallelism, --lock-timeout, --no-color, --skip-synth and
    --force-synth after them (the order `--help` lists). The command takes them as one `request`."""
    own = [p for name, p in inspect.signature(func).parameters.items() if name != "request"]
    parameters = [*_RUN_HEAD, *own, *_RUN_TAIL]
    shared = [p.name for p in (*_RUN_HEAD, *_RUN_TAIL)]

    @functools.wraps(func)
    def wrapper(**options: object) -> object:
        asked = request(**{name: options.pop(name) for name in shared})  # type: ignore[arg-type]
        return func(asked, **options)

    # Typer reads a command's options from its signature and annotations.
    wrapper.__signature__ = inspect.Signature(parameters, return_annotation=inspect.signature(func).return_annotation)
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper  # type: ignore[return-value]

"""The `aiinv` command line. Commands are thin: parse options, call the workflow, map errors to exit codes.

Importing this module is cheap: cdktf, boto3 and the provider bindings load inside the commands that
need them, so `aiinv --help` and `aiinv list` stay fast.
"""


import functools
import sys
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from typer.core import TyperGroup

from cli.commands import options as opt
from cli.core.errors import AiinvError, ExitCode

F = TypeVar("F", bound=Callable[..., object])
# Typer ships its own copy of Click; its UsageError is the base of the public BadParameter.
_ClickUsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class _Group(TyperGroup):
    """Bad options exit with the usage code, never with 2, which means "changes"."""

    def make_context(self, *args, **kwargs) -> typer.Context:
        try:
            return super().make_context(*args, **kwargs)
        except _ClickUsageError as exc:
            exc.exit_code = ExitCode.USAGE
            raise

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except _ClickUsageError as exc:
            exc.exit_code = ExitCode.USAGE
            raise


app = typer.Typer(
    name="aiinv",
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Synthesize, plan, apply and destroy the stacks of one environment in dependency order.\n\n"
    "Exit codes: 0 ok / no changes, 1 error, 2 changes, 3 blocked by an unapplied upstream stack, "
    "4 usage error, 130 interrupted (143 SIGTERM, 129 SIGHUP).",
)


def boundary(func: F) -> F:
    """Domain errors become one line on stderr and their exit code; no traceback. A stop signal
    outside Terraform's run exits 128 + its number; a closed stdout ends the output, not the work."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        from cli.core import console
        from cli.engine import signals

        try:
            code = func(*args, **kwargs)
        except AiinvError as exc:
            _say(f"error: {exc.message}")
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signals.signal.SIGINT)
            _say(f"error: {signals.describe(signum)}; nothing more was started")
            raise typer.Exit(signals.exit_code(signum)) from None
        except BrokenPipeError:
            console.silence(sys.stdout)
            code = ExitCode.OK
        if console.output_lost.is_set():
            _say("note: the output was closed before the end; Terraform's own logs are under .aiinv/logs/")
        if code:
            raise typer.Exit(int(code))
        return None

    return wrapper  # type: ignore[return-value]


def _say(line: str) -> None:
    """One line on stderr, unless stderr is gone too (a closed terminal)."""
    from cli.core import console

    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        console.silence(sys.stderr)


def _request(
    env: str,
    project_name: str | None = None,
    stack: list[str] | None = None,
    exclude: list[str] | None = None,
    parallelism: int = 4,
    no_color: bool = False,
    lock_timeout: str = "0s",
    skip_synth: bool = False,
    force_synth: bool = False,
):
    from cli.commands.options import duration_seconds
    from cli.engine.session import Request

    duration_seconds(lock_timeout)  # a malformed value is a usage error before anything runs
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


@app.command()
@boundary
def synth(env: opt.Envs, project_name: opt.ProjectName = None, force_synth: opt.ForceSynth = False) -> None:
    """Synthesize every stack of ENV into cdktf.out/ENV (manifest.json + stacks/<name>/cdk.tf.json).

    Reuses the output when nothing it is made from changed since it was written.
    """
    from cli.core.layout import env_dir
    from cli.engine.session import load_config
    from cli.synth.synthesize import synthesize_many

    configs = {name: load_config(name, project_name) for name in dict.fromkeys(env)}
    for name, result in synthesize_many(configs, force=force_synth).items():
        link = env_dir(name)
        if result.reused:
            typer.echo(f"reused {link} for {name} (inputs unchanged since its synth)")
        else:
            typer.echo(f"synthesized {name} into {link}")
        result.snapshot.close()


@app.command("list")
@boundary
def list_stacks(env: opt.Env, json_out: opt.Json = False) -> None:
    """Stacks of ENV in deploy order with their dependencies (from the last synth; fast)."""
    import json

    from cli.engine.graph import StackGraph
    from cli.engine.session import load_config
    from cli.synth.manifest import load_stacks

    load_config(env)
    stacks = load_stacks(env)
    graph = StackGraph({n: s.dependencies for n, s in stacks.items()})
    if json_out:
        typer.echo(
            json.dumps(
                [{"name": n, "dependencies": list(graph.dependencies(n))} for n in graph.order], indent=2
            )
        )
        return
    for i, name in enumerate(graph.order, 1):
        deps = ", ".join(graph.dependencies(name)) or "-"
        typer.echo(f"{i}. {name}  (depends on: {deps})")


@app.command()
@boundary
def bootstrap(env: opt.Env, project_name: opt.ProjectName = None) -> None:
    """Create the state bucket and lock table of ENV and the account-level settings (idempotent); report
    what already existed."""
    from cli.aws.bootstrap import bootstrap as run
    from cli.engine.session import load_config

    for step in run(load_config(env, project_name)):
        typer.echo(f"{step.resource} {step.name}: {step.state}")


@app.command()
@boundary
def plan(
    env: opt.Env,
    project_name: opt.ProjectName = None,
    stack: opt.Stacks = None,
    exclude: opt.Exclude = None,
    out: opt.PlanOut = None,
    parallelism: opt.Parallelism = 4,
    lock_timeout: opt.LockTimeout = "0s",
    no_color: opt.NoColor = False,
    skip_synth: opt.SkipSynth = False,
    force_synth: opt.ForceSynth = False,
) -> int:
    """Synthesize once, then plan each selected stack in dependency order and save the plans.

    Exit: 0 no changes, 2 changes, 3 a downstream stack is blocked by unapplied upstream changes, 1 error.
    """
    from cli.core import layout, preflight
    from cli.engine.session import open_session
    from cli.workflows import stacks as workflows

    request = _request(env, project_name, stack, exclude, parallelism, no_color, lock_timeout, skip_synth,
                       force_synth)
    out = out or layout.default_plan_dir(env)
    preflight.require_local_dirs()
    workflows.check_plan_target(out)  # before synth: a bad --out costs nothing
    with open_session(request) as session:
        return workflows.plan(session, out)


@app.command()
@boundary
def apply(
    env: opt.Env,
    project_name: opt.ProjectName = None,
    stack: opt.Stacks = None,
    exclude: opt.Exclude = None,
    plan: opt.PlanIn = None,
    auto_approve: opt.AutoApprove = False,
    parallelism: opt.Parallelism = 4,
    lock_timeout: opt.LockTimeout = "0s",
    no_color: opt.NoColor = False,
    skip_synth: opt.SkipSynth = False,
    force_synth: opt.ForceSynth = False,
) -> int:
    """Apply the selected stacks in dependency order; with --plan, exactly the reviewed plans."""
    from cli.engine.session import open_session
    from cli.workflows import stacks as workflows

    request = _request(env, project_name, stack, exclude, parallelism, no_color, lock_timeout, skip_synth,
                       force_synth)
    with open_session(request) as session:
        return workflows.apply(session, plan_dir=plan, auto_approve=auto_approve)


@app.command()
@boundary
def destroy(
    env: opt.Env,
    project_name: opt.ProjectName = None,
    stack: opt.Stacks = None,
    exclude: opt.Exclude = None,
    include_dependents: opt.IncludeDependents = False,
    auto_approve: opt.AutoApprove = False,
    confirm_env: opt.ConfirmEnv = None,
    parallelism: opt.Parallelism = 4,
    lock_timeout: opt.LockTimeout = "0s",
    no_color: opt.NoColor = False,
    skip_synth: opt.SkipSynth = False,
    force_synth: opt.ForceSynth = False,
) -> int:
    """Destroy the selected stacks, dependents first. Retained data (buckets, tables) stays and is listed."""
    from cli.engine.session import open_session
    from cli.workflows import destroy as destroying

    request = _request(env, project_name, stack, exclude, parallelism, no_color, lock_timeout, skip_synth,
                       force_synth)
    with open_session(request) as session:
        destroying.check_dependents(session, include_dependents=include_dependents)
        destroying.confirm_destroy(session, auto_approve=auto_approve, confirm_env=confirm_env)
        return destroying.destroy(session)


@app.command()
@boundary
def output(
    env: opt.Env,
    project_name: opt.ProjectName = None,
    stack: Annotated[str | None, typer.Option("--stack", "-s", help="One stack (name or glob).")] = None,
    json_out: opt.Json = False,
    no_color: opt.NoColor = False,
) -> None:
    """Outputs of the applied stacks (sensitive values masked unless --json)."""
    from cli.engine.session import open_session
    from cli.workflows import stacks as workflows

    request = _request(env, project_name, [stack] if stack else None, no_color=no_color, skip_synth=True)
    with open_session(request, synth=False) as session:
        workflows.output(session, as_json=json_out)


@app.command()
@boundary
def drift(
    env: opt.Env,
    project_name: opt.ProjectName = None,
    stack: opt.Stacks = None,
    exclude: opt.Exclude = None,
    parallelism: opt.Parallelism = 4,
    lock_timeout: opt.LockTimeout = "0s",
    no_color: opt.NoColor = False,
    skip_synth: opt.SkipSynth = False,
    force_synth: opt.ForceSynth = False,
) -> int:
    """Refresh-only plan across stacks. Exit 2 when anything drifted, 0 when not."""
    from cli.engine.session import open_session
    from cli.workflows import stacks as workflows

    request = _request(env, project_name, stack, exclude, parallelism, no_color, lock_timeout, skip_synth,
                       force_synth)
    with open_session(request) as session:
        return workflows.drift(session)


@app.command()
@boundary
def unlock(
    lock_id: Annotated[str, typer.Argument(help="The lock ID (state lock) or run ID (environment lock).")],
    env: opt.Env,
    project_name: opt.ProjectName = None,
    stack: Annotated[
        str | None, typer.Option("--stack", "-s", help="The stack whose state lock to remove.")
    ] = None,
) -> None:
    """Remove a lock left by a run that is gone: a stack's state lock (--stack) or the environment lock.

    Refused while the run that holds it is still alive on this machine.
    """
    from cli.engine.session import open_session
    from cli.workflows import unlock as unlocking

    request = _request(env, project_name, [stack] if stack else None, skip_synth=True)
    with open_session(request, synth=False) as session:
        done = unlocking.unlock_stack(session, lock_id) if stack else unlocking.unlock_environment(session, lock_id)
        session.console.info(done)


@app.command()
@boundary
def logs(
    function: Annotated[str, typer.Argument(help="Function: ingest-social, ingest-news, score, ...")],
    env: opt.Env,
    project_name: opt.ProjectName = None,
    since: opt.Since = "15m",
) -> None:
    """Recent CloudWatch log events of one function."""
    from cli.aws import logs as logging
    from cli.engine.session import load_config

    config = load_config(env, project_name)
    group = logging.log_group(config, function)
    for line in logging.events(config, group, logging.parse_since(since)):
        typer.echo(line)


@app.command()
@boundary
def metrics(
    env: opt.Env,
    functions: Annotated[
        list[str] | None,
        typer.Argument(metavar="[FUNCTION]...", show_default=False,
                       help="Functions to show (short names, as `aiinv logs` takes them). Default: all."),
    ] = None,
    project_name: opt.ProjectName = None,
    since: Annotated[str, typer.Option("--since", help="How far back: 30m, 3h, 1d.")] = "3h",
    period: Annotated[str, typer.Option("--period", help="One trend point per period: 1m, 5m, 1h.")] = "5m",
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")] = False,
    watch: Annotated[
        bool, typer.Option("--watch", help="Refresh in place every minute until Ctrl-C (only on a terminal).")
    ] = False,
    no_color: opt.NoColor = False,
    skip_synth: opt.SkipSynth = False,
    force_synth: opt.ForceSynth = False,
) -> int:
    """Errors, throttles and p95 duration per function, queue depths and alarm states of ENV, from CloudWatch.

    One GetMetricData batch; a figure that crosses its alarm's threshold (as synthesized) is marked and names
    the alarm. --watch refreshes in place on a terminal until Ctrl-C.
    """
    from cli.aws.metrics import command
    from cli.aws.metrics.stacks import synthesized
    from cli.engine.session import load_config

    config = load_config(env, project_name)
    with synthesized(config, skip_synth=skip_synth, force_synth=force_synth) as stacks:
        reading = command.prepare(config, stacks, functions or [], since, period)
    return command.show(reading, as_json=json_out, watch=watch, no_color=no_color)


@app.command()
@boundary
def doctor(
    env: Annotated[
        str | None,
        typer.Option("--env", "-e", help="Also check this environment's account and state backend."),
    ] = None,
    project_name: opt.ProjectName = None,
) -> int:
    """Check Node.js, Terraform, AWS credentials and the state backend; say how to fix what is missing."""
    from cli.aws.doctor import run_checks
    from cli.engine.session import load_config

    checks = run_checks(load_config(env, project_name) if env else None)
    for check in checks:
        line = f"{'ok     ' if check.ok else 'MISSING'} {check.name}: {check.detail}"
        typer.echo(line + (f" -> {check.fix}" if check.fix else ""))
    return ExitCode.OK if all(c.ok for c in checks) else ExitCode.ERROR


@app.command()
@boundary
def providers() -> None:
    """Fill the provider mirror (outside the clone, shared by every checkout) with the pinned AWS provider.

    From the registry where it is reachable, else built from its Go module (tens of minutes on 2 cores).
    Nothing happens when the mirror holds it already. The mirror is AIINV_PROVIDER_MIRROR, default
    ~/.cache/aiinv/providers.
    """
    from cli.terraform import provider_build, provider_mirror
    from cli.terraform.tfbin import terraform_command

    mirror = provider_mirror.mirror_dir()
    filled = provider_build.fill(mirror, terraform_command(), say=lambda line: typer.echo(line, err=True))
    pin = provider_mirror.AWS.short
    if filled.how == "present":
        typer.echo(f"{pin}: already in the mirror ({filled.path})")
    else:
        typer.echo(f"{pin}: {filled.how} into the mirror in {filled.seconds / 60:.1f} min ({filled.path})")


def _register_local() -> None:
    """`aiinv local ...` lives in cli/local/pipeline.py (its own owner); the CLI works without it."""
    try:
        from cli.local.pipeline import local_app
    except ImportError:
        return
    app.add_typer(local_app, name="local", help="Run the system locally.")


_register_local()


def main() -> None:
    from cli.engine import signals

    signals.install()
    app(prog_name="aiinv")


if __name__ == "__main__":
    sys.exit(main())

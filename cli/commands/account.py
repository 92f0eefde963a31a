"""Commands that work without a session: the account and its backend (bootstrap, logs, metrics, doctor) and the
provider mirror of this machine (providers)."""

from typing import Annotated

import typer

from cli.commands import options as opt
from cli.commands.boundary import boundary
from cli.core.errors import ExitCode


@boundary
def bootstrap(env: opt.Env, project_name: opt.ProjectName = None) -> None:
    """Create the state bucket and lock table of ENV and the account-level settings (idempotent); report
    what already existed."""
    from cli.aws.bootstrap import bootstrap as run
    from cli.core.config import load_config

    for step in run(load_config(env, project_name)):
        typer.echo(f"{step.resource} {step.name}: {step.state}")


@boundary
def logs(
    function: Annotated[str, typer.Argument(help="Function: ingest-social, ingest-news, score, ...")],
    env: opt.Env,
    project_name: opt.ProjectName = None,
    since: opt.Since = "15m",
) -> None:
    """Recent CloudWatch log events of one function."""
    from cli.aws import logs as logging
    from cli.core.config import load_config
    from cli.core.durations import since_seconds

    config = load_config(env, project_name)
    group = logging.log_group(config, function)
    for line in logging.events(config, group, since_seconds(since)):
        typer.echo(line)


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
    from cli.core.config import load_config

    config = load_config(env, project_name)
    with synthesized(config, skip_synth=skip_synth, force_synth=force_synth) as stacks:
        reading = command.prepare(config, stacks, functions or [], since, period)
    return command.show(reading, as_json=json_out, watch=watch, no_color=no_color)


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
    from cli.core.config import load_config

    checks = run_checks(load_config(env, project_name) if env else None)
    for check in checks:
        line = f"{'ok     ' if check.ok else 'MISSING'} {check.name}: {check.detail}"
        typer.echo(line + (f" -> {check.fix}" if check.fix else ""))
    return ExitCode.OK if all(c.ok for c in checks) else ExitCode.ERROR


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

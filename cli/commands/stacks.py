"""The commands that run Terraform over the stacks of one environment: plan, apply, destroy, output, drift, unlock.

Each opens a session (`cli.engine.session`) and hands it to its workflow (`cli.workflows`).
"""

from typing import TYPE_CHECKING, Annotated

import typer

from cli.commands import options as opt
from cli.commands.boundary import boundary

if TYPE_CHECKING:
    from cli.engine.session import Request


@boundary
@opt.stack_run
def plan(request: "Request", out: opt.PlanOut = None) -> int:
    """Synthesize once, then plan each selected stack in dependency order and save the plans.

    Exit: 0 no changes, 2 changes, 3 a downstream stack is blocked by unapplied upstream changes, 1 error.
    """
    from cli.core import layout, preflight
    from cli.engine.session import open_session
    from cli.workflows import plan as planning

    out = out or layout.default_plan_dir(request.env)
    preflight.require_local_dirs()
    planning.check_plan_target(out)  # before synth: a bad --out costs nothing
    with open_session(request) as session:
        return planning.plan(session, out)


@boundary
@opt.stack_run
def apply(request: "Request", plan: opt.PlanIn = None, auto_approve: opt.AutoApprove = False) -> int:
    """Apply the selected stacks in dependency order; with --plan, exactly the reviewed plans."""
    from cli.engine.session import open_session
    from cli.workflows import apply as applying

    with open_session(request) as session:
        return applying.apply(session, plan_dir=plan, auto_approve=auto_approve)


@boundary
@opt.stack_run
def destroy(
    request: "Request",
    include_dependents: opt.IncludeDependents = False,
    auto_approve: opt.AutoApprove = False,
    confirm_env: opt.ConfirmEnv = None,
) -> int:
    """Destroy the selected stacks, dependents first. Retained data (buckets, tables) stays and is listed."""
    from cli.engine.session import open_session
    from cli.workflows import destroy as destroying
    from cli.workflows.confirm import confirm_destroy

    with open_session(request) as session:
        destroying.check_dependents(session, include_dependents=include_dependents)
        confirm_destroy(session, auto_approve=auto_approve, confirm_env=confirm_env)
        return destroying.destroy(session)


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
    from cli.workflows import output as outputs

    request = opt.request(env, project_name, [stack] if stack else None, no_color=no_color, skip_synth=True)
    with open_session(request, synth=False) as session:
        outputs.output(session, as_json=json_out)


@boundary
@opt.stack_run
def drift(request: "Request") -> int:
    """Refresh-only plan across stacks. Exit 2 when anything drifted, 0 when not."""
    from cli.engine.session import open_session
    from cli.workflows import drift as drifting

    with open_session(request) as session:
        return drifting.drift(session)


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

    request = opt.request(env, project_name, [stack] if stack else None, skip_synth=True)
    with open_session(request, synth=False) as session:
        done = unlocking.unlock_stack(session, lock_id) if stack else unlocking.unlock_environment(session, lock_id)
        session.console.info(done)

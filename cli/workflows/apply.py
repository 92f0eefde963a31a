"""`aiinv apply`: the selected stacks in dependency order, or exactly the reviewed plans of a bundle; then the
environment's entry points."""

from __future__ import annotations

from pathlib import Path

from cli.core.errors import ExitCode, RefusedError, aggregate
from cli.core.outcome import Outcome, Status
from cli.engine import stackops
from cli.engine.session import Session
from cli.plans import bundles
from cli.plans.report import read_bundle
from cli.workflows.confirm import confirm


def apply(session: Session, *, plan_dir: Path | None, auto_approve: bool) -> ExitCode:
    if plan_dir is None:
        confirm(session, "apply", auto_approve=auto_approve)
        with session.exclusive("apply"):
            outcomes = session.run(lambda name: stackops.apply(session.ctx, name))
    else:
        checked_bundle(session, plan_dir)
        confirm(session, "apply the reviewed plans to", auto_approve=auto_approve)
        with session.exclusive("apply"):
            bundle = checked_bundle(session, plan_dir)  # again: the bundle may have changed while asking
            outcomes = session.run(
                lambda name: _apply_reviewed(session, name, plan_dir, bundle["stacks"][name])
            )
    session.summary(f"apply {session.request.env}", outcomes)
    session.raise_if_interrupted()
    code = aggregate(o.status for o in outcomes.values())
    if code is ExitCode.BLOCKED:
        session.console.info("some stacks were blocked by unapplied upstream changes: run `aiinv plan` again")
    show_entry_points(session, [n for n, o in outcomes.items() if o.status in (Status.APPLIED, Status.NO_CHANGES)])
    return code


def show_entry_points(session: Session, names: list[str]) -> None:
    """The outputs the stacks mark as entry points (URLs, sign-in, dashboard), read back from state."""
    from modules.catalog import entry_points

    lines = []
    for name in names:
        marked = {key: label for key, out in session.stacks[name].config().get("output", {}).items()
                  if (label := entry_points.label_of(out.get("description")))}
        if not marked:
            continue
        values = stackops.outputs(session.ctx, name)
        lines += [f"  {label}: {values[key]['value']}" for key, label in marked.items() if key in values]
    if lines:
        session.console.info("\n".join(["entry points:", *lines]))


def checked_bundle(session: Session, plan_dir: Path) -> dict:
    """The reviewed plans, refused when partial (a stack without a plan) or stale (config changed)."""
    env = session.request.env
    bundle = read_bundle(plan_dir, env)
    stacks = bundle["stacks"]
    for name in session.selected:
        entry = stacks.get(name)
        if entry is None:
            raise RefusedError(
                f"the plans in {plan_dir} are partial: no plan for {name}; run `aiinv plan` again"
            )
        if entry["status"] not in ("changes", "no changes", "blocked"):
            raise RefusedError(
                f"the plans in {plan_dir} are partial: {name} was {entry['status']} "
                f"({entry['detail']}); fix it and run `aiinv plan` again"
            )
        if entry["plan"] and not (plan_dir / entry["plan"]).is_file():
            raise RefusedError(f"the plans in {plan_dir} are partial: {entry['plan']} is missing")
        if entry["config_sha256"] != session.stacks[name].config_digest():
            raise RefusedError(
                f"the plan of {name} is stale: its synthesized configuration changed since it "
                f"was planned; run `aiinv plan --env {env}` again"
            )
        if entry["status"] == "changes":
            if not entry["plan"]:
                raise RefusedError(f"the plans in {plan_dir} are partial: {name} has changes but no plan file")
            bundles.verify_plan(plan_dir, name, entry, session.stacks[name])
    return bundle


def _apply_reviewed(session: Session, name: str, plan_dir: Path, entry: dict) -> Outcome:
    if entry["status"] == "no changes":
        return Outcome(name, Status.NO_CHANGES, "reviewed plan has no changes")
    if entry["status"] == "blocked":
        return Outcome(name, Status.BLOCKED, entry["detail"], blocked_by=entry["blocked_by"])
    result = stackops.apply_saved(session.ctx, name, plan_dir / entry["plan"])
    if result.returncode != 0:
        raise session.ctx.fail(name, "apply", result)
    return Outcome(name, Status.APPLIED, entry["detail"], data={"changes": entry["changes"]})



"""plan, apply, drift and output over the selected stacks of one environment. No Typer here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli.core import preflight
from cli.core.console import interactive
from cli.core.errors import ExitCode, RefusedError, UsageError, aggregate
from cli.core.outcome import Outcome, Status
from cli.engine import stackops
from cli.engine.session import Session
from cli.plans import bundles
from cli.plans.report import read_bundle, write_bundle


def plan(session: Session, out_dir: Path) -> ExitCode:
    check_plan_target(out_dir)
    with session.exclusive("plan"):
        staging = bundles.staging_dir(out_dir)
        try:
            outcomes = session.run(lambda name: stackops.plan(session.ctx, name, staging))
            session.summary(f"plan {session.request.env}", outcomes)
            session.raise_if_interrupted()
            code = aggregate(o.status for o in outcomes.values())
            digests = {n: session.stacks[n].config_digest() for n in outcomes}
            write_bundle(staging, env=session.request.env, outcomes=outcomes, digests=digests, exit_code=int(code))
            bundles.swap_in(staging, out_dir)  # a bundle is one run's plans, never a mix of two
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    session.console.info(f"plans, summary.md and report.json in {out_dir}")
    return code


def check_plan_target(out_dir: Path) -> None:
    """--out must be a directory that is empty or holds a plan bundle, in a writable place."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is a file; give a directory for the plan bundle")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "report.json").is_file():
        raise RefusedError(f"{out_dir} is not empty and holds no plan bundle; choose another --out")
    preflight.require_writable(out_dir.parent, "the plan directory's parent (--out)")
    if out_dir.is_dir():
        preflight.require_writable(out_dir, "the plan directory (--out)")


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


def drift(session: Session) -> ExitCode:
    with session.exclusive("drift"):
        outcomes = session.run(lambda name: stackops.drift(session.ctx, name))
    session.summary(f"drift {session.request.env}", outcomes)
    session.raise_if_interrupted()
    return aggregate(o.status for o in outcomes.values())


def output(session: Session, *, as_json: bool, internal: bool = False) -> dict:
    """Outputs per stack; cdktf's cross-stack plumbing outputs are left out unless `internal`."""
    result = {}
    for name in session.selected:
        values = stackops.outputs(session.ctx, name)
        result[name] = {
            k: v for k, v in values.items() if internal or not k.startswith("cross-stack-output-")
        }
    if as_json:
        session.console.info(
            json.dumps({n: {k: v["value"] for k, v in o.items()} for n, o in result.items()}, indent=2)
        )
    else:
        for name, values in result.items():
            session.console.info(f"{name}:" + ("" if values else " (no outputs)"))
            for key, v in values.items():
                shown = "<sensitive>" if v.get("sensitive") else json.dumps(v["value"])
                session.console.info(f"  {key} = {shown}")
    return result


def confirm(session: Session, action: str, *, auto_approve: bool, extra: str | None = None) -> None:
    """prod asks for the environment name to be typed; without a terminal it refuses, never hangs."""
    env = session.request.env
    if not getattr(session.config, "is_production", False) or auto_approve:
        return
    ask_for_env_name(env, f"{action} '{env}'", hint="--auto-approve")


def ask_for_env_name(env: str, what: str, *, hint: str) -> None:
    if not interactive():
        raise RefusedError(f"{what} needs confirmation and there is no terminal to ask; pass {hint}")
    import typer

    answer = typer.prompt(
        f"About to {what}. Type the environment name to go on", default="", show_default=False
    )
    if answer.strip() != env:
        raise RefusedError(f"confirmation did not match '{env}'; nothing was changed")

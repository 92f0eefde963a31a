"""`aiinv plan`: plan the selected stacks into a new plan bundle, swapped in only when complete."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli.core import preflight
from cli.core.errors import ExitCode, RefusedError, UsageError, aggregate
from cli.engine import stackops
from cli.engine.session import Session
from cli.plans import bundles
from cli.plans.report import write_bundle


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

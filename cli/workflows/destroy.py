"""`aiinv destroy`: dependents first; retained data (buckets, tables) stays and is listed.

A preflight over every selected stack runs first (`destroy_preflight`): anything that would stop the
destroy half-way (deletion protection on a resource that is not retained, prevent_destroy without the
retain marker) refuses the whole run with the fix, before any retained resource leaves state.

Resources whose Terraform-JSON comment carries `"retain_on_destroy": true` (they also have
`lifecycle.prevent_destroy`) are removed from state in one `terraform state rm`, just before the
stack's destroy. Before that the state is pulled and kept by the recovery store (`cli.state.recovery`,
mode 0600). If the destroy then fails, the retained resources still exist but are no longer in state:
the message says how to adopt them again (`terraform import`, with their ids) or to restore the
previous version of the state object (the state bucket is versioned).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from cli.core.errors import ExitCode, RefusedError, aggregate
from cli.core.outcome import Outcome, Status
from cli.engine import stackops
from cli.engine.session import Session
from cli.state import recovery
from cli.synth.manifest import retained_addresses
from cli.terraform import argv as tf
from cli.terraform import diagnostics
from cli.workflows.destroy_preflight import Blocker, config_blockers, managed_addresses, state_blockers


def check_dependents(session: Session, *, include_dependents: bool) -> None:
    """A stack cannot go while stacks that read its outputs stay."""
    missing = session.graph.all_dependents(session.selected) - set(session.selected)
    if not missing:
        return
    if not include_dependents:
        names = ", ".join(session.graph.ordered(missing))
        raise RefusedError(
            f"destroying {', '.join(session.selected)} would break its dependents {names}; "
            "select them too or pass --include-dependents"
        )
    session.selected = session.graph.ordered(set(session.selected) | missing)
    session.console.set_stacks(session.selected)


def preflight(session: Session) -> None:
    """Refuse the whole destroy, before it touches any state, when a selected stack would block it."""
    ctx, env = session.ctx, session.request.env
    blockers: list[Blocker] = []
    for name in session.graph.ordered(session.selected, reverse=True):
        config = ctx.stacks[name].config()
        stackops.ensure_init(ctx, name)
        pulled = ctx.tf(name, tf.state_pull(), echo=False)
        if pulled.returncode != 0:
            raise diagnostics.failure(name, "state pull (preflight, nothing destroyed)", pulled)
        state = json.loads(pulled.stdout or "{}")
        blockers += config_blockers(name, config, managed_addresses(state))
        hint = f"run `aiinv apply --env {env} --stack {name}`"
        blockers += state_blockers(name, state, config, retained=set(retained_addresses(config)), apply_hint=hint)
    if blockers:
        raise RefusedError("destroy would stop half-way, nothing was destroyed: "
                           + "; ".join(b.describe() for b in blockers))


def destroy(session: Session) -> ExitCode:
    with session.exclusive("destroy"):
        preflight(session)
        outcomes = session.run(lambda name: destroy_stack(session, name), reverse=True)
    session.summary(f"destroy {session.request.env}", outcomes)
    retained = [(n, r) for n, o in outcomes.items() for r in o.data.get("retained", [])]
    for name, (address, rid) in retained:
        session.console.info(f"retained (still exists, no longer managed): {name}: {address} id={rid}")
    session.raise_if_interrupted()
    return aggregate(o.status for o in outcomes.values())


def destroy_stack(session: Session, name: str) -> Outcome:
    ctx = session.ctx
    stackops.ensure_init(ctx, name)
    addresses = retained_addresses(ctx.stacks[name].config())
    retained: list[tuple[str, str]] = []
    backup: Path | None = None
    if addresses:
        pulled = ctx.tf(name, tf.state_pull(), echo=False)
        if pulled.returncode != 0:
            raise ctx.fail(name, "state pull", pulled)
        state = json.loads(pulled.stdout or "{}")
        retained = _in_state(state, addresses)
        if retained:
            backup = recovery.keep_state_backup(session.request.env, name, pulled.stdout)
            removed = ctx.tf(name, tf.state_rm(ctx.flags, [a for a, _ in retained]))
            if removed.returncode != 0:
                raise ctx.fail(name, "state rm of retained resources (nothing destroyed)", removed)
    result = ctx.tf(name, tf.destroy(ctx.flags))
    if result.returncode != 0:
        error = ctx.fail(name, "destroy", result)
        if retained:
            advice = _recovery(ctx.stacks[name].stable_directory, retained, backup)
            kept = recovery.write_destroy_advice(session.request.env, ctx.stacks[name], advice)
            ctx.console.warn(f"destroy of {name} did not finish: {advice}; this advice is also in {kept}")
            error.message += f"; {advice}; this advice is also in {kept}"
            error.args = (error.message,)
        raise error
    detail = f"retained {len(retained)}: " + ", ".join(a for a, _ in retained) if retained else ""
    return Outcome(name, Status.DESTROYED, detail, data={"retained": retained})


def _in_state(state: dict, addresses: list[str]) -> list[tuple[str, str]]:
    """(address, id) of every instance of a retained resource that the state holds."""
    wanted = set(addresses)
    found = []
    for res in state.get("resources", []):
        base = f"{res.get('type')}.{res.get('name')}"
        if res.get("mode") != "managed" or res.get("module") or base not in wanted:
            continue
        for inst in res.get("instances", []):
            key = inst.get("index_key")
            address = base if key is None else f"{base}[{json.dumps(key)}]"
            found.append((address, str(inst.get("attributes", {}).get("id", "?"))))
    return found


def _recovery(directory: Path, retained: list[tuple[str, str]], backup: Path | None) -> str:
    imports = "; ".join(
        f"terraform -chdir={shlex.quote(str(directory))} import {shlex.quote(a)} {shlex.quote(i)}"
        for a, i in retained
    )
    return (
        f"the retained resources still exist but were removed from state; adopt them again with: {imports} "
        f"(or restore the previous version of the state object in the versioned state bucket; "
        f"local copy of the state before removal: {backup})"
    )

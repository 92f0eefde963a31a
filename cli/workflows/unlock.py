"""`aiinv unlock`: remove a lock that a dead run left behind, never one that a live run holds.

With `--stack S LOCK_ID`: Terraform's state lock of stack S (`terraform force-unlock`), refused when
LOCK_ID is not the lock on S, or while a Terraform that `aiinv` started on this machine for that state
is still alive (`cli.state.liveruns`). Without `--stack`: the environment lock of run LOCK_ID (`cli.state.envlock`),
refused while that run is alive on this machine.
"""

from __future__ import annotations

from cli.core.errors import RefusedError, UsageError
from cli.engine import stackops
from cli.engine.session import Session
from cli.state import envlock, liveruns, statelocks
from cli.terraform import argv as tf
from cli.terraform import diagnostics


def unlock_stack(session: Session, lock_id: str) -> str:
    if len(session.selected) != 1:
        raise UsageError(f"--stack must name one stack; it matches {', '.join(session.selected)}")
    name = session.selected[0]
    backend = statelocks.backend_of(session.stacks[name])
    if backend is None:
        raise UsageError(f"{name} has no state lock (its backend does not lock)")
    lock = statelocks.lock_of(name, backend, session.request.env)
    if lock is None:
        raise RefusedError(f"the state of {name} is not locked; nothing to unlock")
    if lock.lock_id != lock_id:
        raise RefusedError(f"the state of {name} is locked by lock {lock.lock_id}, not {lock_id}; nothing removed")
    alive = liveruns.holders(backend.lock_id)
    if alive:
        pids = ", ".join(f"terraform pid {e['pid']} (aiinv pid {e['aiinv_pid']})" for e in alive)
        raise RefusedError(
            f"lock {lock_id} on {name} belongs to a run still alive on this machine: {pids}; "
            "let it finish or stop it with Ctrl-C instead"
        )
    ctx = session.ctx
    stackops.ensure_init(ctx, name)
    result = ctx.tf(name, tf.force_unlock(lock_id), echo=False)
    if result.returncode != 0:
        raise diagnostics.failure(name, "force-unlock", result, env=session.request.env)
    return f"removed lock {lock_id} from {name} ({lock.operation} by {lock.who} since {lock.created})"


def unlock_environment(session: Session, run_id: str) -> str:
    backend = next((b for n in session.graph.order if (b := statelocks.backend_of(session.stacks[n]))), None)
    if backend is None:
        raise UsageError(f"the stacks of {session.request.env} use no locking backend")
    lock = envlock.EnvironmentLock(backend, session.request.env, str(getattr(session.config, "account_id", "?")))
    holder = envlock.remove(lock, run_id)
    return f"removed the environment lock of {session.request.env}: {holder.describe()}"

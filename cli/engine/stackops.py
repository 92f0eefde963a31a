"""One Terraform action on one stack. Each returns an `Outcome` or raises `StackFailed` (`cli.terraform.diagnostics`).

`init` runs once per change of configuration (a stamp in `.terraform` records what was
initialised) and always under one lock on the shared provider plugin cache: Terraform's plugin cache
is not safe for concurrent writers, so inits are serialised while plans and applies run in parallel.
Within one run, a stack is initialised at most once: the scheduler may init it ahead of time (init
needs no upstream state), and the stack's own step then reuses that result, success or failure. The
output of an init run ahead is shown when the stack's turn comes, so a stack that ends up skipped or
blocked prints nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from cli.core import layout
from cli.core.console import Console
from cli.core.outcome import Outcome, Status
from cli.plans import drift_rule
from cli.plans.changes import summarize
from cli.state import recovery
from cli.synth.manifest import Stack
from cli.terraform import argv as tf
from cli.terraform import diagnostics
from cli.terraform.diagnostics import StackFailed
from cli.terraform.runner import Result, Runner
from cli.terraform.tfbin import terraform_process_env

_APPLIED = re.compile(r"Resources: \d+ added, \d+ changed, \d+ destroyed")


@dataclass
class _InitRecord:
    error: StackFailed | None
    held: list[str]
    """Output of an init run ahead of the stack's turn, not shown yet."""


@dataclass
class Context:
    env: str
    stacks: Mapping[str, Stack]
    runner: Runner
    console: Console
    flags: tf.Flags
    tool_id: str
    """Identifies the Terraform in use; a different one re-runs init."""
    rescued: dict[str, list[str]] = field(default_factory=dict)
    """Per stack: advice for state moved to the recovery store during this run."""
    _inits: dict[str, _InitRecord] = field(default_factory=dict, repr=False)
    _init_locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _beside: list[Future] = field(default_factory=list, repr=False)
    _beside_pool: ThreadPoolExecutor | None = field(default=None, repr=False)

    def beside(self, job: Callable[[], object]) -> None:
        """Run `job` off the stacks' path; `finish_beside` waits for it before the run reports."""
        with self._guard:
            if self._beside_pool is None:
                self._beside_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aiinv-beside")
            self._beside.append(self._beside_pool.submit(job))

    def finish_beside(self) -> None:
        """Wait for every job started `beside`; the first one that failed raises its error."""
        with self._guard:
            jobs, self._beside = self._beside, []
            pool, self._beside_pool = self._beside_pool, None
        if pool is None:
            return
        pool.shutdown(wait=True)
        for job in jobs:
            job.result()

    def init_lock(self, stack: str) -> threading.Lock:
        with self._guard:
            return self._init_locks.setdefault(stack, threading.Lock())

    def process_env(self) -> dict[str, str]:
        return terraform_process_env(os.environ)

    def tf(self, stack: str, argv: list[str], *, echo: bool = True, hold: list[str] | None = None) -> Result:
        """Run Terraform in the stack's directory; its lines are shown (`echo`) or kept in `hold`."""
        if hold is not None:
            sink = hold.append
        else:
            sink = (lambda line: self.console.stack_line(stack, line)) if echo else None
        result = self.runner.run(
            argv, cwd=self.stacks[stack].directory, env=self.process_env(), on_line=sink, label=stack
        )
        self.rescue_state(stack)
        return result

    def rescue_state(self, stack: str) -> None:
        """State Terraform could not save goes to the recovery store at once, with how to push it."""
        kept = recovery.rescue_errored_state(self.env, self.stacks[stack])
        if kept is not None:
            advice = recovery.errored_state_advice(self.tool_id, self.stacks[stack], kept)
            self.rescued.setdefault(stack, []).append(advice)
            self.console.warn(advice)

    def fail(self, stack: str, step: str, result: Result) -> StackFailed:
        """`failure`, plus where any state that could not be saved is kept."""
        error = diagnostics.failure(stack, step, result, env=self.env)
        for advice in self.rescued.get(stack, []):
            error.message += f"; {advice}"
        error.args = (error.message,)
        return error


def ensure_init(ctx: Context, name: str, *, ahead: bool = False) -> None:
    """Initialise `name` once per run; later calls return (or re-raise) the first one's result.

    `ahead`: an init before the stack's turn; its output is held until a call without `ahead`.
    """
    with ctx.init_lock(name):
        record = ctx._inits.get(name)
        if record is None:
            held: list[str] = []
            try:
                _init(ctx, name, hold=held if ahead else None)
                record = _InitRecord(None, held)
            except StackFailed as exc:
                record = _InitRecord(exc, held)
            ctx._inits[name] = record
        if not ahead:
            for line in record.held:
                ctx.console.stack_line(name, line)
            record.held.clear()
    if record.error is not None:
        raise record.error


def _init(ctx: Context, name: str, *, hold: list[str] | None = None) -> None:
    stack = ctx.stacks[name]
    stamp = stack.directory / ".terraform" / "aiinv-init"
    wanted = f"{stack.config_digest()} {ctx.tool_id}"
    if stamp.is_file() and stamp.read_text() == wanted:
        return
    # Only provider installs write to the shared cache; a stack of built-ins needs no lock.
    needs_cache = bool(stack.config().get("terraform", {}).get("required_providers"))
    with _plugin_cache_lock() if needs_cache else nullcontext():
        result = ctx.tf(name, tf.init(ctx.flags), hold=hold)
    if result.returncode != 0:
        raise ctx.fail(name, "init", result)
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(wanted)


@contextmanager
def _plugin_cache_lock():
    cache = layout.plugin_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".aiinv.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def plan(ctx: Context, name: str, out_dir: Path) -> Outcome:
    """Save the binary plan, its JSON and text under `out_dir/<name>/`."""
    ensure_init(ctx, name)
    target = (out_dir / name).resolve()
    target.mkdir(parents=True, exist_ok=True)
    plan_file = target / "tfplan"
    result = ctx.tf(name, tf.plan(ctx.flags, out=plan_file))
    if result.returncode not in (tf.PLAN_NO_CHANGES, tf.PLAN_CHANGES):
        raise ctx.fail(name, "plan", result)
    # A `show` spends most of its time loading the provider's schema. The reviewer's text is not needed to decide
    # the next stack, so it is rendered beside the stacks that follow (the run waits for it before it reports).
    ctx.beside(lambda: (target / "tfplan.txt").write_text(ctx.tf(name, tf.show_text(plan_file), echo=False).stdout))
    shown = ctx.tf(name, tf.show_json(plan_file), echo=False)
    if shown.returncode != 0:
        raise ctx.fail(name, "show", shown)
    (target / "tfplan.json").write_text(shown.stdout)
    changes = summarize(json.loads(shown.stdout))
    status = Status.CHANGES if result.returncode == tf.PLAN_CHANGES else Status.NO_CHANGES
    return Outcome(
        name,
        status,
        changes.describe() if status is Status.CHANGES else "",
        blocks_dependents=bool(changes.outputs),
        changed_outputs=tuple(changes.outputs),
        data={"changes": changes.to_json()},
    )


def apply_saved(ctx: Context, name: str, plan_file: Path) -> Result:
    ensure_init(ctx, name)
    return ctx.tf(name, tf.apply_saved(ctx.flags, plan_file.resolve()))


def apply(ctx: Context, name: str) -> Outcome:
    """Plan and apply in one `terraform apply` (its log shows the plan it applies)."""
    ensure_init(ctx, name)
    result = ctx.tf(name, tf.apply_auto(ctx.flags))
    if result.returncode != 0:
        raise ctx.fail(name, "apply", result)
    counts = _APPLIED.search(diagnostics.strip_ansi(result.stdout))
    if counts is None or counts.group(0).endswith("0 added, 0 changed, 0 destroyed"):
        return Outcome(name, Status.NO_CHANGES, "up to date")
    return Outcome(name, Status.APPLIED, counts.group(0).removeprefix("Resources: "))


DRIFT_SHOWN = 5  # addresses named in a drifted stack's line


def drift(ctx: Context, name: str) -> Outcome:
    """A refresh-only plan, judged by `cli.plans.drift_rule`: only changes to what the configuration sets are drift."""
    ensure_init(ctx, name)
    with tempfile.TemporaryDirectory(prefix="aiinv-drift-") as scratch:
        plan_file = Path(scratch) / "refresh.tfplan"
        result = ctx.tf(name, tf.plan(ctx.flags, refresh_only=True, out=plan_file))
        if result.returncode == tf.PLAN_NO_CHANGES:
            return Outcome(name, Status.NO_CHANGES)
        if result.returncode != tf.PLAN_CHANGES:
            raise ctx.fail(name, "drift check", result)
        shown = ctx.tf(name, tf.show_json(plan_file), echo=False)
        if shown.returncode != 0:
            raise ctx.fail(name, "show", shown)
    found = drift_rule.drifted(json.loads(shown.stdout), ctx.stacks[name].config())
    if not found:
        return Outcome(name, Status.NO_CHANGES, "refreshed; nothing the configuration sets changed")
    shown_addresses = ", ".join(found[:DRIFT_SHOWN]) + (f" and {len(found) - DRIFT_SHOWN} more"
                                                        if len(found) > DRIFT_SHOWN else "")
    return Outcome(name, Status.DRIFTED, f"changed outside Terraform: {shown_addresses}")


def outputs(ctx: Context, name: str) -> dict:
    ensure_init(ctx, name)
    result = ctx.tf(name, tf.output_json(), echo=False)
    if result.returncode != 0:
        raise ctx.fail(name, "output", result)
    return json.loads(result.stdout or "{}")

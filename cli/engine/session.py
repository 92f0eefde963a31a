"""Everything one command needs for one environment: validated config, synthesized stacks, the graph,
the selection, a runner and a console; and the check for state locks left behind when a run ends badly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cli.core import layout, preflight
from cli.core.config import load_config
from cli.core.console import Console, use_color
from cli.core.durations import lock_timeout_seconds
from cli.core.errors import AiinvError, Interrupted
from cli.core.outcome import Outcome, Status
from cli.engine import graph as graphs
from cli.engine import signals
from cli.engine.scheduler import run_graph
from cli.engine.stackops import Context, ensure_init
from cli.state import liveruns, statelocks
from cli.synth.manifest import Stack, not_synthesized, read_manifest
from cli.synth.reads import output_reads
from cli.synth.snapshots import Snapshot
from cli.terraform import argv as tf
from cli.terraform.runner import ProcessRunner
from cli.terraform.tfbin import describe, terraform_command


@dataclass(frozen=True)
class Request:
    """What the user asked for, as the shared options give it."""

    env: str
    project_name: str | None = None
    stacks: Sequence[str] = ()
    exclude: Sequence[str] = ()
    parallelism: int = 4
    no_color: bool = False
    lock_timeout: str = "0s"
    skip_synth: bool = False
    force_synth: bool = False


@dataclass
class Session:
    request: Request
    config: object
    stacks: dict[str, Stack]
    graph: graphs.StackGraph
    selected: list[str]
    console: Console
    runner: ProcessRunner
    snapshot: Snapshot
    """The synthesized output this run works on, held until `close()` (see `cli.synth.snapshots`)."""
    ctx: Context = field(init=False)
    locks_left: list[statelocks.StateLock] = field(default_factory=list, init=False)
    locks_unknown: str = field(default="", init=False)

    def __post_init__(self) -> None:
        flags = tf.Flags(color=self.console.color, lock_timeout=self.request.lock_timeout)
        self.ctx = Context(
            self.request.env,
            self.stacks,
            self.runner,
            self.console,
            flags,
            tool_id=describe(self.runner_command),
        )
        self.console.set_stacks(self.selected)

    def close(self) -> None:
        self.snapshot.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def runner_command(self) -> list[str]:
        return self.runner._command

    def run(self, task: Callable[[str], Outcome], *, reverse: bool = False,
            independent: bool = False) -> dict[str, Outcome]:
        """Run `task` over the selection in dependency order (reverse: dependents first); `independent`: side by
        side up to --parallelism, for a task whose outcome no other stack depends on (it reads, changes nothing)."""
        selected = set(self.selected)
        if independent:
            waits: dict[str, list[str]] = {n: [] for n in self.selected}
        elif reverse:
            waits = {n: [d for d in self.graph.dependents(n) if d in selected] for n in self.selected}
        else:
            waits = {n: [d for d in self.graph.dependencies(n) if d in selected] for n in self.selected}
        order = self.graph.ordered(self.selected, reverse=reverse)

        def guarded(name: str) -> Outcome:
            try:
                return task(name)
            except Exception as exc:
                if self.runner.interrupted.is_set():
                    # Keep what the step had to say (a destroy's recovery advice, state kept aside).
                    detail = f"interrupted: {exc.message}" if isinstance(exc, AiinvError) else "interrupted"
                    return Outcome(name, Status.INTERRUPTED, detail)
                raise

        with signals.forward_interrupts(self.runner):
            try:
                outcomes = run_graph(
                    order,
                    waits,
                    guarded,
                    parallelism=self.request.parallelism,
                    interrupted=self.runner.interrupted,
                    reads=output_reads(self.stacks),
                    prepare=lambda name: ensure_init(self.ctx, name, ahead=True),
                )
            except BaseException:
                with contextlib.suppress(Exception):
                    self.ctx.finish_beside()  # the run's own error is the one to report
                raise
            self.ctx.finish_beside()
        self._report_locks_left(outcomes)
        return outcomes

    def _report_locks_left(self, outcomes: dict[str, Outcome]) -> None:
        """After an interrupt or a failure, say which of our stacks' state locks are still held."""
        suspects = [
            n
            for n, o in outcomes.items()
            if (o.status is Status.FAILED and "locked by another run" not in o.detail)
            or (o.status is Status.INTERRUPTED and o.detail != "not started")
        ]
        self.locks_left = []
        self.locks_unknown = ""
        if not suspects:
            return
        try:
            self.locks_left = statelocks.held(self.stacks, suspects, self.request.env)
        except AiinvError as exc:
            self.locks_unknown = exc.message
        for lock in self.locks_left:
            self.console.warn(lock.describe(self.request.env))
        if self.locks_unknown:
            self.console.warn(f"could not check whether state locks remain: {self.locks_unknown}")

    @contextlib.contextmanager
    def exclusive(self, command: str) -> Iterator[None]:
        """Hold the environment lock (see `cli.state.envlock`) while `command` touches the stacks."""
        from cli.state import envlock

        backend = next((b for n in self.selected if (b := statelocks.backend_of(self.stacks[n]))), None)
        account = str(getattr(self.config, "account_id", "?"))
        timeout = lock_timeout_seconds(self.request.lock_timeout)
        with envlock.held(backend, self.request.env, account, command, timeout, say=self.console.warn):
            yield

    def summary(self, title: str, outcomes: dict[str, Outcome]) -> None:
        rows = [[n, o.status.value, f"{o.duration:.1f}s", o.detail] for n, o in outcomes.items()]
        self.console.table(title, ["stack", "status", "duration", "detail"], rows)

    def raise_if_interrupted(self) -> None:
        if not self.runner.interrupted.is_set():
            return
        signum = self.runner.stop_signal or signal.SIGINT
        what = signals.describe(signum)
        if self.locks_left:
            names = ", ".join(lock.stack for lock in self.locks_left)
            raise Interrupted(
                f"{what}; the state locks of {names} remain (see the warnings above for `aiinv unlock`)",
                signum=signum,
            )
        if self.locks_unknown:
            cause = "Terraform was killed (third interrupt), so " if self.runner.force_killed else ""
            raise Interrupted(
                f"{what}; {cause}state locks may remain and could not be checked ({self.locks_unknown}); "
                "a later run names any lock it meets and how to remove it",
                signum=signum,
            )
        how = "killed (third interrupt)" if self.runner.force_killed else "stopped gracefully"
        raise Interrupted(f"{what}; running Terraform processes were {how} and no state lock remains", signum=signum)


def open_session(request: Request, *, synth: bool = True) -> Session:
    """Validate, synthesize (or reuse the current output) and hold that output for the whole run."""
    config = load_config(request.env, request.project_name)
    preflight.require_local_dirs()
    snapshot = _snapshot(config, request, synth=synth and not request.skip_synth)
    try:
        stacks = read_manifest(snapshot.path / "manifest.json", shown_root=layout.env_dir(request.env))
        graph = graphs.StackGraph({n: s.dependencies for n, s in stacks.items()})
        selected = graphs.select(
            graph, request.stacks, request.exclude, prefix=config.project_name, env=request.env
        )
        console = Console(color=use_color(request.no_color))
        runner = ProcessRunner(terraform_command(), log_dir=new_log_dir(request.env))
        runner.inherited_fds = snapshot.fds()
        _track_live_runs(runner, stacks)
        return Session(request, config, stacks, graph, selected, console, runner, snapshot)
    except BaseException:
        snapshot.close()
        raise


def _snapshot(config: object, request: Request, *, synth: bool) -> Snapshot:
    if synth:
        from cli.synth.synthesize import synthesize

        return synthesize(config, env=request.env, force=request.force_synth).snapshot
    from cli.synth import snapshots

    held = snapshots.current(layout.env_dir(request.env))
    if held is None:
        raise not_synthesized(request.env)
    return held


def new_log_dir(env: str) -> Path:
    """This run's Terraform logs; only the last `layout.KEPT_RUN_LOGS` runs are kept."""
    base = layout.logs_dir(env)
    with contextlib.suppress(OSError):
        for old in sorted(p for p in base.iterdir() if p.is_dir())[: -layout.KEPT_RUN_LOGS + 1]:
            shutil.rmtree(old, ignore_errors=True)
    return base / f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}"


def _track_live_runs(runner: ProcessRunner, stacks: dict[str, Stack]) -> None:
    """Record every Terraform child with the state lock it may take (see `cli.state.liveruns`)."""
    lock_ids = {}
    for stack in stacks.values():
        backend = statelocks.backend_of(stack)
        if backend is not None:
            lock_ids[stack.directory.resolve()] = backend.lock_id

    def started(proc: object, cwd: Path) -> None:
        lock_id = lock_ids.get(Path(cwd).resolve())
        if lock_id is not None:
            with contextlib.suppress(OSError):
                liveruns.record(proc.pid, lock_id)  # type: ignore[attr-defined]

    runner.on_start = started
    runner.on_end = lambda proc: liveruns.forget(proc.pid)

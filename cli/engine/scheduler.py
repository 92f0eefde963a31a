"""Run one task per stack over the graph, as concurrently as the graph and `parallelism` allow.

Algorithm (in the manner of Terragrunt's run queue):
1. Stacks are visited in the given order (deploy order, or its reverse for destroy).
2. A stack starts once every stack in `waits_for[stack]` has an outcome and a worker is free.
3. If one of those failed, was skipped or interrupted, the stack is SKIPPED ("upstream X failed").
   If one is BLOCKED, or reports `blocks_dependents` (a plan whose outputs are not applied yet) and the
   stack reads one of the changed outputs (`reads`; without it, any change counts), the stack is
   BLOCKED by the stack that holds the unapplied changes.
4. After an interrupt nothing new starts; stacks not started are INTERRUPTED.
5. A worker that no ready stack needs runs `prepare` for the next stack still waiting (its
   `terraform init`, which reads no upstream state), so later stacks only plan or apply when their
   turn comes. One prepare at a time: more would compete with the stacks on the critical path for
   CPU and for the state backend. Ready stacks always go first; a stack does not start while its
   prepare runs, so at most `parallelism` Terraform processes run at once; with `--parallelism 1`
   nothing is prepared.
Independent stacks keep running when another one fails.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from cli.core.errors import AiinvError
from cli.core.outcome import Outcome, Status
from cli.synth.reads import Reads

_STOPS_DEPENDENTS = {Status.FAILED, Status.SKIPPED, Status.INTERRUPTED}


Task = Callable[[str], Outcome]
Prepare = Callable[[str], None]


def run_graph(
    order: Sequence[str],
    waits_for: Mapping[str, Sequence[str]],
    task: Task,
    *,
    parallelism: int,
    interrupted: threading.Event,
    reads: Reads | None = None,
    prepare: Prepare | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Outcome]:
    """Outcome per stack in `order`. `waits_for` maps a stack to the stacks that must finish first;
    `reads` says which upstream outputs each stack reads; `prepare` is optional work a stack can do
    before its upstream is done (its result is the stack's own business; its time counts in the
    stack's duration when the stack runs). `clock` measures those durations."""
    workers = max(1, parallelism)
    results: dict[str, Outcome] = {}
    pending = list(order)
    running: dict[Future, str] = {}
    preparing: dict[Future, str] = {}
    prepared: set[str] = set()
    prepare_seconds: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stack") as pool:
        while pending or running or preparing:
            for name in list(pending):
                if interrupted.is_set():
                    results[name] = Outcome(name, Status.INTERRUPTED, "not started")
                    pending.remove(name)
                    continue
                upstream = [u for u in waits_for.get(name, ()) if u in order]
                if any(u not in results for u in upstream) or name in preparing.values():
                    continue
                gate = _gate(name, [results[u] for u in upstream], None if reads is None else reads.get(name, {}))
                if gate is not None:
                    results[name] = gate
                    pending.remove(name)
                elif len(running) + len(preparing) < workers:
                    running[pool.submit(_timed, task, name, clock)] = name
                    pending.remove(name)
            if prepare is not None and not preparing and len(running) < workers and not interrupted.is_set():
                ahead = next((n for n in pending if n not in prepared), None)
                if ahead is not None:
                    prepared.add(ahead)
                    preparing[pool.submit(_prepare_timed, prepare, ahead, clock)] = ahead
            if running or preparing:
                done, _ = wait([*running, *preparing], timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    if future in preparing:
                        prepare_seconds[preparing.pop(future)] = future.result()
                    else:
                        name = running.pop(future)
                        results[name] = future.result()
                        results[name].duration += prepare_seconds.get(name, 0.0)
    return {name: results[name] for name in order}


def _gate(name: str, upstream: list[Outcome], reads: Mapping[str, frozenset[str]] | None) -> Outcome | None:
    for up in upstream:
        if up.status in _STOPS_DEPENDENTS:
            reason = "failed" if up.status is Status.FAILED else up.status.value
            return Outcome(name, Status.SKIPPED, f"upstream {up.stack} {reason}")
    for up in upstream:
        if up.status is Status.BLOCKED or (up.blocks_dependents and _reads_a_change(up, reads)):
            root = up.blocked_by or up.stack
            return Outcome(name, Status.BLOCKED, f"blocked by {root}", blocked_by=root)
    return None


def _reads_a_change(up: Outcome, reads: Mapping[str, frozenset[str]] | None) -> bool:
    if reads is None or not up.changed_outputs:
        return True  # nothing known about what is read or what changes: wait, to be safe
    return bool(reads.get(up.stack, frozenset()) & set(up.changed_outputs))


def _prepare_timed(prepare: Prepare, name: str, clock: Callable[[], float]) -> float:
    """Seconds spent; a failure is left for the stack's own step to meet and report."""
    start = clock()
    with contextlib.suppress(Exception):
        prepare(name)
    return clock() - start


def _timed(task: Task, name: str, clock: Callable[[], float]) -> Outcome:
    start = clock()
    try:
        outcome = task(name)
    except AiinvError as exc:
        blocked_by = getattr(exc, "blocked_by", "")
        status = Status.BLOCKED if blocked_by else Status.FAILED
        outcome = Outcome(name, status, exc.message, blocked_by=blocked_by)
    except Exception as exc:
        outcome = Outcome(name, Status.FAILED, f"{type(exc).__name__}: {exc}")
    outcome.duration = clock() - start
    return outcome

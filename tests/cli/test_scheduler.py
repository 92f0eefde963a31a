"""Small DAG scenarios for the scheduler, with tasks that record what ran and when."""

from __future__ import annotations

import threading
import time

from cli.core.errors import AiinvError
from cli.core.outcome import Outcome, Status
from cli.engine.scheduler import run_graph

ORDER = ["security", "auth", "data", "compute", "api"]
WAITS = {"security": [], "auth": ["security"], "data": ["security"], "compute": ["data"], "api": ["auth", "compute"]}


def test_failed_stack_skips_its_dependents_and_lets_independent_stacks_finish() -> None:
    ran = []

    def task(name: str) -> Outcome:
        ran.append(name)
        if name == "data":
            raise AiinvError("plan failed: precondition")
        return Outcome(name, Status.APPLIED)

    out = run_graph(ORDER, WAITS, task, parallelism=2, interrupted=threading.Event())
    assert out["data"].status is Status.FAILED and out["data"].detail == "plan failed: precondition"
    assert out["auth"].status is Status.APPLIED
    assert out["compute"].status is Status.SKIPPED and out["compute"].detail == "upstream data failed"
    assert out["api"].status is Status.SKIPPED
    assert sorted(ran) == ["auth", "data", "security"]


def test_unapplied_outputs_block_dependents_and_name_the_root_cause() -> None:
    def task(name: str) -> Outcome:
        return Outcome(name, Status.CHANGES, blocks_dependents=name == "data")

    out = run_graph(ORDER, WAITS, task, parallelism=4, interrupted=threading.Event())
    assert out["compute"].status is Status.BLOCKED and out["compute"].detail == "blocked by data"
    assert out["api"].detail == "blocked by data"
    assert out["auth"].status is Status.CHANGES


def test_only_dependents_that_read_a_changed_output_are_blocked() -> None:
    def task(name: str) -> Outcome:
        if name == "security":
            return Outcome(name, Status.CHANGES, blocks_dependents=True, changed_outputs=("key_arn",))
        return Outcome(name, Status.CHANGES)

    reads = {"auth": {"security": frozenset({"role_arn"})}, "data": {"security": frozenset({"key_arn"})}}
    out = run_graph(ORDER, WAITS, task, parallelism=4, interrupted=threading.Event(), reads=reads)
    assert out["auth"].status is Status.CHANGES
    assert out["data"].status is Status.BLOCKED and out["data"].detail == "blocked by security"
    assert out["compute"].detail == "blocked by security" and out["api"].detail == "blocked by security"


def test_independent_stacks_run_concurrently_up_to_parallelism() -> None:
    active, peak, lock = [0], [0], threading.Lock()

    def task(name: str) -> Outcome:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.3)
        with lock:
            active[0] -= 1
        return Outcome(name, Status.NO_CHANGES)

    names = ["a", "b", "c"]
    run_graph(names, {}, task, parallelism=2, interrupted=threading.Event())
    assert peak[0] == 2
    peak[0] = 0
    run_graph(names, {}, task, parallelism=1, interrupted=threading.Event())
    assert peak[0] == 1


def test_nothing_new_starts_after_an_interrupt() -> None:
    stop = threading.Event()

    def task(name: str) -> Outcome:
        stop.set()
        return Outcome(name, Status.APPLIED)

    out = run_graph(ORDER, WAITS, task, parallelism=1, interrupted=stop)
    assert out["security"].status is Status.APPLIED
    assert {o.status for n, o in out.items() if n != "security"} == {Status.INTERRUPTED}


def test_an_idle_worker_prepares_waiting_stacks_one_at_a_time() -> None:
    active, peak, lock = {"task": 0, "prepare": 0}, {"task": 0, "prepare": 0, "all": 0}, threading.Lock()
    events: list[tuple[str, str]] = []

    def busy(kind: str, name: str) -> None:
        with lock:
            active[kind] += 1
            peak[kind] = max(peak[kind], active[kind])
            peak["all"] = max(peak["all"], sum(active.values()))
            events.append((kind, name))
        time.sleep(0.1)
        with lock:
            active[kind] -= 1

    def prepare(name: str) -> None:
        busy("prepare", name)

    def task(name: str) -> Outcome:
        busy("task", name)
        return Outcome(name, Status.APPLIED)

    chain = ["a", "b", "c", "d"]
    waits = {"b": ["a"], "c": ["b"], "d": ["c"]}
    out = run_graph(chain, waits, task, parallelism=3, interrupted=threading.Event(), prepare=prepare)
    assert {o.status for o in out.values()} == {Status.APPLIED}
    # The root starts at once and the next waiting stack is prepared beside it.
    assert events[:2] == [("task", "a"), ("prepare", "b")]
    assert [n for k, n in events if k == "task"] == chain
    assert peak["prepare"] == 1 and peak["all"] == 2
    prepared = [n for k, n in events if k == "prepare"]
    # A stack's duration includes the time it was prepared ahead (0.1 s here) and its own step.
    assert out["a"].duration < out["b"].duration and all(out[n].duration >= 0.2 for n in prepared)
    # Each stack is prepared at most once, and never after its own step started.
    assert len(prepared) == len(set(prepared)) and prepared[0] == "b"
    for name in prepared:
        assert events.index(("prepare", name)) < events.index(("task", name))


def test_nothing_is_prepared_when_only_one_worker_may_run() -> None:
    prepared: list[str] = []
    out = run_graph(
        ORDER, WAITS, lambda n: Outcome(n, Status.APPLIED), parallelism=1, interrupted=threading.Event(),
        prepare=prepared.append,
    )
    assert prepared == [] and {o.status for o in out.values()} == {Status.APPLIED}


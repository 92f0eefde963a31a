"""Small DAG scenarios for the scheduler, with tasks that record what ran and when."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

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


def _wait_for(condition: Callable[[], bool], deadline: float = 10.0) -> bool:
    """Poll `condition` until it holds or `deadline` seconds pass (a slow machine only waits longer)."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.005)
    return True


@pytest.mark.parametrize("parallelism", [1, 2])
def test_independent_stacks_run_concurrently_up_to_parallelism(parallelism: int) -> None:
    active, peak, lock, release = [0], [0], threading.Lock(), threading.Event()

    def task(name: str) -> Outcome:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        release.wait(30)  # held until the test has seen how many run at once
        with lock:
            active[0] -= 1
        return Outcome(name, Status.NO_CHANGES)

    runner = threading.Thread(target=run_graph, args=(["a", "b", "c"], {}, task),
                              kwargs={"parallelism": parallelism, "interrupted": threading.Event()})
    runner.start()
    try:
        assert _wait_for(lambda: active[0] == parallelism), f"{active[0]} of 3 started, {parallelism} expected"
        # A third task would have to start while these are held; give it the chance (a correct scheduler never
        # starts one, so a slow machine cannot fail this, only miss a wrong scheduler).
        assert not _wait_for(lambda: active[0] > parallelism, deadline=0.3)
    finally:
        release.set()
        runner.join(30)
    assert peak[0] == parallelism


def test_nothing_new_starts_after_an_interrupt() -> None:
    stop = threading.Event()

    def task(name: str) -> Outcome:
        stop.set()
        return Outcome(name, Status.APPLIED)

    out = run_graph(ORDER, WAITS, task, parallelism=1, interrupted=stop)
    assert out["security"].status is Status.APPLIED
    assert {o.status for n, o in out.items() if n != "security"} == {Status.INTERRUPTED}


class _WorkClock:
    """Each thread's own seconds of work: durations come out exact whatever the machine's load."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __call__(self) -> float:
        return getattr(self._local, "now", 0.0)

    def work(self, seconds: float) -> None:
        self._local.now = self() + seconds


def test_an_idle_worker_prepares_waiting_stacks_one_at_a_time() -> None:
    active, peak, lock = {"task": 0, "prepare": 0}, {"task": 0, "prepare": 0, "all": 0}, threading.Lock()
    events: list[tuple[str, str]] = []
    clock = _WorkClock()
    a_running, b_preparing = threading.Event(), threading.Event()

    def begin(kind: str, name: str) -> None:
        with lock:
            active[kind] += 1
            peak[kind] = max(peak[kind], active[kind])
            peak["all"] = max(peak["all"], sum(active.values()))
            events.append((kind, name))

    def end(kind: str, seconds: float) -> None:
        clock.work(seconds)
        with lock:
            active[kind] -= 1

    def prepare(name: str) -> None:
        begin("prepare", name)
        if name == "b":
            b_preparing.set()
            assert a_running.wait(30)  # b's preparation overlaps a's step
        end("prepare", 5.0)

    def task(name: str) -> Outcome:
        begin("task", name)
        if name == "a":
            a_running.set()
            assert b_preparing.wait(30), "b was not prepared while a ran"
        end("task", 10.0)
        return Outcome(name, Status.APPLIED)

    chain = ["a", "b", "c", "d"]
    waits = {"b": ["a"], "c": ["b"], "d": ["c"]}
    out = run_graph(chain, waits, task, parallelism=3, interrupted=threading.Event(), prepare=prepare, clock=clock)
    assert {o.status for o in out.values()} == {Status.APPLIED}
    # The root starts at once and the next waiting stack is prepared beside it.
    assert set(events[:2]) == {("task", "a"), ("prepare", "b")}
    assert [n for k, n in events if k == "task"] == chain
    assert peak["prepare"] == 1 and peak["all"] == 2
    prepared = [n for k, n in events if k == "prepare"]
    # A stack's duration is the time it was prepared ahead plus its own step, exactly.
    assert {n: out[n].duration for n in chain} == {n: 15.0 if n in prepared else 10.0 for n in chain}
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


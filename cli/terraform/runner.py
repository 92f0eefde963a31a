"""The process seam: run one Terraform command, stream its lines, forward interrupts.

Children start in their own session, so a Ctrl-C on the terminal reaches only `aiinv`; `interrupt()`
then sends exactly one SIGINT to each running Terraform, which makes it stop gracefully, write state
and release its lock. (Two interrupts would make Terraform quit without releasing it.)

Terraform writes to files, never to a pipe that `aiinv` must read: when `aiinv` dies (SIGKILL, a closed
terminal) or its own output is closed (`aiinv apply | head`), Terraform keeps writing its log, finishes
the operation, saves state and releases its lock. `aiinv` follows the files to show the lines. With a
`log_dir` the files stay there (`<n>-<label>-<command>.out` / `.err`); without, they are temporary.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

LineSink = Callable[[str], None]
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


class Runner(Protocol):
    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        on_line: LineSink | None = None,
        label: str = "",
    ) -> Result: ...

    def interrupt(self, *, force: bool = False) -> None: ...


class ProcessRunner:
    """Runs `command + argv` as a child process whose output goes to files under `log_dir`."""

    def __init__(self, command: Sequence[str], log_dir: Path | None = None) -> None:
        self._command = list(command)
        self.log_dir = log_dir.resolve() if log_dir is not None else None
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._signalled: set[int] = set()
        self._sequence = itertools.count(1)
        self.interrupted = threading.Event()
        self.force_killed = False
        """True once a Terraform was killed (third interrupt): it cannot have released its lock."""
        self.stop_signal = 0
        """The first stop signal that interrupted the run (0: none)."""
        self.on_start: Callable[[subprocess.Popen, Path], None] | None = None
        """Called with each started child and its directory (the machine-wide run registry)."""
        self.on_end: Callable[[subprocess.Popen], None] | None = None
        self.inherited_fds: tuple[int, ...] = ()
        """Descriptors every child keeps open: the lock on the run's synth snapshot, so that a Terraform
        that outlives a killed aiinv still holds the files it works on (see `cli.synth.snapshots`)."""

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        on_line: LineSink | None = None,
        label: str = "",
    ) -> Result:
        if self.interrupted.is_set():
            return Result(130, "", "not started: interrupted\n")
        with self._log_files(argv, label) as (out_path, err_path):
            with open(out_path, "wb") as out_file, open(err_path, "wb") as err_file:
                proc = subprocess.Popen(
                    [*self._command, *argv],
                    cwd=cwd,
                    env=dict(env),
                    stdin=subprocess.DEVNULL,
                    stdout=out_file,
                    stderr=err_file,
                    start_new_session=True,
                    pass_fds=self.inherited_fds,
                )
            with self._lock:
                self._running.add(proc)
            if self.on_start is not None:
                self.on_start(proc, cwd)
            try:
                out: list[str] = []
                err: list[str] = []
                followers = [
                    threading.Thread(target=_follow, args=(out_path, proc, out, on_line), daemon=True),
                    threading.Thread(target=_follow, args=(err_path, proc, err, on_line), daemon=True),
                ]
                for follower in followers:
                    follower.start()
                code = proc.wait()
                for follower in followers:
                    follower.join()
            finally:
                with self._lock:
                    self._running.discard(proc)
                if self.on_end is not None:
                    self.on_end(proc)
        return Result(code, "".join(out), "".join(err))

    @contextlib.contextmanager
    def _log_files(self, argv: Sequence[str], label: str) -> Iterator[tuple[Path, Path]]:
        command = next((a for a in argv if not a.startswith("-")), "terraform")
        name = f"{next(self._sequence):03d}-{label or 'run'}-{command}"
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            yield self.log_dir / f"{name}.out", self.log_dir / f"{name}.err"
            return
        scratch = Path(tempfile.mkdtemp(prefix="aiinv-tf-"))
        try:
            yield scratch / f"{name}.out", scratch / f"{name}.err"
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def interrupt(self, *, force: bool = False) -> None:
        """Forward one SIGINT to every running Terraform (SIGKILL with `force`); start no new ones.

        Repeated calls do not send a second SIGINT: Terraform would then quit without writing state
        or releasing its lock.
        """
        self.interrupted.set()
        with self._lock:
            if force and self._running:
                self.force_killed = True
            targets = [p for p in self._running if force or p.pid not in self._signalled]
            self._signalled.update(p.pid for p in targets)
        for proc in targets:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL if force else signal.SIGINT)


def _follow(path: Path, proc: subprocess.Popen, sink: list[str], on_line: LineSink | None) -> None:
    """Read `path` as the child writes it, line by line, until the child has exited and all is read."""
    pending = ""
    with open(path, encoding="utf-8", errors="replace") as handle:
        while True:
            chunk = handle.read(65536)
            if not chunk:
                if proc.poll() is None:
                    time.sleep(_POLL_SECONDS)
                    continue
                chunk = handle.read()
                if not chunk:
                    break
            pending += chunk
            *lines, pending = pending.split("\n")
            for line in lines:
                _emit(sink, on_line, line + "\n")
    if pending:
        _emit(sink, on_line, pending)


def _emit(sink: list[str], on_line: LineSink | None, line: str) -> None:
    sink.append(line)
    if on_line is not None:
        on_line(line.rstrip("\n"))

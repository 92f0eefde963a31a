"""The process seam: run one Terraform command, stream its lines, forward interrupts.

Children start in their own session, so a Ctrl-C on the terminal reaches only `aiinv`; `interrupt()`
then sends exactly one SIGINT to each running Terraform, which makes it stop gracefully, write state
and release its lock. (Two interrupts would make Terraform quit without releasing it.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

LineSink = Callable[[str], None]


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
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], on_line: LineSink | None = None
    ) -> Result: ...

    def interrupt(self, *, force: bool = False) -> None: ...


class ProcessRunner:
    """Runs `command + argv` as a child process."""

    def __init__(self, command: Sequence[str]) -> None:
        self._command = list(command)
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._signalled: set[int] = set()
        self.interrupted = threading.Event()

    def run(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], on_line: LineSink | None = None
    ) -> Result:
        if self.interrupted.is_set():
            return Result(130, "", "not started: interrupted\n")
        proc = subprocess.Popen(
            [*self._command, *argv],
            cwd=cwd,
            env=dict(env),
            text=True,
            errors="replace",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        with self._lock:
            self._running.add(proc)
        out: list[str] = []
        err: list[str] = []
        readers = [
            threading.Thread(target=_pump, args=(proc.stdout, out, on_line), daemon=True),
            threading.Thread(target=_pump, args=(proc.stderr, err, on_line), daemon=True),
        ]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        code = proc.wait()
        with self._lock:
            self._running.discard(proc)
        return Result(code, "".join(out), "".join(err))

    def interrupt(self, *, force: bool = False) -> None:
        """Forward one SIGINT to every running Terraform (SIGKILL with `force`); start no new ones.

        Repeated calls do not send a second SIGINT: Terraform would then quit without writing state
        or releasing its lock.
        """
        self.interrupted.set()
        with self._lock:
            targets = [p for p in self._running if force or p.pid not in self._signalled]
            self._signalled.update(p.pid for p in targets)
        for proc in targets:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL if force else signal.SIGINT)


def _pump(stream: object, sink: list[str], on_line: LineSink | None) -> None:
    for line in stream:  # type: ignore[attr-defined]
        sink.append(line)
        if on_line is not None:
            on_line(line.rstrip("\n"))

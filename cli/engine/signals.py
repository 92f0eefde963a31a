"""Stop signals: SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal closed) all mean "stop gracefully".

Outside a Terraform run (start-up, synth) the signal becomes `Stopped`, a KeyboardInterrupt that
carries its number: cleanups run on the way out and the boundary exits with 128 + the signal number
(130, 143, 129). While Terraform runs, `forward_interrupts` takes the signals over: one SIGINT to each running
Terraform, nothing new starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cli.terraform.runner import ProcessRunner

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_code(signum: int) -> int:
    return 128 + int(signum)


def describe(signum: int) -> str:
    return {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated", signal.SIGHUP: "hung up"}.get(
        signal.Signals(signum), signal.Signals(signum).name
    )


def _raise(signum: int, _frame: object) -> None:
    raise Stopped(signum)


def install() -> None:
    """From here on every stop signal raises `Stopped` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in STOP_SIGNALS:
        signal.signal(sig, _raise)


def quiet_exit() -> None:
    """From here on (the report is written, the process is ending) stop signals are ignored: a second Ctrl-C
    would only interrupt the exit's own cleanup (the jsii kernel's shutdown) and print its traceback."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


SECOND_INTERRUPT = ("note: still stopping: Terraform is saving state and releasing its locks; interrupt once more "
                    "to kill it (its state locks may then remain)")


def _say_in_handler(line: str) -> None:
    """One line on stderr from a signal handler: straight to the descriptor, never through Python's buffered
    stream, which the interrupted code may be writing to at that moment."""
    with contextlib.suppress(OSError):
        os.write(2, f"{line}\n".encode())


@contextmanager
def forward_interrupts(runner: ProcessRunner) -> Iterator[None]:
    """While Terraform runs, SIGINT/SIGTERM/SIGHUP interrupt the children once and start nothing new."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    count = 0

    def handler(signum: int, _frame: object) -> None:
        nonlocal count
        count += 1
        runner.stop_signal = runner.stop_signal or signum
        # 1st: graceful stop; 2nd: ignored (Terraform is writing state), said so; 3rd: kill.
        if count == 1 or count >= 3:
            runner.interrupt(force=count >= 3)
        elif count == 2:
            _say_in_handler(SECOND_INTERRUPT)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)

"""The error boundary of every command: domain errors, stop signals and a closed stdout become an exit code."""

import functools
import sys
from collections.abc import Callable
from typing import TypeVar

import typer

from cli.core.errors import AiinvError, ExitCode

F = TypeVar("F", bound=Callable[..., object])


def boundary(func: F) -> F:
    """Domain errors become one line on stderr and their exit code; no traceback. A stop signal
    outside Terraform's run exits 128 + its number; a closed stdout ends the output, not the work."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        from cli.core import console
        from cli.engine import signals

        try:
            code = func(*args, **kwargs)
        except AiinvError as exc:
            _say(f"error: {exc.message}")
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signals.signal.SIGINT)
            _say(f"error: {signals.describe(signum)}; nothing more was started")
            raise typer.Exit(signals.exit_code(signum)) from None
        except BrokenPipeError:
            console.silence(sys.stdout)
            code = ExitCode.OK
        if console.output_lost.is_set():
            _say("note: the output was closed before the end; Terraform's own logs are under .aiinv/logs/")
        if code:
            raise typer.Exit(int(code))
        return None

    return wrapper  # type: ignore[return-value]


def _say(line: str) -> None:
    """One line on stderr, unless stderr is gone too (a closed terminal)."""
    from cli.core import console

    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        console.silence(sys.stderr)

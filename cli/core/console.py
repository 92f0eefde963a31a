"""Presentation: per-stack prefixed lines, messages, the summary table.

Rich colour and tables only when stdout is a terminal and colour is not turned off (`--no-color`,
`NO_COLOR`, `CI`); otherwise plain, stable text. Known secret values from the environment are
masked in every line that passes through here.

A closed output (`aiinv apply | head`, a closed terminal) never stops the work: the first failed write
points the stream at /dev/null, so the run goes on, finishes and releases its locks; `output_lost`
tells the boundary to say so in one line on stderr at the end.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Sequence
from typing import TextIO

output_lost = threading.Event()
"""Set when stdout or stderr could not be written any more."""

_SECRET_VARS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID")


def use_color(no_color: bool, stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    if no_color or os.environ.get("NO_COLOR") or os.environ.get("CI"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def interactive() -> bool:
    """True when a person can answer a prompt."""
    return sys.stdin.isatty() and not os.environ.get("CI")


class Console:
    def __init__(self, *, color: bool, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.color = color
        self._out = out or sys.stdout
        self._err = err or sys.stderr
        self._lock = threading.Lock()
        self._width = 0
        self._secrets = [v for k in _SECRET_VARS if len(v := os.environ.get(k, "")) >= 8]

    def set_stacks(self, names: Iterable[str]) -> None:
        self._width = max((len(n) for n in names), default=0)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def stack_line(self, stack: str, line: str) -> None:
        self._write(self._out, f"[{stack.ljust(self._width)}] {line}")

    def info(self, message: str) -> None:
        self._write(self._out, message)

    def error(self, message: str) -> None:
        self._write(self._err, f"error: {message}")

    def warn(self, message: str) -> None:
        self._write(self._err, f"warning: {message}")

    def _write(self, stream: TextIO, text: str) -> None:
        with self._lock:
            try:
                stream.write(self.redact(text) + "\n")
                stream.flush()
            except (BrokenPipeError, OSError, ValueError):
                silence(stream)

    def table(self, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        if self.color:
            from rich.console import Console as RichConsole
            from rich.table import Table

            table = Table(title=title)
            for header in headers:
                table.add_column(header)
            for row in rows:
                table.add_row(*(self.redact(c) for c in row))
            with self._lock:
                try:
                    RichConsole(file=self._out).print(table)
                except (BrokenPipeError, OSError, ValueError):
                    silence(self._out)
            return
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
        lines = [title, "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
        self._write(self._out, "\n".join(lines))


def silence(stream: TextIO) -> None:
    """Point a stream whose reader is gone at /dev/null (no error at exit either) and remember it."""
    output_lost.set()
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)

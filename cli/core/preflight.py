"""Checks made before any stack is touched, so a run does not fail half-way for a local reason."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cli.core.errors import AiinvError


def require_writable(path: Path, what: str) -> None:
    """`path` (or, if it does not exist yet, its nearest existing parent) accepts new files."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise AiinvError(f"{what} {path} is not a directory")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise AiinvError(
            f"{what} {existing} is not writable ({reason}); fix its permissions or run elsewhere"
        ) from None


def require_local_dirs() -> None:
    """The working directory (logs, recovery files) and the synth output accept files."""
    from cli.core import layout

    require_writable(Path.cwd(), "the working directory (.aiinv/ logs and recovery files)")
    require_writable(layout.out_root(), "the synth output directory")

"""Reproducible zip archives: sorted entries, fixed timestamps and permissions."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import zipfile
from collections.abc import Iterable
from pathlib import Path

# 1980-01-01, the earliest timestamp a zip entry can carry.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_zip(target: Path, files: Iterable[tuple[str, Path]]) -> Path:
    """Write `(archive name, source path)` pairs to `target` reproducibly; returns `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own per writer: two synths of one checkout (or of copies sharing its build cache) may write
    # the same archive at once, and a shared partial file would be renamed away under the other writer.
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name, source in sorted(files):
                info = zipfile.ZipInfo(name, date_time=_EPOCH)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, source.read_bytes())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def source_code_hash(path: Path) -> str:
    """Base64 SHA-256 of a file, the form Lambda's `source_code_hash` expects."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()

"""Synthesized output as immutable, content-addressed snapshots that every run holds while it works.

    cdktf.out/<env>                      symlink to the current snapshot, swapped in one rename
    cdktf.out/.<env>-<digest>/           one snapshot: manifest.json, stacks/<name>/..., never edited
        .aiinv-synth.json                the synth's input key and the sha256 of every file it wrote
        .aiinv-in-use                    lock file: every run using the snapshot holds a shared flock
    cdktf.out/.<env>.staging-<random>/   a synth in progress (held by its process)

A run resolves the link once and holds a shared lock on that snapshot until it ends, so a second run in
the same checkout that synthesizes other code swaps the link without touching the first run's files. An
old snapshot is deleted only when nobody holds it; the kernel drops the locks of a killed process, so no
lock outlives its run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

RECORD = ".aiinv-synth.json"
IN_USE = ".aiinv-in-use"
RECORD_FORMAT = 1
# Entries of a snapshot that Terraform or aiinv add later; they are not part of what the synth wrote.
_NOT_SYNTHESIZED = frozenset({".terraform", ".terraform.lock.hcl"})
_OWN_PREFIX = ".aiinv-"  # the record, the lock file and a record being written
# A directory without a lock file younger than this may be a synth that is just starting.
_GRACE_SECONDS = 120


@dataclass
class Snapshot:
    """One held snapshot. `close()` (or process exit) releases it."""

    path: Path
    _fd: int | None = field(default=None, repr=False)

    def fds(self) -> tuple[int, ...]:
        """The lock's descriptor, for child processes that must hold the snapshot as long as they run."""
        return () if self._fd is None else (self._fd,)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def hold(directory: Path, *, exclusive: bool = False) -> Snapshot | None:
    """Lock `directory` for use (shared) or for deletion (exclusive); None if gone or held otherwise."""
    try:
        fd = os.open(directory / IN_USE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        # A read-only output tree: nobody can swap or delete it, so there is nothing to guard against.
        if not directory.is_dir():
            return None
        try:
            fd = os.open(directory / IN_USE, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return Snapshot(directory)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    if os.fstat(fd).st_nlink == 0:  # deleted between open and lock
        os.close(fd)
        return None
    return Snapshot(directory, fd)


def current(link: Path, *, attempts: int = 50) -> Snapshot | None:
    """Hold the snapshot `link` points to now; None when there is no output."""
    for _ in range(attempts):
        if not link.exists():
            return None
        held = hold(link.resolve())
        if held is not None:
            return held
        time.sleep(0.05)  # being swapped or cleaned this instant: look again
    raise OSError(errno.EBUSY, f"{link} keeps changing; is another synth looping?")


def staging_dir(root: Path, env: str) -> Snapshot:
    """A new directory for a synth in progress, held (shared, like a snapshot in use, so that the lock
    needs no conversion when it becomes one)."""
    root.mkdir(parents=True, exist_ok=True)
    # Named before it exists, so a stop signal at any moment after the mkdir still finds it to remove.
    path = root / f".{env}.staging-{uuid.uuid4().hex[:12]}"
    try:
        path.mkdir(mode=0o700)
        held = hold(path)
        if held is None:
            raise OSError(errno.EIO, f"cannot lock {path}")
        return held
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def file_digests(directory: Path) -> dict[str, str]:
    """sha256 of every file the synth wrote, by path relative to `directory`."""
    found: dict[str, str] = {}
    for current_dir, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_SYNTHESIZED)
        for name in sorted(names):
            if name in _NOT_SYNTHESIZED or name.startswith(_OWN_PREFIX):
                continue
            path = Path(current_dir, name)
            found[str(path.relative_to(directory))] = _sha256(path)
    return found


def write_record(directory: Path, inputs: str) -> None:
    """Record what `directory` was synthesized from and what it holds (written atomically)."""
    _write_record(directory, {"format": RECORD_FORMAT, "inputs": inputs, "files": file_digests(directory)})


def matches(directory: Path, inputs: str) -> bool:
    """True when `directory` was synthesized from `inputs` and holds exactly the files it wrote, intact."""
    record = _read_record(directory)
    return record is not None and record["inputs"] == inputs and _intact(directory, record["files"])


def publish(staging: Snapshot, link: Path, *, name_digest: str) -> Snapshot:
    """Make the complete, recorded `staging` the current snapshot behind `link`; return it held (shared)."""
    root, env = link.parent, link.name
    record = _read_record(staging.path)
    if record is None:
        raise ValueError(f"{staging.path} has no synth record")
    final = root / f".{env}-{name_digest[:16]}"
    existing = hold(final) if final.is_dir() else None
    if existing is not None and _intact(final, record["files"]):
        # The same output exists (its initialised .terraform directories stay usable); only the key
        # that produced it may be new, e.g. after an edit that changes no output.
        _write_record(final, record)
        discard(staging)
        held = existing
    else:
        if existing is not None:
            existing.close()
        if final.exists() and not _remove_if_unused(final):
            final = root / f".{env}-{name_digest[:16]}-{os.getpid()}"  # damaged and in use: leave it be
        staging.path.rename(final)
        # The lock belongs to the open file and survives the rename.
        held = Snapshot(final, staging._fd)
        staging._fd = None
    _point(link, final)
    remove_unused(link)
    return held


def remove_unused(link: Path) -> None:
    """Delete the snapshots and staging directories of `link`'s environment that no run holds."""
    root, env = link.parent, link.name
    keep = link.resolve() if link.exists() else None
    pattern = re.compile(rf"^\.{re.escape(env)}(-[0-9a-f]{{16}}(-\d+)?|\.(staging|old|link)-.+)$")
    for entry in root.iterdir():
        if not pattern.match(entry.name):
            continue
        if entry.is_symlink() or not entry.is_dir():
            if entry.name.startswith(f".{env}.link-") and _older_than(entry, _GRACE_SECONDS):
                entry.unlink(missing_ok=True)
            continue
        if entry.resolve() == keep:
            continue
        if not (entry / IN_USE).exists() and not _older_than(entry, _GRACE_SECONDS):
            continue  # perhaps a synth that is creating its staging directory this instant
        _remove_if_unused(entry)


def discard(staging: Snapshot) -> None:
    """Drop a synth in progress that failed, was interrupted or turned out to be a duplicate."""
    shutil.rmtree(staging.path, ignore_errors=True)
    staging.close()


def _point(link: Path, final: Path) -> None:
    if link.exists() and not link.is_symlink():
        # Output from before snapshots (a plain directory): move it aside; it is removed as unused.
        aside = Path(tempfile.mkdtemp(prefix=f".{link.name}.old-", dir=link.parent))
        link.rename(aside / "out")
    temporary = link.parent / f".{link.name}.link-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(final.name)
    temporary.replace(link)


def _remove_if_unused(directory: Path) -> bool:
    held = hold(directory, exclusive=True)
    if held is None and (directory / IN_USE).exists():
        return False  # a run is using it
    try:
        shutil.rmtree(directory, ignore_errors=True)
    finally:
        if held is not None:
            held.close()
    return not directory.exists()


def _intact(directory: Path, files: dict[str, str]) -> bool:
    try:
        return bool(files) and file_digests(directory) == files
    except OSError:
        return False


def _read_record(directory: Path) -> dict | None:
    try:
        record = json.loads((directory / RECORD).read_text())
        if (record.get("format") == RECORD_FORMAT and isinstance(record.get("inputs"), str)
                and isinstance(record.get("files"), dict)):
            return record
    except (OSError, ValueError, AttributeError):
        pass
    return None  # missing, partial or corrupted: synthesize again


def _write_record(directory: Path, record: dict) -> None:
    temporary = directory / f"{RECORD}.{os.getpid()}"
    temporary.write_text(json.dumps(record, sort_keys=True, indent=1))
    temporary.replace(directory / RECORD)


def _older_than(path: Path, seconds: float) -> bool:
    with contextlib.suppress(OSError):
        return time.time() - path.lstat().st_mtime > seconds
    return False


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()

"""Install a test stand-in of the pinned AWS provider from an archive, for machines without the registry.

A stand-in is a provider executable of another version, built from unmodified source, that Terraform accepts
for the pin because a filesystem mirror takes the version from its directory name. It is for tests only, so
it gets a mirror of its own outside any clone, `${XDG_CACHE_HOME:-~/.cache}/aiinv/standin-providers/<version>`
(or `AIINV_PROVIDER_STANDIN_MIRROR`), never the user's default mirror: aiinv uses it only when
AIINV_PROVIDER_MIRROR points at it, and then says so (`standin_of`, `aiinv doctor`).

`python -m cli.terraform.provider_standin` unpacks `AIINV_PROVIDER_STANDIN_ARCHIVE` (an .xz of the executable) once per
machine: only archives listed in BUILDS are accepted, the executable's sha256 is checked before it is renamed
into place, concurrent installers take turns, and a marker at the top of the mirror (`aiinv-standin.json`,
outside the registry tree, so Terraform ignores it) records what stands in for what and which file was
verified, so a re-run checks size and mtime instead of hashing 900 MB again.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cli.core.errors import AiinvError, RefusedError
from cli.terraform.provider_mirror import AWS, ProviderPin, binary_path, default_mirror, target_platform

ARCHIVE_ENV = "AIINV_PROVIDER_STANDIN_ARCHIVE"
MIRROR_ENV = "AIINV_PROVIDER_STANDIN_MIRROR"
MARKER = "aiinv-standin.json"
LOCK = ".standin.lock"
GO_MODULE = "github.com/hashicorp/terraform-provider-aws"
CHUNK = 1 << 20
Say = Callable[[str], None]


@dataclass(frozen=True)
class StandIn:
    """One build that may stand in for the pinned provider in tests."""

    archive: str  # the archive's file name
    version: str  # the build's own version label
    go_version: str  # the Go module version it was built from
    commit: str
    archive_sha256: str
    sha256: str  # of the executable
    size: int  # of the executable, in bytes
    platform: str
    stands_in_for: ProviderPin = AWS

    @property
    def source(self) -> str:
        return f"{GO_MODULE}@{self.go_version} (commit {self.commit})"

    @property
    def label(self) -> str:
        pin = self.stands_in_for
        return f"{pin.namespace}/{pin.type} {self.version} standing in for {pin.version}"

    @property
    def detail(self) -> str:
        return f"{self.label} (test build, not for real accounts)"


# The known builds: an archive whose sha256 is not here is refused.
BUILDS: tuple[StandIn, ...] = (
    StandIn(
        archive="terraform-provider-aws_6.47.1-dev_linux_amd64.xz",
        version="6.47.1-dev",
        go_version="v1.60.1-0.20260602190131-5f2286d6d836",
        commit="5f2286d6d836",
        archive_sha256="77b24a7cd874287dc95fe1527fc4a8e5c804e421a7e5a327de9e9493bce814da",
        sha256="b56f0c5c4e5fa2ed88a42dcabc8a0380facf47925a3b3e38ce21954dc25dc751",
        size=904_696_073,
        platform="linux_amd64",
    ),
)


@dataclass(frozen=True)
class Installed:
    how: str  # "unpacked", "present" or "verified" (present, hashed again because the marker was stale)
    standin: StandIn
    mirror: Path
    path: Path
    seconds: float = 0.0


def standin_mirror(standin: StandIn) -> Path:
    explicit = os.environ.get(MIRROR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aiinv" / "standin-providers" / standin.version


def standin_of(mirror: Path) -> StandIn | None:
    """The stand-in a mirror holds according to its marker; None for a mirror without one."""
    try:
        marker = json.loads((mirror / MARKER).read_text())
        hostname, namespace, kind = marker["provider"].split("/")
        return StandIn(archive=marker["archive"], version=marker["version"], go_version=marker["go_version"],
                       commit=marker["commit"], archive_sha256=marker["archive_sha256"], sha256=marker["sha256"],
                       size=int(marker["size"]), platform=marker["platform"],
                       stands_in_for=ProviderPin(hostname, namespace, kind, marker["stands_in_for"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def identify(archive: Path, builds: Sequence[StandIn] | None = None) -> StandIn:
    """The known build `archive` holds (`builds`, default BUILDS); refused when it is none of them."""
    digest = _sha256(archive)
    for build in BUILDS if builds is None else builds:
        if build.archive_sha256 == digest:
            return build
    raise RefusedError(f"{archive}: sha256 {digest} is not a known stand-in build (BUILDS in "
                       f"cli/terraform/provider_standin.py); nothing installed")


def install(archive: Path, mirror: Path | None = None, *, builds: Sequence[StandIn] | None = None,
            say: Say = lambda line: None) -> Installed:
    """Make the stand-in mirror hold the build in `archive`, unless it does already (verified)."""
    standin = identify(archive, builds)
    if standin.platform != target_platform():
        raise RefusedError(f"{archive}: the stand-in is built for {standin.platform}, this machine is "
                           f"{target_platform()}; nothing installed")
    mirror = (mirror or standin_mirror(standin)).expanduser().absolute()
    if mirror.resolve() == default_mirror().expanduser().resolve():
        raise RefusedError(f"{mirror} is the default provider mirror: a stand-in never goes there "
                           f"(set {MIRROR_ENV} to another directory)")
    target = binary_path(mirror, standin.stands_in_for)
    if _fresh(mirror, target, standin):
        return Installed("present", standin, mirror, target)
    mirror.mkdir(parents=True, exist_ok=True)
    with open(mirror / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another clone or CI job may be unpacking the same build
        start = time.monotonic()
        for leftover in target.parent.glob(f".{target.name}.*.partial"):
            leftover.unlink(missing_ok=True)  # of an installer that was killed: we hold the lock
        if _fresh(mirror, target, standin):
            return Installed("present", standin, mirror, target)
        if target.is_file() and target.stat().st_size == standin.size:
            say(f"checking {target} (its marker is missing or stale)")
            if _sha256(target) == standin.sha256:
                target.chmod(0o755)
                _write_marker(mirror, target, standin, verified=True)
                return Installed("verified", standin, mirror, target, time.monotonic() - start)
        if target.exists() and standin_of(mirror) is None:  # it may be someone's real provider
            raise RefusedError(f"{mirror} holds a provider that is not this stand-in and has no stand-in marker; "
                               "nothing installed")
        _write_marker(mirror, target, standin, verified=False)  # it is a stand-in mirror from here on
        say(f"unpacking {archive.name} ({standin.label}) into {mirror}")
        _unpack(archive, target, standin)
        _write_marker(mirror, target, standin, verified=True)
        return Installed("unpacked", standin, mirror, target, time.monotonic() - start)


def _fresh(mirror: Path, target: Path, standin: StandIn) -> bool:
    """The executable is the one the marker verified: same sha256, size and mtime, and executable."""
    try:
        marker = json.loads((mirror / MARKER).read_text())
        stat = target.stat()
    except (OSError, ValueError):
        return False
    verified = marker.get("verified") if isinstance(marker, dict) else None
    return (isinstance(verified, dict) and marker.get("sha256") == standin.sha256
            and stat.st_size == standin.size == verified.get("size")
            and stat.st_mtime_ns == verified.get("mtime_ns") and os.access(target, os.X_OK))


def _unpack(archive: Path, target: Path, standin: StandIn) -> None:
    """Unpack beside the final name, check, then rename: a partial executable never has the final name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        digest, size = hashlib.sha256(), 0
        with open(temporary, "wb") as out:
            for chunk in _unpacked(archive):
                size += len(chunk)
                if size > standin.size:
                    break
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size != standin.size or digest.hexdigest() != standin.sha256:
            raise AiinvError(f"{archive} unpacks to an executable that is not {standin.label} "
                             f"(expected sha256 {standin.sha256}, {standin.size} bytes); nothing installed")
        temporary.chmod(0o755)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def _unpacked(archive: Path) -> Iterator[bytes]:
    """The archive's content in chunks: through `xz` where there is one (about twice as fast), else lzma."""
    xz = shutil.which("xz")
    if xz is None:
        import lzma

        with lzma.open(archive) as packed:
            while chunk := packed.read(CHUNK):
                yield chunk
        return
    process = subprocess.Popen([xz, "-T0", "-dc", str(archive)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    try:
        while chunk := process.stdout.read(CHUNK):
            yield chunk
        error = process.stderr.read().decode(errors="replace").strip()
        if process.wait() != 0:
            raise AiinvError(f"xz could not unpack {archive}: {error.splitlines()[0] if error else 'no message'}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def _write_marker(mirror: Path, target: Path, standin: StandIn, *, verified: bool) -> None:
    pin = standin.stands_in_for
    stat = target.stat() if verified else None
    marker = {
        "what": f"{standin.detail}: for tests on machines without the registry only",
        "provider": pin.address,
        "version": standin.version,
        "stands_in_for": pin.version,
        "go_version": standin.go_version,
        "commit": standin.commit,
        "source": standin.source,
        "platform": standin.platform,
        "archive": standin.archive,
        "archive_sha256": standin.archive_sha256,
        "sha256": standin.sha256,
        "size": standin.size,
        "executable": str(target.relative_to(mirror)),
        "verified": {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns} if stat else None,
    }
    temporary = mirror / f".{MARKER}.{os.getpid()}"
    temporary.write_text(json.dumps(marker, indent=2) + "\n")
    temporary.replace(mirror / MARKER)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cli.terraform.provider_standin",
        description="Unpack a known test stand-in of the pinned AWS provider into a mirror of its own.")
    parser.add_argument("--archive", default=None, help=f"the .xz of the executable (default: ${ARCHIVE_ENV})")
    parser.add_argument("--mirror", default=None,
                        help=f"default: ${MIRROR_ENV}, else ~/.cache/aiinv/standin-providers/<version>")
    parser.add_argument("--print-mirror", action="store_true",
                        help="stdout carries only the mirror's path, and nothing when no stand-in is installed; "
                             "messages go to stderr")
    args = parser.parse_args(argv)
    out = sys.stderr if args.print_mirror else sys.stdout

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    named = args.archive if args.archive is not None else os.environ.get(ARCHIVE_ENV, "")
    if not named:
        say(f"{ARCHIVE_ENV} is not set: no provider stand-in installed")
        return 0
    archive = Path(named).expanduser()
    if not archive.is_file():
        say(f"{ARCHIVE_ENV}={archive}: no such file, no provider stand-in installed")
        return 0
    try:
        done = install(archive, Path(args.mirror).expanduser() if args.mirror else None, say=say)
    except AiinvError as exc:
        print(exc.message, file=sys.stderr, flush=True)
        return int(exc.exit_code)
    if done.how == "unpacked":
        say(f"{done.standin.detail}: unpacked in {done.seconds:.1f} s")
    elif done.how == "verified":
        say(f"{done.standin.detail}: checked in {done.seconds:.1f} s")
    else:
        say(f"{done.standin.detail}: already in the mirror")
    print(done.mirror, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The provider stand-in (`cli/terraform/provider_standin.py`): only known archives, unpacked once per machine into a
mirror of its own, atomically and in turns, and named as a stand-in wherever the provider source is reported.

A tiny fake executable, xz-compressed here, stands for the 900 MB build; its table entry is injected."""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from cli.aws.doctor import provider_source
from cli.core.errors import AiinvError, RefusedError
from cli.terraform import provider_mirror, provider_standin
from cli.terraform.provider_standin import StandIn, install, standin_of

REPO = Path(__file__).resolve().parents[2]
NOWHERE = ("127.0.0.1", 9)  # a registry address that refuses connections
EXECUTABLE = b"#!/bin/sh\necho fake provider\n" + bytes(range(256)) * 4096  # about 1 MB, several chunks


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine of its own: cache home, no mirror or CLI configuration chosen by the user."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("AIINV_PLUGIN_CACHE", str(tmp_path / "cache" / "aiinv" / "plugins"))
    for name in (provider_mirror.MIRROR_ENV, provider_mirror.CLI_CONFIG_ENV, provider_standin.ARCHIVE_ENV,
                 provider_standin.MIRROR_ENV):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def build(machine: Path) -> tuple[Path, StandIn]:
    """An archive of the fake executable and its table entry."""
    archive = machine / "terraform-provider-aws_0.0.1-test.xz"
    archive.write_bytes(lzma.compress(EXECUTABLE))
    entry = StandIn(archive=archive.name, version="0.0.1-test", go_version="v0.0.1-test", commit="0123456789ab",
                    archive_sha256=hashlib.sha256(archive.read_bytes()).hexdigest(),
                    sha256=hashlib.sha256(EXECUTABLE).hexdigest(), size=len(EXECUTABLE),
                    platform=provider_mirror.target_platform())
    return archive, entry


def _mirror(machine: Path) -> Path:
    return machine / "cache" / "aiinv" / "standin-providers" / "0.0.1-test"


def _target(machine: Path) -> Path:
    return provider_mirror.binary_path(_mirror(machine))


def _script(archive: Path, entry: StandIn, prelude: str = "") -> list[str]:
    """A separate installer process with the fake build in its table (`prelude` may slow its unpacking)."""
    fields = {k: v for k, v in asdict(entry).items() if k != "stands_in_for"}
    code = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from cli.terraform import provider_standin as s\n"
        f"{prelude}\n"
        f"entry = s.StandIn(**json.loads({json.dumps(json.dumps(fields))}))\n"
        f"print(s.install(Path({str(archive)!r}), builds=[entry]).how, flush=True)\n"
    )
    return [sys.executable, "-c", code]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def test_an_unknown_archive_is_refused_and_nothing_is_written(machine: Path, build: tuple[Path, StandIn]) -> None:
    archive, entry = build
    other = machine / "other.xz"
    other.write_bytes(lzma.compress(b"another build"))
    with pytest.raises(RefusedError, match="is not a known stand-in build"):
        install(other, builds=[entry])
    # The command line knows only the real table: the fake build is unknown to it.
    done = subprocess.run([sys.executable, "-m", "cli.terraform.provider_standin", "--print-mirror"],
                          capture_output=True, text=True, env={**_env(), provider_standin.ARCHIVE_ENV: str(archive)},
                          check=False)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and f"sha256 {entry.archive_sha256} is not a known" in done.stderr
    assert not (machine / "cache").exists()


def test_without_an_archive_nothing_happens(machine: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert provider_standin.main([]) == 0
    assert capsys.readouterr().out == f"{provider_standin.ARCHIVE_ENV} is not set: no provider stand-in installed\n"
    monkeypatch.setenv(provider_standin.ARCHIVE_ENV, str(machine / "absent.xz"))
    assert provider_standin.main(["--print-mirror"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "no such file" in err
    assert not (machine / "cache").exists()


def test_install_once_then_a_rerun_skips_without_hashing_the_executable(
        machine: Path, build: tuple[Path, StandIn], monkeypatch: pytest.MonkeyPatch) -> None:
    archive, entry = build
    first = install(archive, builds=[entry])
    target = _target(machine)
    assert (first.how, first.mirror, first.path) == ("unpacked", _mirror(machine), target)
    assert target.read_bytes() == EXECUTABLE
    assert target.stat().st_mode & 0o777 == 0o755
    marker = json.loads((_mirror(machine) / provider_standin.MARKER).read_text())
    assert marker["version"] == "0.0.1-test" and marker["stands_in_for"] == provider_mirror.AWS.version
    assert marker["sha256"] == entry.sha256 and marker["source"] == "github.com/hashicorp/terraform-provider-aws@" \
        "v0.0.1-test (commit 0123456789ab)"
    assert marker["verified"] == {"size": len(EXECUTABLE), "mtime_ns": target.stat().st_mtime_ns}
    assert standin_of(_mirror(machine)) == entry
    assert not provider_mirror.holds(provider_mirror.default_mirror())  # the user's mirror is left alone

    hashed: list[Path] = []
    real = provider_standin._sha256
    monkeypatch.setattr(provider_standin, "_sha256", lambda path: hashed.append(path) or real(path))
    before = target.stat().st_mtime_ns
    again = install(archive, builds=[entry])
    assert again.how == "present"
    assert hashed == [archive]  # the archive (to know the build), not the executable
    assert target.stat().st_mtime_ns == before


def test_a_stale_marker_means_hashing_again_and_a_corrupted_executable_is_unpacked_again(
        machine: Path, build: tuple[Path, StandIn]) -> None:
    archive, entry = build
    install(archive, builds=[entry])
    target = _target(machine)
    os.utime(target, ns=(time.time_ns(), time.time_ns() - 10**9))  # touched: same bytes, another mtime
    assert install(archive, builds=[entry]).how == "verified"
    assert install(archive, builds=[entry]).how == "present"

    target.write_bytes(b"\0" * len(EXECUTABLE))  # same size, other bytes
    assert install(archive, builds=[entry]).how == "unpacked"
    assert target.read_bytes() == EXECUTABLE
    target.chmod(0o644)
    assert install(archive, builds=[entry]).how == "verified"
    assert os.access(target, os.X_OK)
    (_mirror(machine) / provider_standin.MARKER).unlink()
    assert install(archive, builds=[entry]).how == "verified"  # no marker: hashed, and it is the build
    assert standin_of(_mirror(machine)) == entry
    (_mirror(machine) / provider_standin.MARKER).unlink()
    target.write_bytes(b"truncated")
    with pytest.raises(RefusedError, match="holds a provider that is not this stand-in"):
        install(archive, builds=[entry])  # without a marker the file may be someone's real provider
    assert target.read_bytes() == b"truncated"


def test_without_xz_python_unpacks_and_a_build_that_is_not_the_listed_one_is_not_installed(
        machine: Path, build: tuple[Path, StandIn], monkeypatch: pytest.MonkeyPatch) -> None:
    archive, entry = build
    wrong = replace(entry, sha256="0" * 64)
    with pytest.raises(AiinvError, match="unpacks to an executable that is not"):
        install(archive, builds=[wrong])
    target = _target(machine)
    assert not target.exists() and not list(target.parent.glob(".*.partial"))
    monkeypatch.setattr(provider_standin.shutil, "which", lambda name: None)
    assert install(archive, builds=[entry]).how == "unpacked"
    assert target.read_bytes() == EXECUTABLE


def test_two_concurrent_installers_unpack_once(machine: Path, build: tuple[Path, StandIn]) -> None:
    archive, entry = build
    slow = ("real = s._unpacked\n"
            "def _slow(archive):\n"
            "    for chunk in real(archive):\n"
            "        time.sleep(0.2)\n"
            "        yield chunk\n"
            "s._unpacked = _slow\n")
    installers = [subprocess.Popen(_script(archive, entry, slow), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=_env()) for _ in range(2)]
    results = [p.communicate(timeout=60) for p in installers]
    assert [p.returncode for p in installers] == [0, 0], results
    assert sorted(out.strip() for out, _ in results) == ["present", "unpacked"]
    assert _target(machine).read_bytes() == EXECUTABLE
    assert [p.name for p in _target(machine).parent.iterdir()] == [_target(machine).name]


def _partial_written(target: Path) -> bool:
    return any(p.stat().st_size for p in target.parent.glob(f".{target.name}.*.partial")) if (
        target.parent.is_dir()) else False


def test_a_killed_install_leaves_no_executable_and_the_next_run_succeeds(
        machine: Path, build: tuple[Path, StandIn]) -> None:
    archive, entry = build
    stuck = ("real = s._unpacked\n"
             "def _stuck(archive):\n"
             "    yield next(iter(real(archive)))\n"
             "    time.sleep(600)\n"
             "s._unpacked = _stuck\n")
    installer = subprocess.Popen(_script(archive, entry, stuck), env=_env(), stdout=subprocess.DEVNULL)
    target = _target(machine)
    try:
        deadline = time.monotonic() + 30
        while not _partial_written(target):
            assert installer.poll() is None and time.monotonic() < deadline, "the installer never started writing"
            time.sleep(0.05)
    finally:
        installer.send_signal(signal.SIGKILL)
        installer.wait(10)
    assert not target.exists()
    assert len(list(target.parent.glob(f".{target.name}.*.partial"))) == 1
    assert not provider_mirror.holds(_mirror(machine))
    assert standin_of(_mirror(machine)) == entry  # the mirror says what it is for, before it holds anything

    assert install(archive, builds=[entry]).how == "unpacked"
    assert target.read_bytes() == EXECUTABLE
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_the_command_prints_the_mirror_last(machine: Path, build: tuple[Path, StandIn],
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    archive, entry = build
    monkeypatch.setattr(provider_standin, "BUILDS", (entry,))
    monkeypatch.setenv(provider_standin.ARCHIVE_ENV, str(archive))
    assert provider_standin.main(["--print-mirror"]) == 0
    out, err = capsys.readouterr()
    assert out == f"{_mirror(machine)}\n"
    assert "unpacking" in err and "standing in for" in err
    assert provider_standin.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"hashicorp/aws 0.0.1-test standing in for {provider_mirror.AWS.version} (test build, not for "
                     "real accounts): already in the mirror", str(_mirror(machine))]
    elsewhere = machine / "elsewhere"
    monkeypatch.setenv(provider_standin.MIRROR_ENV, str(elsewhere))
    assert provider_standin.main(["--print-mirror"]) == 0
    assert capsys.readouterr().out == f"{elsewhere}\n"


def test_a_stand_in_never_goes_into_the_default_mirror(machine: Path, build: tuple[Path, StandIn],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    archive, entry = build
    monkeypatch.setenv(provider_standin.MIRROR_ENV, str(provider_mirror.default_mirror()))
    with pytest.raises(RefusedError, match="is the default provider mirror"):
        install(archive, builds=[entry])
    assert not provider_mirror.default_mirror().exists()


def test_source_and_doctor_name_the_stand_in(machine: Path, build: tuple[Path, StandIn],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    archive, entry = build
    mirror = install(archive, builds=[entry]).mirror
    # Installed, but a user's aiinv does not use it unless told to.
    assert provider_mirror.source().kind == "registry"
    assert provider_mirror.terraform_env() == {}

    monkeypatch.setenv(provider_mirror.MIRROR_ENV, str(mirror))
    where = provider_mirror.source()
    pin = provider_mirror.AWS.version
    assert (where.kind, where.mirror, where.standin) == ("mirror", mirror, entry)
    assert where.detail == (f"hashicorp/aws 0.0.1-test standing in for {pin} (test build, not for real accounts) "
                            f"in {provider_mirror.MIRROR_ENV}={mirror}")
    check = provider_source(NOWHERE)
    assert check.ok and check.detail == where.detail
    assert "for a real account" in check.fix
    config = Path(provider_mirror.terraform_env()[provider_mirror.CLI_CONFIG_ENV]).read_text()
    assert f'path    = "{mirror.resolve()}"' in config

    # A mirror of the real provider (no marker) is reported as before.
    (mirror / provider_standin.MARKER).unlink()
    assert provider_mirror.source().standin is None
    assert provider_source(NOWHERE).detail == f"from the mirror {provider_mirror.MIRROR_ENV}={mirror} (holds it)"

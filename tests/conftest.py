"""Session-wide fixtures: one synthesis of every environment, shared by all tests and xdist workers."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support import aws_gaps
from tests.support import synthesized as synth
from tests.support.skips import pytest_sessionfinish  # noqa: F401 - any skip not listed with its reason fails the run

_OWNED_SYNTH_DIR = pytest.StashKey[str]()

# Property tests: in CI (`.ci/run` sets HYPOTHESIS_PROFILE=ci) the same examples every run, so a red run
# reproduces, and every failure prints the blob that replays it; locally, new examples each run. Tests that
# set their own max_examples keep it.
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None, max_examples=100)
settings.register_profile("dev", print_blob=True, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


def pytest_configure(config: pytest.Config) -> None:
    aws_gaps.install()
    # The controller picks the shared directory before workers start; workers inherit the variable.
    if not hasattr(config, "workerinput") and synth.SYNTH_DIR_VAR not in os.environ:
        os.environ[synth.SYNTH_DIR_VAR] = tempfile.mkdtemp(prefix="aiinv-synth-")
        config.stash[_OWNED_SYNTH_DIR] = os.environ[synth.SYNTH_DIR_VAR]


def pytest_unconfigure(config: pytest.Config) -> None:
    owned = config.stash.get(_OWNED_SYNTH_DIR, None)
    if owned:
        shutil.rmtree(owned, ignore_errors=True)
        shutil.rmtree(synth.variants_root(), ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_boto3_default_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3's default session keeps the credentials it first resolved for the life of the process: without
    this, a test that has none would see the previous test's (and one that expects none would reach AWS)."""
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


@pytest.fixture(scope="session")
def synth_root() -> Path:
    for name in ("dev", "staging", "prod"):
        synth.synthesized(name)
    return synth.synth_root()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the AWS provider build the real-stack tests ran with (a stand-in is not the pinned release)."""
    from cli.terraform import provider_mirror, provider_standin

    reports = (r for kind in terminalreporter.stats.values() for r in kind)
    if not any(str(getattr(r, "nodeid", "")).startswith("tests/deploy/") for r in reports):
        return
    mirror = os.environ.get(provider_mirror.MIRROR_ENV)
    if not mirror or not provider_mirror.holds(Path(mirror)):
        terminalreporter.write_line(f"real-stack tests: no AWS provider mirror ({provider_mirror.MIRROR_ENV}); "
                                    "tests/deploy skipped")
        return
    standin = provider_standin.standin_of(Path(mirror))
    label = standin.detail if standin else f"{provider_mirror.AWS.short} from {mirror}"
    terminalreporter.write_line(f"real-stack tests ran with the AWS provider {label}")

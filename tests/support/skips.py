"""The one register of skips a run may contain, each with its reason; any other skip fails the run.

A skip is a test that did not run and still looks green: without this register the read-only-directory
test, say, could skip on every CI machine and nobody would see it. Loaded by `tests/conftest.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class AllowedSkip:
    where: str
    """Test ids this skip may occur in (a prefix)."""
    reason: re.Pattern[str]
    """What the skip message must say."""
    why: str
    """Why skipping is right there, rather than failing."""


ALLOWED_SKIPS = (
    AllowedSkip("tests/deploy/", re.compile(r"AIINV_PROVIDER_MIRROR|needs AIINV_PROVIDER_MIRROR"),
                "a machine without the AWS provider (no registry, no stand-in archive beside the clone) cannot "
                "run the real stacks; make test and .ci/run install the stand-in wherever its archive exists"),
    AllowedSkip("tests/deploy/", re.compile(r"[Tt]erraform"),
                "a machine without Terraform cannot validate the stacks; every other Terraform test needs it too"),
)


def unlisted(nodeid: str, message: str) -> bool:
    return not any(nodeid.startswith(allowed.where) and allowed.reason.search(message) for allowed in ALLOWED_SKIPS)


def _message(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # the controller sees every worker's reports
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    strays = [(r.nodeid, _message(r)) for r in reporter.stats.get("skipped", []) if unlisted(r.nodeid, _message(r))]
    if not strays:
        return
    reporter.line("")
    for nodeid, message in strays:
        reporter.write_line(f"unlisted skip: {nodeid}: {message} (list it with its reason in "
                            "tests/support/skips.py, or make the test run)", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED

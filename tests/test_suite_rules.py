"""Rules about the suite itself: a skip must be listed with its reason (`tests/support/skips.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.skips import ALLOWED_SKIPS, unlisted

REPO = Path(__file__).resolve().parents[1]


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(f"import pytest\n\n\ndef test_sample():\n    {body}\n\n\n"
                                             "def test_other():\n    pass\n")
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.support.skips", "-p", "no:cacheprovider",
                           "-q", "--rootdir", str(tmp_path), str(tmp_path / "test_sample.py")],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


def test_an_unlisted_skip_fails_the_run_and_names_the_test(tmp_path: Path) -> None:
    done = _run(tmp_path, 'pytest.skip("cannot be bothered")')
    assert done.returncode == 1, done.stdout
    assert "unlisted skip: test_sample.py::test_sample: Skipped: cannot be bothered" in done.stdout


def test_a_run_without_skips_passes(tmp_path: Path) -> None:
    done = _run(tmp_path, "assert True")
    assert done.returncode == 0, done.stdout
    assert "unlisted skip" not in done.stdout


@pytest.mark.parametrize(("nodeid", "message", "listed"), [
    ("tests/deploy/test_dev_lifecycle.py::test_x", "needs AIINV_PROVIDER_MIRROR naming a mirror", True),
    ("tests/cli/test_messages.py::test_x", "needs AIINV_PROVIDER_MIRROR naming a mirror", False),
    ("tests/cli/test_messages.py::test_a_read_only_directory", "running as root without mount namespaces", False),
])
def test_the_register_lists_only_what_it_says(nodeid: str, message: str, listed: bool) -> None:
    assert unlisted(nodeid, message) is not listed
    assert all(allowed.why for allowed in ALLOWED_SKIPS)

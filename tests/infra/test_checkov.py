"""checkov over every synthesized stack of every environment: zero findings outside the register."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.plans.policy_check import Finding, covered, load_register

# One worker for both tests, so the ~15 s checkov run behind them happens once, not once per worker.
pytestmark = pytest.mark.xdist_group("checkov")


@pytest.fixture(scope="module")
def findings(synth_root: Path) -> list[Finding]:
    """Failed checks across all environments, from one checkov run over the synthesized tree."""
    checkov = Path(sys.executable).with_name("checkov")
    result = subprocess.run(
        [str(checkov), "--directory", str(synth_root), "--framework", "terraform_json", "--skip-download",
         "--quiet", "--compact", "--output", "json"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert all(r["summary"]["parsing_errors"] == 0 for r in reports), result.stdout[-2000:]
    assert sum(r["summary"]["passed"] for r in reports) > 0, "checkov checked nothing"
    return [Finding(f["check_id"], f["resource"], f["file_path"])
            for r in reports for f in r["results"]["failed_checks"]]


def test_every_finding_is_in_the_suppression_register(findings) -> None:
    register = load_register()
    unexplained = [f for f in findings if not any(covered(f, e) for e in register)]
    assert not unexplained, "checkov findings without a registered reason:\n" + "\n".join(
        f"{f.check} {f.resource} ({f.file})" for f in unexplained)


def test_every_register_entry_still_matches_a_finding(findings) -> None:
    stale = [e["check"] for e in load_register() if not any(covered(f, e) for f in findings)]
    assert not stale, f"suppressions that match nothing any more (remove them): {stale}"

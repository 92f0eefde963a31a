"""The GitHub Actions workflows pass actionlint (the binary comes with the dev extra)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from cli.plans.report import comment_marker

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str:
    beside_python = Path(sys.executable).parent / "actionlint"
    found = str(beside_python) if beside_python.exists() else shutil.which("actionlint")
    assert found, "actionlint is missing: pip install -e '.[dev]'"
    return found


def test_workflows_pass_actionlint() -> None:
    assert WORKFLOWS
    result = subprocess.run([_actionlint(), "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pull_requests_plan_and_main_applies_reviewed_plans_behind_environments() -> None:
    flow = yaml.safe_load((ROOT / ".github/workflows/infra.yml").read_text())
    steps = " ".join(str(s.get("run", "")) for s in flow["jobs"]["plan"]["steps"])
    assert "aiinv plan" in steps and "gh pr comment" in steps and "summary.md" in steps
    # One comment per environment, found again by the marker that starts summary.md.
    assert f'marker="{comment_marker("${ENV_NAME}")}"' in steps and "--edit-last" not in steps
    apply = flow["jobs"]["apply"]
    assert apply["environment"] == "${{ matrix.env }}" and "prod" in apply["strategy"]["matrix"]["env"]
    assert any("aiinv apply" in str(s.get("run", "")) and "--plan" in str(s.get("run", "")) for s in apply["steps"])

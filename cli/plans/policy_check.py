"""The policy check of a plan bundle: checkov over each saved plan's JSON, judged by the one suppression register.

`aiinv plan --out DIR` saves `DIR/<stack>/tfplan.json` (`terraform show -json` of the plan). checkov's
`terraform_plan` framework checks the resources as they will be after the apply; every finding must be covered
by an entry of `checkov-suppressions.yaml` (the same register the tests apply to the synthesized stacks), or the
check fails. `python -m cli.plans.policy_check DIR` prints the findings, appends a section to `DIR/summary.md` for the
pull-request comment, and exits 1 when any finding is not in the register. checkov comes with the `policy` extra
(`pip install -e '.[policy]'`).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGISTER = Path(__file__).resolve().parents[2] / "checkov-suppressions.yaml"
SHOWN_FINDINGS = 50  # in summary.md, which must fit one pull-request comment


@dataclass(frozen=True)
class Finding:
    check: str
    resource: str  # "<type>.<name>", as the register's patterns match it
    file: str


def load_register(path: Path = REGISTER) -> list[dict[str, Any]]:
    """The accepted findings; an entry without a reason is an error."""
    import yaml

    entries = yaml.safe_load(path.read_text()) or []
    for entry in entries:
        if not str(entry.get("reason", "")).strip():
            raise ValueError(f"{path}: suppression {entry.get('check')} has no reason")
    return entries


def covered(finding: Finding, entry: dict[str, Any]) -> bool:
    return finding.check == entry["check"] and any(
        fnmatch.fnmatchcase(finding.resource, pattern) for pattern in entry["resources"])


def unexplained(findings: Sequence[Finding], register: Sequence[dict[str, Any]]) -> list[Finding]:
    return [f for f in findings if not any(covered(f, e) for e in register)]


def checkov_executable() -> str:
    beside = Path(sys.executable).with_name("checkov")
    found = str(beside) if beside.is_file() else shutil.which("checkov")
    if not found:
        raise FileNotFoundError("checkov is not installed; pip install -e '.[policy]'")
    return found


def run_checkov(paths: Sequence[Path], framework: str) -> tuple[list[Finding], int]:
    """Failed checks over `paths` (files) and how many checks passed; RuntimeError when checkov cannot parse."""
    if not paths:
        return [], 0
    args = [checkov_executable(), "--framework", framework, "--skip-download", "--quiet", "--compact",
            "--output", "json"]
    for path in paths:
        args += ["-f", str(path)]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed ({result.returncode}): {result.stderr.strip()[-1000:]}")
    reports = json.loads(result.stdout or "[]")
    reports = reports if isinstance(reports, list) else [reports]
    if any(r.get("summary", {}).get("parsing_errors", 0) for r in reports):
        raise RuntimeError(f"checkov could not parse a plan: {result.stdout[-1000:]}")
    findings = [Finding(f["check_id"], f["resource"], f["file_path"])
                for r in reports for f in r.get("results", {}).get("failed_checks", [])]
    passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
    return findings, passed


def plan_files(plan_dir: Path) -> list[Path]:
    """The tfplan.json of every stack the bundle holds a plan for."""
    report = json.loads((plan_dir / "report.json").read_text())
    return [plan_dir / f"{entry['plan']}.json" for _, entry in sorted(report["stacks"].items()) if entry["plan"]]


def check_bundle(plan_dir: Path) -> tuple[list[Finding], list[Finding], int]:
    """(all findings, those outside the register, checks passed) for the plans of one bundle."""
    findings, passed = run_checkov(plan_files(plan_dir), "terraform_plan")
    return findings, unexplained(findings, load_register()), passed


def summary_section(findings: Sequence[Finding], bad: Sequence[Finding], passed: int) -> str:
    lines = ["", "### Policy check (checkov over the plans)", "",
             f"{passed} checks passed, {len(findings) - len(bad)} findings accepted in checkov-suppressions.yaml, "
             f"{len(bad)} not accepted."]
    lines += [f"- `{f.check}` on `{f.resource}`" for f in bad[:SHOWN_FINDINGS]]
    if len(bad) > SHOWN_FINDINGS:
        lines.append(f"- ... and {len(bad) - SHOWN_FINDINGS} more (the job's log lists them all)")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan_dir", type=Path, help="a plan bundle written by `aiinv plan --out`")
    args = parser.parse_args(argv)
    if not (args.plan_dir / "report.json").is_file():
        print(f"error: {args.plan_dir} holds no plan bundle (report.json); run `aiinv plan --out` first",
              file=sys.stderr)
        return 1
    try:
        findings, bad, passed = check_bundle(args.plan_dir)
    except (FileNotFoundError, RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    section = summary_section(findings, bad, passed)
    with open(args.plan_dir / "summary.md", "a") as summary:
        summary.write(section)
    print(section.strip())
    for finding in bad:
        print(f"not accepted: {finding.check} {finding.resource} ({finding.file})", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

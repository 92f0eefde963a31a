"""The plan bundle: `<dir>/report.json` (machine-readable, also what `apply --plan` checks),
`<dir>/summary.md` (for a pull-request comment) and `<dir>/<stack>/tfplan{,.json,.txt}`.

report.json schema (version 1):
    {"version": 1, "environment": "dev", "created": "<UTC ISO time>", "exit_code": 2,
     "stacks": {"<name>": {"status": "changes|no changes|blocked|failed|skipped|interrupted",
                           "detail": "...", "blocked_by": "", "config_sha256": "...",
                           "plan": "<name>/tfplan" | null, "plan_sha256": "..." | null,
                           "duration_s": 1.2,
                           "changes": {"add": [...], "change": [...], "destroy": [...],
                                       "replace": [...], "outputs": [...]}}}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from cli.core.errors import RefusedError
from cli.core.outcome import Outcome, Status
from cli.plans.bundles import file_sha256
from cli.plans.changes import Changes

BUNDLE_VERSION = 1
GITHUB_COMMENT_LIMIT = 65_536
_SUMMARY_BUDGET = GITHUB_COMMENT_LIMIT - 1_536


def write_bundle(
    plan_dir: Path, *, env: str, outcomes: Mapping[str, Outcome], digests: Mapping[str, str], exit_code: int
) -> None:
    stacks = {}
    for name, o in outcomes.items():
        has_plan = o.status in (Status.CHANGES, Status.NO_CHANGES)
        stacks[name] = {
            "status": o.status.value,
            "detail": o.detail,
            "blocked_by": o.blocked_by,
            "config_sha256": digests.get(name),
            "plan": f"{name}/tfplan" if has_plan else None,
            "plan_sha256": file_sha256(plan_dir / name / "tfplan") if has_plan else None,
            "duration_s": round(o.duration, 2),
            "changes": o.data.get("changes", Changes().to_json()),
        }
    report = {
        "version": BUNDLE_VERSION,
        "environment": env,
        "exit_code": exit_code,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "stacks": stacks,
    }
    plan_dir.mkdir(parents=True, exist_ok=True)
    (plan_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (plan_dir / "summary.md").write_text(markdown(env, report))


def read_bundle(plan_dir: Path, env: str) -> dict:
    path = plan_dir / "report.json"
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RefusedError(
            f"no readable plan bundle at {path}; run `aiinv plan --env {env} --out {plan_dir}`"
        ) from exc
    if not isinstance(report, dict):
        raise RefusedError(f"{path} is malformed: not a JSON object; run `aiinv plan --env {env}` again")
    if report.get("version") != BUNDLE_VERSION:
        raise RefusedError(
            f"{path} has version {report.get('version')}; this aiinv reads version {BUNDLE_VERSION}"
        )
    if report.get("environment") != env:
        raise RefusedError(f"the plans in {plan_dir} are for '{report.get('environment')}', not '{env}'")
    _check_shape(report, path)
    return report


_OPTIONAL = {"blocked_by": (str, ""), "changes": (dict, None), "plan": (str, None), "config_sha256": (str, None),
             "plan_sha256": (str, None), "duration_s": (int | float, 0)}


def _check_shape(report: dict, path: Path) -> None:
    """A partial or hand-edited report.json is refused in one line, never a traceback later; optional keys
    that are absent get their empty value."""
    stacks = report.get("stacks")
    if not isinstance(stacks, dict):
        raise RefusedError(f"{path} is malformed: no 'stacks' object; run `aiinv plan` again")
    for name, entry in stacks.items():
        if not isinstance(entry, dict):
            raise RefusedError(f"{path} is malformed: the entry of {name} is not an object; run `aiinv plan` again")
        for key in ("status", "detail"):
            if not isinstance(entry.get(key), str):
                raise RefusedError(f"{path} is malformed: {name} has no valid '{key}'; run `aiinv plan` again")
        for key, (kind, empty) in _OPTIONAL.items():
            value = entry.get(key)
            if value is not None and not isinstance(value, kind):
                raise RefusedError(f"{path} is malformed: {name} has an invalid '{key}'; run `aiinv plan` again")
            if value is None:
                entry[key] = Changes().to_json() if key == "changes" else empty


def comment_marker(env: str) -> str:
    return f"<!-- aiinv-plan:{env} -->"


def markdown(env: str, report: dict) -> str:
    """Destructive changes first, then one row per stack, then the changed addresses per stack."""
    stacks: dict = report["stacks"]
    # The hidden first line names the environment, so CI can update this environment's PR comment.
    lines = [comment_marker(env), f"## aiinv plan: `{env}`", ""]
    destructive = [(n, d) for n, s in stacks.items() for d in Changes.from_json(s["changes"]).destructive]
    if destructive:
        lines += ["### :warning: Destructive changes", ""]
        lines += [f"- `{n}`: {d}" for n, d in destructive] + [""]
    lines += ["| stack | status | add | change | destroy | replace |", "|---|---|---:|---:|---:|---:|"]
    for name, s in stacks.items():
        c = Changes.from_json(s["changes"]).counts()
        status = s["status"] + (
            f" ({s['detail']})" if s["status"] in ("blocked", "failed", "skipped") else ""
        )
        lines.append(
            f"| `{name}` | {status} | {c['add']} | {c['change']} | {c['destroy']} | {c['replace']} |"
        )
    lines += ["", f"Exit code: {report['exit_code']}", ""]
    details = []
    for name, s in stacks.items():
        ch = Changes.from_json(s["changes"])
        rows = [
            f"- {verb} `{a}`"
            for verb, addrs in (
                ("destroy", ch.destroy),
                ("replace", ch.replace),
                ("change", ch.change),
                ("add", ch.add),
            )
            for a in addrs
        ]
        if rows:
            details += [f"<details><summary>{name}</summary>", "", *rows, "", "</details>", ""]
    text = "\n".join(lines)
    for i, line in enumerate(details):
        if len(text) + len(line) + 200 > _SUMMARY_BUDGET:
            remaining = len(details) - i
            text += f"\n\n_Truncated ({remaining} more lines); the full plans are in the plan artifact._\n"
            return text
        text += "\n" + line
    return text + "\n"

"""Plan bundles on disk: written beside the previous one and swapped in at the end; each saved plan
verified before anything is applied.

`plan` writes into `<out>.new-<pid>` next to `<out>` and only a complete bundle (report.json last)
replaces the previous one, so an interrupted plan leaves the previous bundle or the new one, never a
mix. Leftover `.new-`/`.old-` directories of runs that died are removed by the next plan.

Before `apply --plan` starts any stack, every tfplan it will apply must be the file that plan saved
for that stack: its SHA-256 is the one recorded in report.json, and the configuration inside it (a
tfplan is a zip that carries the root module as `tfconfig/m-/<file>`) is the stack's synthesized
configuration. A swapped, truncated or foreign tfplan refuses the whole apply.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

from cli.core.errors import RefusedError
from cli.state import liveruns
from cli.synth.manifest import Stack

_CONFIG_IN_PLAN = "tfconfig/m-/cdk.tf.json"


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def staging_dir(out_dir: Path) -> Path:
    """A fresh directory beside `out_dir` for the new bundle (stale ones of dead runs removed)."""
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    for leftover in parent.glob(f"{out_dir.name}.*-*"):
        kind, _, pid = leftover.name.rpartition("-")
        if kind.endswith((".new", ".old")) and pid.isdigit() and not liveruns.is_alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)
    staging = parent / f"{out_dir.name}.new-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by the complete bundle in `staging` (two renames; the old one is dropped)."""
    aside = out_dir.parent / f"{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(aside)
    staging.rename(out_dir)
    shutil.rmtree(aside, ignore_errors=True)


def verify_plan(plan_dir: Path, name: str, entry: dict, stack: Stack) -> None:
    """Refuse unless `entry["plan"]` is the intact plan that `plan` saved for `stack`."""
    path = plan_dir / entry["plan"]
    recorded = entry.get("plan_sha256")
    if not recorded:
        raise RefusedError(f"the plans in {plan_dir} record no checksum for {name}; run `aiinv plan` again")
    if file_sha256(path) != recorded:
        raise RefusedError(
            f"{path} is not the plan saved for {name} (its checksum differs: swapped, truncated or edited); "
            "nothing was applied; run `aiinv plan` again"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            inside = hashlib.sha256(archive.read(_CONFIG_IN_PLAN)).hexdigest()
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise RefusedError(f"{path} is not a readable Terraform plan ({exc}); nothing was applied") from None
    if inside != stack.config_digest() or inside != entry.get("config_sha256"):
        raise RefusedError(
            f"{path} was planned for another configuration than {name}'s; nothing was applied; "
            "run `aiinv plan` again"
        )

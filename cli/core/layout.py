"""Where things live on disk, relative to the directory `aiinv` runs in.

cdktf.out/<env>                -> symlink to cdktf.out/.<env>-<digest>/ (swapped atomically)
cdktf.out/<env>/manifest.json  stacks and their dependencies
cdktf.out/<env>/stacks/<name>/cdk.tf.json
plans/<env>/                   default plan bundle directory (see `report`)
.aiinv/logs/<env>/<run>/       every Terraform call's output of one run (kept for the last runs)
.aiinv/recovery/<env>/<stack>/ state Terraform could not save, and destroy recovery notes (mode 0600)
.aiinv/state-backups/<env>/    state pulled before `state rm` of retained resources
~/.local/state/aiinv/runs/     the Terraform processes alive on this machine (see `liveruns`)
"""

from __future__ import annotations

import os
from pathlib import Path

OUT_ROOT_ENV = "AIINV_OUT_ROOT"
PLUGIN_CACHE_ENV = "AIINV_PLUGIN_CACHE"
RUNS_DIR_ENV = "AIINV_RUNS_DIR"
KEPT_RUN_LOGS = 20


def out_root() -> Path:
    return Path(os.environ.get(OUT_ROOT_ENV, "cdktf.out"))


def env_dir(env: str) -> Path:
    return out_root() / env


def manifest_path(env: str) -> Path:
    return env_dir(env) / "manifest.json"


def default_plan_dir(env: str) -> Path:
    return Path("plans") / env


def state_backup_dir(env: str) -> Path:
    """Local copies of state taken before `state rm`; they may hold sensitive values (mode 0600)."""
    return aiinv_dir() / "state-backups" / env


def aiinv_dir() -> Path:
    return Path(".aiinv")


def logs_dir(env: str) -> Path:
    return aiinv_dir() / "logs" / env


def recovery_dir(env: str, stack: str) -> Path:
    return aiinv_dir() / "recovery" / env / stack


def runs_dir() -> Path:
    """Machine-wide (per user): records of the Terraform processes alive right now."""
    explicit = os.environ.get(RUNS_DIR_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "aiinv" / "runs"


def plugin_cache_dir() -> Path:
    """One provider plugin cache for every stack and environment."""
    explicit = os.environ.get(PLUGIN_CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aiinv" / "plugins"

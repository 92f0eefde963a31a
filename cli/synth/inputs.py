"""The input key of a synth: a content hash of everything that can change what the app writes.

Computed without importing cdktf, the provider bindings or the app, so an unchanged environment costs
milliseconds instead of the ~20 s jsii load. Anything the key leaves out would make `aiinv` plan stale
code, so it errs on the side of a rerun:

- the app's code: every file under `modules/` and `functions/`, `main.py`, `cdktf.json` (in the project
  the `modules` package is installed from), and the app module named by `AIINV_APP` when it lives elsewhere;
- the framework: versions of cdktf, constructs, jsii and the provider bindings, and the Python version
  (the function layer is built for a Python runtime);
- the environment: the resolved, validated settings (account, region and project name included) and
  every `AIINV_*`, `CDK_*` and `CDKTF_*` variable but those that only steer Terraform, not the synth.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

# Bump when the key's recipe or the snapshot layout changes: every earlier entry becomes a miss.
KEY_FORMAT = 1
SOURCE_DIRS = ("modules", "functions")
SOURCE_FILES = ("main.py", "cdktf.json")
FRAMEWORK = ("cdktf", "cdktf-cdktf-provider-aws", "constructs", "jsii")
ENV_PREFIXES = ("AIINV_", "CDK_", "CDKTF_")
# Variables that choose how Terraform runs, where output goes or how the provider bindings load; they cannot
# change the synthesized JSON (for AIINV_PROVIDER_BINDINGS, tests/infra/test_provider_bindings.py shows it).
ENV_IGNORED = frozenset({
    "AIINV_TERRAFORM", "AIINV_PLUGIN_CACHE", "AIINV_OUT_ROOT", "AIINV_PROVIDER_MIRROR",
    "AIINV_TEST_SYNTH_DIR", "AIINV_PROVIDER_STANDIN_ARCHIVE", "AIINV_PROVIDER_STANDIN_MIRROR",
    "AIINV_PROVIDER_BINDINGS",
})
_SKIPPED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", ".mypy_cache"})


def project_root() -> Path:
    """The directory holding the `modules` package that synthesizes (found without importing it)."""
    spec = importlib.util.find_spec("modules")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'modules' package is not importable")
    return Path(next(iter(spec.submodule_search_locations))).resolve().parent


def input_key(config: object, *, app_reference: str, env: Mapping[str, str] | None = None,
              root: Path | None = None) -> str:
    """Hex digest of every input of one environment's synth (see the module docstring)."""
    env = os.environ if env is None else env
    root = root or project_root()
    h = hashlib.sha256()

    def part(label: str, value: bytes) -> None:
        h.update(f"{label}\0{len(value)}\0".encode() + value)

    part("format", str(KEY_FORMAT).encode())
    part("python", f"{sys.version_info.major}.{sys.version_info.minor}".encode())
    for name in FRAMEWORK:
        part(f"dist:{name}", _version(name).encode())
    part("app", app_reference.encode())
    for path in _source_files(root, app_reference):
        part(f"file:{_label(path, root)}", path.read_bytes())
    part("config", _config_json(config).encode())
    for name in sorted(k for k in env if k.startswith(ENV_PREFIXES) and k not in ENV_IGNORED):
        part(f"env:{name}", env[name].encode())
    return h.hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def _source_files(root: Path, app_reference: str) -> list[Path]:
    files: set[Path] = set()
    for name in SOURCE_DIRS:
        files.update(_walk(root / name))
    files.update(p for p in (root / n for n in SOURCE_FILES) if p.is_file())
    files.update(_app_files(app_reference))
    return sorted(files)


def _walk(directory: Path) -> Iterable[Path]:
    for current, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.endswith(".egg-info"))
        for name in names:
            if not name.endswith((".pyc", ".pyo")):
                yield Path(current, name).resolve()


def _app_files(app_reference: str) -> list[Path]:
    """The app module itself when it is not part of the project's source directories."""
    module = app_reference.partition(":")[0]
    if module.endswith(".py"):
        path = Path(module).resolve()
        return [path] if path.is_file() else []
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        return []
    return [Path(spec.origin).resolve()]


def _label(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _config_json(config: object) -> str:
    value = dataclasses.asdict(config) if dataclasses.is_dataclass(config) else repr(config)
    return json.dumps(value, sort_keys=True, default=str)

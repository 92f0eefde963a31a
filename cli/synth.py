"""`aiinv synth`: build the cdktf app of one environment into `cdktf.out/<env>/`, atomically.

The app synthesizes into a fresh directory beside the target. If the result is byte-identical to what
is there, the new copy is dropped (initialised `.terraform` directories stay); otherwise the symlink
`cdktf.out/<env>` is replaced in one `rename`, so a failed or interrupted synth leaves the previous
output intact and readers never see a half-written tree.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from cli import layout
from cli.errors import AiinvError, UsageError
from cli.manifest import read_manifest

APP_ENV = "AIINV_APP"
DEFAULT_APP = "modules.app:build_app"
SYNTH_FILES = ("manifest.json", "stacks/*/cdk.tf.json")


def app_factory(reference: str | None = None) -> Callable:
    """`module:function` or `path/app.py:function` (from `AIINV_APP`, default `modules.app:build_app`)."""
    reference = reference or os.environ.get(APP_ENV) or DEFAULT_APP
    module_name, _, attr = reference.partition(":")
    if not attr:
        raise UsageError(f"{APP_ENV}={reference} must look like 'package.module:function'")
    try:
        module = _import(module_name)
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise AiinvError(f"cannot import the cdktf app '{module_name}' ({exc})") from exc
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise AiinvError(f"'{reference}' is not a function that builds the cdktf app")
    return factory


def _import(name: str) -> ModuleType:
    """A dotted module name, or a path to a `.py` file."""
    if not name.endswith(".py"):
        return importlib.import_module(name)
    path = Path(name).resolve()
    spec = importlib.util.spec_from_file_location(f"aiinv_app_{path.stem}", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise FileNotFoundError(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synthesize(config: object, *, env: str, app: str | None = None) -> Path:
    """Synthesize every stack of `config` into `cdktf.out/<env>`; return that directory."""
    factory = app_factory(app)
    root = layout.out_root()
    root.mkdir(parents=True, exist_ok=True)
    # Named before it exists, so a stop signal at any moment after the mkdir finds it to remove.
    staging = root / f".{env}-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir(mode=0o700)
        os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
        # Absolute: the jsii runtime keeps the working directory it started in.
        factory(config, outdir=str(staging.resolve())).synth()
        read_manifest(staging / "manifest.json")
    except (AiinvError, KeyboardInterrupt):  # KeyboardInterrupt: also SIGTERM and SIGHUP (cli.signals)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(staging, ignore_errors=True)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AiinvError(f"synth of '{env}' failed: {message}; the previous output is unchanged") from exc
    try:
        return _swap_in(staging, layout.env_dir(env))
    except KeyboardInterrupt:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def digest(directory: Path) -> str:
    """Content hash of what a synth produces (not of `.terraform` or plan files)."""
    h = hashlib.sha256()
    for pattern in SYNTH_FILES:
        for path in sorted(directory.glob(pattern)):
            h.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _swap_in(staging: Path, target: Path) -> Path:
    new_digest = digest(staging)
    if target.exists() and digest(target) == new_digest:
        shutil.rmtree(staging, ignore_errors=True)
        return target
    final = target.parent / f".{target.name}-{new_digest[:16]}"
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
    previous = target.resolve() if target.is_symlink() else None
    if target.exists() and not target.is_symlink():
        # An output directory from before symlinks (or from `cdktf synth`): move it aside first.
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        target.rename(aside / "out")
        previous = aside
    link = target.parent / f".{target.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(final.name)
    link.replace(target)
    if previous is not None and previous != final.resolve():
        shutil.rmtree(previous, ignore_errors=True)
    return target

"""`aiinv synth`: build the cdktf app of one or more environments into `cdktf.out/<env>/`.

A synth is skipped when its inputs (`cli.synth.inputs`) are those of the snapshot `cdktf.out/<env>`
points to and that snapshot is intact: a hit costs no cdktf import. Otherwise the app synthesizes into a
staging directory, which becomes a new snapshot (`cli.synth.snapshots`) swapped in with one `rename`, so a
failed or interrupted synth leaves the previous output in place and no reader sees a half-written tree.
Several environments in one call pay the provider import once.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from cli.core import layout
from cli.core.errors import AiinvError, UsageError
from cli.synth import snapshots
from cli.synth.inputs import input_key
from cli.synth.manifest import read_manifest

APP_ENV = "AIINV_APP"
DEFAULT_APP = "modules.app:build_app"
SYNTH_FILES = ("manifest.json", "stacks/*/cdk.tf.json")


@dataclass
class SynthResult:
    """The held snapshot of one environment and whether an earlier synth's output was reused."""

    env: str
    snapshot: snapshots.Snapshot
    reused: bool

    @property
    def path(self) -> Path:
        return self.snapshot.path


def app_reference(reference: str | None = None) -> str:
    return reference or os.environ.get(APP_ENV) or DEFAULT_APP


def app_factory(reference: str | None = None) -> Callable:
    """`module:function` or `path/app.py:function` (from `AIINV_APP`, default `modules.app:build_app`)."""
    reference = app_reference(reference)
    module_name, _, attr = reference.partition(":")
    if not attr:
        raise UsageError(f"{APP_ENV}={reference} must look like 'package.module:function'")
    # Before the first cdktf import: the jsii kernel reads them when it starts.
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
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


def synthesize(config: object, *, env: str, app: str | None = None, force: bool = False,
               out_root: Path | None = None) -> SynthResult:
    """Synthesize `config` into `cdktf.out/<env>` unless its output is current; return it held."""
    return synthesize_many({env: config}, app=app, force=force, out_root=out_root)[env]


def synthesize_many(configs: Mapping[str, object], *, app: str | None = None, force: bool = False,
                    out_root: Path | None = None) -> dict[str, SynthResult]:
    """Every environment of `configs` (name -> settings), each reused or synthesized; one import at most."""
    reference = app_reference(app)
    root = out_root or layout.out_root()
    keys = {env: input_key(config, app_reference=reference) for env, config in configs.items()}
    results: dict[str, SynthResult] = {}
    try:
        for env, key in keys.items():
            held = None if force else _current(root / env)
            if held is not None and snapshots.matches(held.path, key):
                results[env] = SynthResult(env, held, reused=True)
                snapshots.remove_unused(root / env)  # snapshots that earlier runs held until they ended
            elif held is not None:
                held.close()
        missing = [env for env in configs if env not in results]
        if missing:
            factory = app_factory(reference)
            for env in missing:
                results[env] = _synthesize_one(factory, configs[env], env=env, key=keys[env], root=root)
    except BaseException:
        for result in results.values():
            result.snapshot.close()
        raise
    return {env: results[env] for env in configs}


def _current(link: Path) -> snapshots.Snapshot | None:
    try:
        return snapshots.current(link)
    except OSError as exc:
        raise AiinvError(f"cannot read {link}: {exc.strerror or exc}") from exc


def _synthesize_one(factory: Callable, config: object, *, env: str, key: str, root: Path) -> SynthResult:
    try:
        staging = snapshots.staging_dir(root, env)
    except OSError as exc:
        raise AiinvError(f"cannot write the synth of '{env}' under {root}: {exc.strerror or exc}") from exc
    try:
        # Absolute: the jsii runtime keeps the working directory it started in.
        factory(config, outdir=str(staging.path.resolve())).synth()
        read_manifest(staging.path / "manifest.json")
        snapshots.write_record(staging.path, key)
        return SynthResult(env, snapshots.publish(staging, root / env, name_digest=digest(staging.path)),
                           reused=False)
    except AiinvError:
        snapshots.discard(staging)
        raise
    except Exception as exc:
        snapshots.discard(staging)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AiinvError(f"synth of '{env}' failed: {message}; the previous output is unchanged") from exc
    except BaseException:
        snapshots.discard(staging)  # interrupted: nothing half-written stays behind
        raise


def digest(directory: Path) -> str:
    """Content hash of the synthesized Terraform (names the snapshot directory)."""
    h = hashlib.sha256()
    for pattern in SYNTH_FILES:
        for path in sorted(directory.glob(pattern)):
            h.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()

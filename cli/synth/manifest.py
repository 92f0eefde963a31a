"""Read what `synth` wrote: the cdktf manifest and each stack's Terraform JSON. No cdktf import."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cli.core import layout
from cli.core.errors import AiinvError, NotSynthesizedError
from modules.catalog.retention import RETAIN_MARKER


@dataclass(frozen=True)
class Stack:
    name: str
    directory: Path
    """Where Terraform runs: inside the run's own snapshot (see `cli.synth.snapshots`)."""
    dependencies: tuple[str, ...]
    shown: Path | None = None
    """The same directory through `cdktf.out/<env>`, for commands a user runs later (a snapshot that no
    run holds is removed by the next synth; the link always points to the current one)."""

    @property
    def stable_directory(self) -> Path:
        return self.shown or self.directory

    @property
    def config_file(self) -> Path:
        return self.directory / "cdk.tf.json"

    def config(self) -> dict:
        return json.loads(self.config_file.read_text())

    def config_digest(self) -> str:
        return hashlib.sha256(self.config_file.read_bytes()).hexdigest()


def load_stacks(env: str) -> dict[str, Stack]:
    """Stacks of `env` keyed by name, as the last `aiinv synth --env env` wrote them."""
    path = layout.manifest_path(env)
    if not path.is_file():
        raise not_synthesized(env)
    return read_manifest(path)


def not_synthesized(env: str) -> NotSynthesizedError:
    return NotSynthesizedError(f"no synthesized stacks for '{env}'; run `aiinv synth --env {env}` first")


def read_manifest(path: Path, *, shown_root: Path | None = None) -> dict[str, Stack]:
    try:
        raw = json.loads(path.read_text())["stacks"]
    except (OSError, ValueError, KeyError) as exc:
        raise AiinvError(f"{path} is not a cdktf manifest ({exc}); run `aiinv synth` again") from exc
    root = path.parent
    return {
        name: Stack(
            name=name,
            directory=root / entry["workingDirectory"],
            dependencies=tuple(entry.get("dependencies", ())),
            shown=shown_root / entry["workingDirectory"] if shown_root is not None else None,
        )
        for name, entry in raw.items()
    }


def retained_addresses(config: dict) -> list[str]:
    """Addresses (`type.name`) of resources marked to survive `destroy`."""
    found = []
    for rtype, resources in config.get("resource", {}).items():
        for rname, body in resources.items():
            if body.get("//", {}).get(RETAIN_MARKER):
                found.append(f"{rtype}.{rname}")
    return sorted(found)

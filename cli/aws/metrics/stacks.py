"""The synthesized stacks a reading is made from: the current synth (reused when its inputs are unchanged, so
no cdktf import) or, with --skip-synth, cdktf.out/ENV as it is. Held until the reading ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cli.core import layout
from cli.core.errors import AiinvError
from cli.synth import snapshots
from cli.synth.manifest import Stack, not_synthesized, read_manifest


@contextmanager
def synthesized(config: Any, *, skip_synth: bool, force_synth: bool) -> Iterator[dict[str, Stack]]:
    env = config.name
    if skip_synth:
        try:
            held = snapshots.current(layout.env_dir(env))
        except OSError as exc:
            raise AiinvError(f"cannot read {layout.env_dir(env)}: {exc.strerror or exc}") from exc
        if held is None:
            raise not_synthesized(env)
    else:
        from cli.core import preflight
        from cli.synth.synthesize import synthesize

        preflight.require_writable(layout.out_root(), "the synth output directory")
        held = synthesize(config, env=env, force=force_synth).snapshot
    try:
        yield read_manifest(held.path / "manifest.json")
    finally:
        held.close()

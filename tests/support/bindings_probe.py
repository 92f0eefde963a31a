"""Synthesize the real app's environments, a user's app and the fixture app in one process, as
`aiinv synth` does (`cli.synth.synthesize.synthesize_many`), and report how the AWS provider bindings were loaded.

Run as a script by tests/infra/test_provider_bindings.py, once per way of loading the bindings:
    python -m tests.support.bindings_probe OUT_ROOT [RECORD_JSON]
RECORD_JSON: every jsii type name that crossed between Python and the jsii kernel during the run, each
with the Python class it resolves to on this process's path (None if it does not resolve).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import modules  # noqa: F401 - installs the bindings' loader before jsii is imported
from modules import provider_bindings

REPO = Path(__file__).resolve().parents[2]
APPS = {
    "real": "modules.app:build_app",
    "user": f"{REPO / 'tests' / 'fixtures' / 'bindings_app.py'}:build_app",
    "fixture": f"{REPO / 'tests' / 'fixtures' / 'fixture_app.py'}:build_app",
}
ENVIRONMENTS = ("dev", "staging", "prod")


def record_type_names() -> set[str]:
    """Names of the jsii types of every object reference Python registers or receives from the kernel."""
    from jsii import _reference_map
    from jsii._kernel import types

    seen: set[str] = set()

    def note(ref: types.ObjRef) -> None:
        seen.add(ref.ref.rsplit("@", 1)[0])
        seen.update(ref.interfaces or ())

    register, resolve = _reference_map.register_reference, _reference_map.resolve_reference

    def registering(inst: object) -> None:
        note(inst.__jsii_ref__)  # type: ignore[attr-defined]
        register(inst)

    def resolving(kernel: object, ref: types.ObjRef) -> object:
        note(ref)
        return resolve(kernel, ref)

    # The kernel and runtime call these through the module, so replacing the module's names is enough.
    _reference_map.register_reference, _reference_map.resolve_reference = registering, resolving
    return seen


def resolved_class(name: str) -> str | None:
    """`module.Class` of the jsii type `name` after on-demand registration, as the runtime would find it."""
    from jsii import _reference_map

    tables = (_reference_map._types, _reference_map._data_types, _reference_map._enums, _reference_map._interfaces)
    if not any(name in table for table in tables):
        _reference_map._try_import_type_module(name)
    for table in tables:
        if name in table:
            return f"{table[name].__module__}.{table[name].__qualname__}"
    return None


def main(out_root: Path, record: Path | None) -> None:
    from cli.synth.synthesize import synthesize_many
    from modules.config import load_environment

    seen = record_type_names() if record else set()
    configs = {env: load_environment(env, env={}) for env in ENVIRONMENTS}
    for label, app in APPS.items():
        chosen = configs if label == "real" else {"dev": configs["dev"]}
        for result in synthesize_many(chosen, app=app, force=True, out_root=out_root / label).values():
            result.snapshot.close()
    if record:
        names = sorted(n for n in seen if n.startswith(f"{provider_bindings.ASSEMBLY}."))
        record.write_text(json.dumps({name: resolved_class(name) for name in names}, indent=1))
    print(json.dumps({"mode": provider_bindings.mode(), "modules": len(sys.modules)}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)

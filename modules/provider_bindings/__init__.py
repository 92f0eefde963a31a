"""Load the AWS provider bindings without importing all 2,214 of their submodules.

The package `cdktf_cdktf_provider_aws` ends its `__init__` with one `from . import <submodule>` per resource
type, "to ensure their types are registered with the jsii runtime library": about 19 s and 570 MiB before
a construct is built, while an app uses a few dozen of them. After `install()`, the first import of the
package runs that `__init__` without the eager imports, and the jsii runtime registers the rest on demand:

- a submodule the app imports registers its types as usual;
- a type the jsii kernel hands back from a submodule nobody imported is found through the jsii runtime's
  own on-demand hook (`jsii._reference_map._try_import_type_module`, made for packages generated with lazy
  submodules): we give it the map from each submodule's jsii name to its Python module, which this package
  version does not ship. The map follows the rule jsii-pacmak names Python submodules by (`s3Bucket` ->
  `s3_bucket`), applied to the package's own `__all__`, so no module name is guessed;
- `cdktf_cdktf_provider_aws.<submodule>` as an attribute imports that submodule on first use.

The jsii kernel (a Node.js process) has the same shape of cost: the package's `lib/index.js` requires all
2,212 namespaces when the assembly loads. `lazy_exports.js`, beside this file, is preloaded into the kernel
(`NODE_OPTIONS=--require`, added when this process first imports `jsii`, so before the kernel starts) and
turns those requires into getters that load a namespace when the kernel first looks into it.

The package on disk stays unmodified, and the output is byte for byte what the full import writes (a test
compares every file). Where either half cannot apply (another layout of the package, a jsii runtime
without the hook), that half loads everything the package's own way and says so on stderr in one line.
`AIINV_PROVIDER_BINDINGS=full` turns both halves off.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE = "cdktf_cdktf_provider_aws"
ASSEMBLY = "@cdktf/provider-aws"
MODE_ENV = "AIINV_PROVIDER_BINDINGS"
# The comment jsii-pacmak writes before the eager submodule imports; everything after it is those imports.
EAGER_MARKER = "# Loading modules to ensure their types are registered with the jsii runtime library"
_EAGER_LINE = re.compile(r"from \. import (\w+)")
_LAZY_FLAG = "__aiinv_lazy__"
NODE_HOOK = Path(__file__).with_name("lazy_exports.js")


class LayoutError(Exception):
    """The installed bindings or jsii runtime are not what the lazy load expects."""


def install() -> None:
    """Route the first imports of jsii and of the bindings through the lazy loaders. Cheap; idempotent."""
    if os.environ.get(MODE_ENV, "lazy") not in ("lazy", "full", ""):
        print(f"note: {MODE_ENV}={os.environ[MODE_ENV]!r} is neither 'lazy' nor 'full'; using lazy", file=sys.stderr)
        os.environ[MODE_ENV] = "lazy"
    if not enabled() or PACKAGE in sys.modules:
        return
    if "jsii" in sys.modules:  # too late for the kernel's half if it has started; harmless if it has not
        _add_node_hook()
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def enabled() -> bool:
    return os.environ.get(MODE_ENV, "lazy") != "full"


def mode() -> str | None:
    """'lazy' or 'full' once the bindings are imported, else None."""
    module = sys.modules.get(PACKAGE)
    if module is None:
        return None
    return "lazy" if getattr(module, _LAZY_FLAG, False) else "full"


def jsii_name(submodule: str) -> str:
    """The jsii submodule name of a Python submodule name: `s3_bucket_acl` -> `s3BucketAcl`."""
    head, *rest = submodule.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _add_node_hook() -> None:
    """Preload `lazy_exports.js` into Node.js processes started from now on (the jsii kernel among them)."""
    current = os.environ.get("NODE_OPTIONS", "")
    option = f"--require {json.dumps(str(NODE_HOOK))}"  # quoted: NODE_OPTIONS splits on spaces
    if option not in current:
        os.environ["NODE_OPTIONS"] = f"{current} {option}".strip()


class _Finder:
    """Sees `jsii` imported first (the kernel starts after), then finds the package as the path finder
    would and hands its `__init__` to `_LazyLoader`."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if not enabled():
            return None
        if fullname == "jsii":
            _add_node_hook()
            return None
        if fullname != PACKAGE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        spec.loader = _LazyLoader(spec.loader, spec.origin)
        return spec


class _LazyLoader:
    def __init__(self, original: importlib.machinery.SourceFileLoader, origin: str) -> None:
        self._original = original
        self._origin = origin

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        try:
            head, submodules = _split(self._origin)
            reference_map = _hook()
        except LayoutError as reason:
            print(f"note: loading all AWS provider bindings ({reason}); synth takes longer", file=sys.stderr)
            self._original.exec_module(module)
            return
        exec(compile(head, self._origin, "exec"), module.__dict__)  # the package's own code, minus the tail
        if sorted(module.__dict__.get("__all__", ())) != sorted(submodules):
            # Not the layout we know: finish the import the package's own way rather than guess.
            print(f"note: loading all AWS provider bindings ({PACKAGE}.__all__ differs from its submodule "
                  "imports); synth takes longer", file=sys.stderr)
            for name in submodules:
                importlib.import_module(f"{PACKAGE}.{name}")
            return
        reference_map._submodule_fqn_map.update(
            {f"{ASSEMBLY}.{jsii_name(name)}": f"{PACKAGE}.{name}" for name in submodules})
        # `publication.publish()` at the end of the head put a public copy of the module in its place.
        public = sys.modules[PACKAGE]
        public.__getattr__ = _submodule_getter(frozenset(submodules))  # type: ignore[attr-defined]
        setattr(public, _LAZY_FLAG, True)


def _split(origin: str) -> tuple[str, list[str]]:
    """The package `__init__` before its eager imports, and the submodules those import."""
    with open(origin, encoding="utf-8") as file:
        head, marker, tail = file.read().partition(EAGER_MARKER)
    if not marker:
        raise LayoutError(f"{origin} has no submodule imports to skip")
    names = []
    for line in filter(None, (line.strip() for line in tail.splitlines())):
        match = _EAGER_LINE.fullmatch(line)
        if match is None:
            raise LayoutError(f"unexpected line among the submodule imports: {line[:60]!r}")
        names.append(match.group(1))
    if not names:
        raise LayoutError(f"{origin} has no submodule imports to skip")
    return head, names


def _hook() -> Any:
    from jsii import _reference_map

    if not callable(getattr(_reference_map, "_try_import_type_module", None)) or not isinstance(
            getattr(_reference_map, "_submodule_fqn_map", None), dict):
        raise LayoutError("this jsii runtime cannot register types on demand")
    return _reference_map


def _submodule_getter(names: frozenset[str]) -> Any:
    def __getattr__(name: str) -> ModuleType:  # PEP 562: `package.s3_bucket` without importing it first
        if name in names:
            return importlib.import_module(f"{PACKAGE}.{name}")
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")

    return __getattr__

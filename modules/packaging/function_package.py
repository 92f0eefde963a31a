"""One zip per function: its own package plus exactly the shared modules it imports.

The import closure is found by reading import statements (no code runs), so nothing is shipped that
the function does not import; third-party dependencies live in the layer.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

from modules.packaging.zipping import write_zip

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_ROOT = REPO_ROOT / "functions"
_ROOT_PACKAGE = "functions"


def _module_file(module: str) -> Path | None:
    parts = module.split(".")
    base = REPO_ROOT.joinpath(*parts)
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _imports(path: Path, module: str) -> frozenset[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return _imports_of_source(path.read_text(), str(path), package)


# Keyed by the source text itself: every function's closure reads the shared modules, and several environments
# synthesize in one process; an edited file is a new key.
@lru_cache(maxsize=1024)
def _imports_of_source(source: str, filename: str, package: str) -> frozenset[str]:
    tree = ast.parse(source, filename=filename)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from functions.shared import health` imports a submodule.
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return frozenset(m for m in found if m == _ROOT_PACKAGE or m.startswith(_ROOT_PACKAGE + "."))


def import_closure(package: str) -> list[Path]:
    """Every file of `functions.<package>` and of the `functions.*` modules it imports, transitively."""
    pending = [f"{_ROOT_PACKAGE}.{package}.{p.relative_to(FUNCTIONS_ROOT / package).with_suffix('')}".replace(
        "/", ".").removesuffix(".__init__") for p in (FUNCTIONS_ROOT / package).rglob("*.py")]
    seen: dict[str, Path] = {}
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        path = _module_file(module)
        if path is None:
            continue  # a name imported from a module, not a module itself
        seen[module] = path
        # Parent packages' __init__ files run on import, so they ship too.
        parts = module.split(".")
        pending += [".".join(parts[:i]) for i in range(1, len(parts))]
        pending += sorted(_imports(path, module))
    return sorted(set(seen.values()))


def build_function_zip(package: str, build_dir: Path) -> Path:
    """Zip `functions.<package>` with its closure into `build_dir`; the name carries the content hash."""
    data = [p for p in (FUNCTIONS_ROOT / package).rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    files = [(str(p.relative_to(REPO_ROOT)), p) for p in sorted({*import_closure(package), *data})]
    digest = hashlib.sha256()
    for name, path in sorted(files):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return write_zip(build_dir / f"{package}-{digest.hexdigest()[:16]}.zip", files)

"""The layers of `cli/` hold: no import runs up a layer or between two workflows (an `ast` walk over the imports,
lazy ones inside functions included), and every package's `__init__.py` is only its docstring."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[2] / "cli"

_SYNTH_AND_TERRAFORM = {"core", "synth", "terraform"}
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "synth": {"core"},
    "terraform": {"core"},
    "state": _SYNTH_AND_TERRAFORM,
    "plans": _SYNTH_AND_TERRAFORM | {"state"},
    "engine": _SYNTH_AND_TERRAFORM | {"state", "plans"},
    "workflows": _SYNTH_AND_TERRAFORM | {"state", "plans", "engine"},
    "aws": _SYNTH_AND_TERRAFORM,
    "local": {"core"},
    "commands": {"core", "synth", "terraform", "state", "plans", "engine", "workflows", "aws", "local"},
    "entry": {"commands"},  # cli/main.py, cli/__main__.py
}
"""Which parts of `cli` each part may import besides itself: core <- synth, terraform <- state <- plans <- engine
<- workflows <- commands; aws and local are used only by commands."""
SHARED_WORKFLOW_MODULES = {"confirm"}
"""Modules of `cli/workflows/` that every workflow may import; any other is a workflow of its own."""


def _part(module: str) -> str:
    """`cli.engine.session` -> `engine`; the modules at the top of `cli` are the entry point."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else "entry"


def _module_of(path: Path, root: Path) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    names = list(relative.parts)
    return ".".join(names[:-1] if names[-1] == "__init__" else names)


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) of every import of `cli`, at any depth of the file."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "cli"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "cli":
                continue
            # `from cli.engine import session` imports the module cli.engine.session
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _workflow(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 3 or parts[1] != "workflows" or parts[2] in SHARED_WORKFLOW_MODULES:
        return None
    return parts[2]


def violations(root: Path) -> list[str]:
    """Every import under `root` (a `cli` package) that breaks the layer rules, as `path:line: reason`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module = _module_of(path, root)
        part = _part(module)
        for line, imported in _imports(ast.parse(path.read_text(), str(path)), module, path.name == "__init__.py"):
            target = _part(imported) if imported.count(".") >= 1 else part
            where = f"{path.relative_to(root.parent)}:{line}"
            if target != part and target not in MAY_IMPORT[part]:
                found.append(f"{where}: {module} ({part}) imports {imported} ({target}), which is not below it")
                continue
            mine, theirs = _workflow(module), _workflow(imported)
            if mine and theirs and mine != theirs and not theirs.startswith(f"{mine}_"):
                found.append(f"{where}: workflow {mine} imports workflow {theirs} ({imported})")
    return found


def test_no_import_runs_up_a_layer_or_between_two_workflows() -> None:
    assert violations(CLI) == []


def test_the_rule_names_the_offending_line(tmp_path: Path) -> None:
    root = tmp_path / "cli"
    for package in ("core", "engine", "workflows"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text('"""A layer."""\n')
    (root / "__init__.py").write_text('"""The package."""\n')
    (root / "core" / "errors.py").write_text('"""Errors."""\n\n\ndef f():\n    from cli.engine import session\n')
    (root / "engine" / "session.py").write_text('"""Session."""\nfrom cli.core import errors\n')
    (root / "workflows" / "confirm.py").write_text('"""Prompt."""\n')
    (root / "workflows" / "destroy_preflight.py").write_text('"""Part of destroy."""\n')
    (root / "workflows" / "destroy.py").write_text(
        '"""Destroy."""\nfrom cli.workflows import confirm, destroy_preflight\nfrom cli.workflows.apply import x\n')
    (root / "workflows" / "apply.py").write_text('"""Apply."""\nfrom . import destroy\n')

    assert violations(root) == [
        "cli/core/errors.py:5: cli.core.errors (core) imports cli.engine.session (engine), which is not below it",
        "cli/workflows/apply.py:2: workflow apply imports workflow destroy (cli.workflows.destroy)",
        "cli/workflows/destroy.py:3: workflow destroy imports workflow apply (cli.workflows.apply.x)",
    ]


@pytest.mark.parametrize("init", sorted(CLI.glob("*/__init__.py")), ids=lambda p: p.parent.name)
def test_a_package_init_is_only_its_docstring(init: Path) -> None:
    """It says what belongs in the package and what it may import; it re-exports nothing."""
    body = ast.parse(init.read_text()).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), init


def test_every_module_starts_with_the_line_that_says_its_job() -> None:
    assert [p for p in sorted(CLI.rglob("*.py")) if not p.read_text().startswith('"""')] == []

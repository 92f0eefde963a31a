"""`modules/config` is the floor of `modules/`: it imports nothing else of `modules`, and the function catalog
describes exactly the functions whose names it lists."""

from __future__ import annotations

import ast
from pathlib import Path

from modules.catalog.functions import FUNCTIONS
from modules.config.function_names import FUNCTION_NAMES

CONFIG = Path(__file__).resolve().parents[2] / "modules" / "config"


def test_config_imports_nothing_else_of_modules() -> None:
    upward = []
    for path in sorted(CONFIG.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            upward += [f"{path.name}:{node.lineno}: {name}" for name in names
                       if name.startswith("modules.") and not name.startswith("modules.config")]
    assert upward == []


def test_the_catalog_describes_every_named_function_in_order() -> None:
    assert tuple(spec.name for spec in FUNCTIONS) == FUNCTION_NAMES

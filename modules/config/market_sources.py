"""Checks on the market source URL templates of an environment (rendered by ingest-market at run time)."""

from __future__ import annotations

import string

SYMBOL_FIELDS = frozenset({"symbol", "symbol_lower"})
DATE_FIELDS = frozenset({"start", "end"})


def market_template_problems(template: str) -> list[str]:
    """What is wrong with one template; empty when it can be used."""
    if not template.startswith("https://"):
        return ["must use https"]
    if "," in template:
        return ["must not contain a comma (the templates reach the function as a comma-separated list)"]
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        return [f"is not a valid template ({exc}); write a literal brace as {{{{ or }}}}"]
    problems = []
    for name, spec in fields:
        if not name.isidentifier():
            problems.append(f"placeholder {{{name}}} must be a plain name (no attributes or indexes)")
        elif spec and name not in DATE_FIELDS:
            problems.append(f"placeholder {{{name}:{spec}}}: only start and end take a format")
    if not SYMBOL_FIELDS & {name for name, _ in fields}:
        problems.append("names no symbol: use {symbol} or {symbol_lower}")
    return problems

"""The stack dependency graph: deploy order, destroy order, selection by name, glob or exclusion.

Order is `graphlib.TopologicalSorter` order with ties broken alphabetically, so it is deterministic:
a stack comes after every stack it depends on. Destroy walks the same order backwards.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from graphlib import CycleError, TopologicalSorter

from cli.core.errors import AiinvError, UsageError


class StackGraph:
    def __init__(self, dependencies: Mapping[str, Iterable[str]]) -> None:
        self._deps = {name: tuple(sorted(set(deps))) for name, deps in dependencies.items()}
        for name, deps in self._deps.items():
            missing = [d for d in deps if d not in self._deps]
            if missing:
                raise AiinvError(f"stack '{name}' depends on unknown stack(s) {', '.join(missing)}")
        self._order = self._sort()

    def _sort(self) -> tuple[str, ...]:
        sorter = TopologicalSorter(self._deps)
        try:
            sorter.prepare()
        except CycleError as exc:
            cycle = exc.args[1]
            raise AiinvError(
                f"stack '{cycle[0]}' is part of a dependency cycle: {' -> '.join(cycle)}"
            ) from None
        order: list[str] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            order.extend(ready)
            sorter.done(*ready)
        return tuple(order)

    @property
    def order(self) -> tuple[str, ...]:
        """Deploy order."""
        return self._order

    def dependencies(self, name: str) -> tuple[str, ...]:
        return self._deps[name]

    def dependents(self, name: str) -> tuple[str, ...]:
        return tuple(n for n in self._order if name in self._deps[n])

    def all_dependents(self, names: Iterable[str]) -> set[str]:
        """Every stack that depends on one of `names`, directly or not."""
        found: set[str] = set()
        todo = list(names)
        while todo:
            for dependent in self.dependents(todo.pop()):
                if dependent not in found:
                    found.add(dependent)
                    todo.append(dependent)
        return found

    def ordered(self, names: Iterable[str], *, reverse: bool = False) -> list[str]:
        chosen = set(names)
        result = [n for n in self._order if n in chosen]
        return result[::-1] if reverse else result


def short_name(stack: str, prefix: str, env: str) -> str:
    """`ai-investment-data-dev` -> `data`, given prefix `ai-investment` and env `dev`."""
    head, tail = f"{prefix}-", f"-{env}"
    if stack.startswith(head) and stack.endswith(tail) and len(stack) > len(head) + len(tail):
        return stack[len(head) : -len(tail)]
    return stack


def select(
    graph: StackGraph,
    include: Sequence[str],
    exclude: Sequence[str],
    *,
    prefix: str,
    env: str,
) -> list[str]:
    """Stacks matched by `include` (all when empty) minus `exclude`, in deploy order.

    A pattern matches short names (`data`, `a*`), with shell-style globs; it matches full names only
    when it names the project prefix (`ai-investment-*`), so `a*` never selects every stack through the
    prefix they share. A pattern that matches nothing is an error that lists the valid names.
    """
    names = graph.order

    def matches(name: str, pattern: str) -> bool:
        if fnmatch.fnmatchcase(short_name(name, prefix, env), pattern):
            return True
        return pattern.startswith(f"{prefix}-") and fnmatch.fnmatchcase(name, pattern)

    def matching(pattern: str) -> set[str]:
        hits = {n for n in names if matches(n, pattern)}
        if not hits:
            valid = ", ".join(short_name(n, prefix, env) for n in names)
            raise UsageError(f"unknown stack '{pattern}'; valid stacks: {valid} (or their full names)")
        return hits

    chosen = set(names) if not include else set().union(*(matching(p) for p in include))
    for pattern in exclude:
        chosen -= matching(pattern)
    if not chosen:
        raise UsageError("the stack selection is empty; check --stack and --exclude")
    return graph.ordered(chosen)

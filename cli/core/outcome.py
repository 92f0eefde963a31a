"""What happened to one stack: pure data, shared by the scheduler, the actions and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    NO_CHANGES = "no changes"
    CHANGES = "changes"
    APPLIED = "applied"
    DESTROYED = "destroyed"
    DRIFTED = "drift"
    FAILED = "failed"
    BLOCKED = "blocked"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


@dataclass
class Outcome:
    stack: str
    status: Status
    detail: str = ""
    duration: float = 0.0
    blocks_dependents: bool = False
    """True when dependents cannot be planned honestly yet (this stack's outputs are not applied)."""
    changed_outputs: tuple[str, ...] = ()
    """The outputs whose planned change is not applied; only dependents reading one of them wait."""
    blocked_by: str = ""
    data: dict = field(default_factory=dict)

"""What would stop `aiinv destroy` half-way, found before anything leaves state or is destroyed.

Two kinds of blocker:
- in the configuration: a resource with `lifecycle.prevent_destroy` that does not carry the retain
  marker (Terraform refuses to destroy it, and destroy would not take it out of state first);
- in the state: a resource that destroy would delete (not retained) whose recorded attributes keep
  deletion protection on (AWS refuses the delete after the stack's other resources are gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules.catalog.retention import RETAIN_MARKER

# Resource type -> (attribute, value that means "protected").
DELETION_PROTECTION: dict[str, tuple[str, object]] = {
    "aws_dynamodb_table": ("deletion_protection_enabled", True),
    "aws_cognito_user_pool": ("deletion_protection", "ACTIVE"),
    "aws_db_instance": ("deletion_protection", True),
    "aws_rds_cluster": ("deletion_protection", True),
    "aws_lb": ("enable_deletion_protection", True),
}


@dataclass(frozen=True)
class Blocker:
    stack: str
    address: str
    problem: str
    fix: str

    def describe(self) -> str:
        return f"{self.stack}: {self.address} {self.problem}; {self.fix}"


def config_blockers(stack: str, config: dict[str, Any], in_state: set[str] | None = None) -> list[Blocker]:
    """Resources that Terraform may not destroy and destroy would not remove from state first
    (only those `in_state`, when given: what the state does not hold cannot block)."""
    found = []
    for rtype, entries in config.get("resource", {}).items():
        for rname, body in entries.items():
            guarded = body.get("lifecycle", {}).get("prevent_destroy") is True
            if in_state is not None and f"{rtype}.{rname}" not in in_state:
                continue
            if guarded and not body.get("//", {}).get(RETAIN_MARKER):
                found.append(Blocker(
                    stack, f"{rtype}.{rname}", "has prevent_destroy but no retain marker",
                    "mark it retained (modules/constructs/retention.py) or drop prevent_destroy, then synthesize",
                ))
    return found


def managed_addresses(state: dict[str, Any]) -> set[str]:
    return {f"{r.get('type')}.{r.get('name')}" for r in state.get("resources", [])
            if r.get("mode") == "managed" and not r.get("module") and r.get("instances")}


def state_blockers(stack: str, state: dict[str, Any], config: dict[str, Any], *, retained: set[str],
                   apply_hint: str) -> list[Blocker]:
    """Resources in `state` that destroy would delete although deletion protection is on."""
    found = []
    for res in state.get("resources", []):
        rtype, rname = res.get("type", ""), res.get("name", "")
        address = f"{rtype}.{rname}"
        if res.get("mode") != "managed" or res.get("module") or address in retained:
            continue
        attribute, protected = DELETION_PROTECTION.get(rtype, ("", None))
        if not attribute:
            continue
        for inst in res.get("instances", []):
            attributes = inst.get("attributes") or {}
            if attributes.get(attribute) != protected:
                continue
            wanted = config.get("resource", {}).get(rtype, {}).get(rname, {}).get(attribute)
            if wanted is not None and wanted != protected:
                fix = f"{apply_hint} first: the configuration turns {attribute} off"
            else:
                fix = f"turn {attribute} off on {attributes.get('id', '?')} (or retain it), then destroy again"
            found.append(Blocker(stack, address, f"(id {attributes.get('id', '?')}) has {attribute} on and "
                                 "is not retained", fix))
    return found

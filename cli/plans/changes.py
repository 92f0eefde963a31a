"""What a saved plan changes, from `terraform show -json`."""

from __future__ import annotations

from dataclasses import dataclass, field

_NOOP = {("no-op",), ("read",)}


@dataclass
class Changes:
    add: list[str] = field(default_factory=list)
    change: list[str] = field(default_factory=list)
    destroy: list[str] = field(default_factory=list)
    replace: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    """Outputs whose value the plan changes: dependents read them from remote state."""

    @property
    def destructive(self) -> list[str]:
        return [*(f"destroy {a}" for a in self.destroy), *(f"replace {a}" for a in self.replace)]

    def counts(self) -> dict[str, int]:
        return {
            "add": len(self.add),
            "change": len(self.change),
            "destroy": len(self.destroy),
            "replace": len(self.replace),
        }

    def describe(self) -> str:
        c = self.counts()
        text = (
            f"{c['add']} to add, {c['change']} to change, {c['destroy']} to destroy, "
            f"{c['replace']} to replace"
        )
        return text + (f"; outputs changing: {len(self.outputs)}" if self.outputs else "")

    def to_json(self) -> dict:
        return {
            "add": self.add,
            "change": self.change,
            "destroy": self.destroy,
            "replace": self.replace,
            "outputs": self.outputs,
        }

    @classmethod
    def from_json(cls, data: dict) -> Changes:
        return cls(**{k: list(data.get(k, [])) for k in ("add", "change", "destroy", "replace", "outputs")})


def summarize(plan: dict) -> Changes:
    changes = Changes()
    for rc in plan.get("resource_changes", []):
        if rc.get("mode") == "data":
            continue
        actions = tuple(rc.get("change", {}).get("actions", ()))
        address = rc.get("address", "?")
        if actions in _NOOP or not actions:
            continue
        if actions in (("delete", "create"), ("create", "delete")):
            changes.replace.append(address)
        elif actions == ("create",):
            changes.add.append(address)
        elif actions == ("delete",):
            changes.destroy.append(address)
        else:
            changes.change.append(address)
    for name, oc in sorted(plan.get("output_changes", {}).items()):
        if tuple(oc.get("actions", ())) not in _NOOP:
            changes.outputs.append(name)
    return changes

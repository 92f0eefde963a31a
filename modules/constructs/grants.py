"""Policy statements and the grantee that turns them into customer-managed policies on a role.

A grant is a named set of statements for a role, attached in the stack that makes the grant: the role
can live in the security stack while the table it may read lives in the data stack, without a cycle.
Grants are customer-managed policies, not inline ones: a role's inline policies share one 10,240-character
budget, which the busiest role approached. Each stack packs a role's grants into as few managed policies
as fit IAM's 6,144-character limit (sized with room for the ARNs that Terraform fills in), attached to
the role; a role may carry 10 managed policies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

MANAGED_POLICY_MAX_CHARS = 6_144
"""IAM's limit for one customer-managed policy document (whitespace not counted)."""
ARN_ALLOWANCE = 200
"""Characters reserved for each value Terraform fills in (an ARN); real ARNs here stay below 120."""
_TOKEN = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class Condition:
    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One Allow statement, scoped to exact resource ARNs."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()

    def render(self) -> dict[str, object]:
        rendered: dict[str, object] = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": sorted(set(self.actions)),
            "Resource": list(self.resources) if len(self.resources) > 1 else self.resources[0],
        }
        if self.conditions:
            block: dict[str, dict[str, object]] = {}
            for c in self.conditions:
                block.setdefault(c.operator, {})[c.key] = list(c.values) if len(c.values) > 1 else c.values[0]
            rendered["Condition"] = block
        return rendered


def policy_document(statements: Sequence[dict[str, object]]) -> str:
    """Render statements as an IAM policy JSON string (stable key order for clean plans)."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def estimated_size(statements: Sequence[dict[str, object]]) -> int:
    """Characters IAM counts for the document, each Terraform-filled value taken at `ARN_ALLOWANCE`."""
    compact = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, separators=(",", ":"))
    return len(_TOKEN.sub("x" * ARN_ALLOWANCE, compact))


def sid_prefix(grant_name: str) -> str:
    """`read-write-signals` -> `ReadWriteSignals`: statement ids stay unique when grants share a policy."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", grant_name))


class Grantee(Protocol):
    """Something that can receive permissions: in practice, a function's role."""

    def grant(self, name: str, statements: Sequence[Statement]) -> None: ...


@dataclass
class _Packed:
    policy: IamPolicy
    statements: list[dict[str, object]]


class RoleGrantee(Construct):
    """Attaches grants to an existing role as customer-managed policies created in this construct's stack."""

    def __init__(self, scope: Construct, id_: str, *, role_name: str) -> None:
        super().__init__(scope, id_)
        self.role_name = role_name
        self._packed: list[_Packed] = []
        self._grants: set[str] = set()

    def grant(self, name: str, statements: Sequence[Statement]) -> None:
        if name in self._grants:
            raise ValueError(f"grant '{name}' is made twice to {self.role_name}")
        self._grants.add(name)
        rendered = [replace(s, sid=sid_prefix(name) + s.sid).render() for s in statements]
        if estimated_size(rendered) > MANAGED_POLICY_MAX_CHARS:
            raise ValueError(f"grant '{name}' alone exceeds {MANAGED_POLICY_MAX_CHARS} characters; split it")
        if not self._packed or estimated_size(self._packed[-1].statements + rendered) > MANAGED_POLICY_MAX_CHARS:
            self._packed.append(self._new_policy(len(self._packed) + 1))
        current = self._packed[-1]
        current.statements.extend(rendered)
        current.policy.policy = policy_document(current.statements)

    def _new_policy(self, number: int) -> _Packed:
        kind = getattr(TerraformStack.of(self), "kind", "") or "grants"
        policy = IamPolicy(self, f"Policy{number}", name=f"{self.role_name}-{kind}-{number}",
                           description=f"Grants to {self.role_name} made in the {kind} stack",
                           policy=policy_document([]))
        IamRolePolicyAttachment(self, f"Attach{number}", role=self.role_name, policy_arn=policy.arn)
        return _Packed(policy, [])

"""Policy statements and the grantee that turns them into inline role policies.

A grant is one named inline policy on a role, created in the stack that makes the grant: the role can
live in the security stack while the table it may read lives in the data stack, without a cycle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct


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


class Grantee(Protocol):
    """Something that can receive permissions: in practice, a function's role."""

    def grant(self, name: str, statements: Sequence[Statement]) -> IamRolePolicy: ...


class RoleGrantee(Construct):
    """Attaches each grant as an inline policy on an existing role, in this construct's stack."""

    def __init__(self, scope: Construct, id_: str, *, role_name: str) -> None:
        super().__init__(scope, id_)
        self.role_name = role_name

    def grant(self, name: str, statements: Sequence[Statement]) -> IamRolePolicy:
        return IamRolePolicy(
            self, name, name=name, role=self.role_name,
            policy=policy_document([s.render() for s in statements]),
        )

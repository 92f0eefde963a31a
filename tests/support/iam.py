"""The permissions a role holds, read from synthesized stacks: its attached customer-managed policies (and any
inline ones), wherever the stack that grants them is."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.support.synthesized import resources

_POLICY_ARN = re.compile(r"^\$\{aws_iam_policy\.([A-Za-z0-9_-]+)\.arn\}$")


@dataclass(frozen=True)
class RolePolicy:
    stack: str
    role: str
    """The attachment's `role` value (a name, or a reference to one)."""
    name: str
    document: dict[str, Any]
    text: str
    """The policy as synthesized (references still `${...}`)."""
    managed: bool


def role_policies(stacks: dict[str, dict[str, Any]]) -> Iterator[RolePolicy]:
    for stack_name, stack in stacks.items():
        policies = resources(stack, "aws_iam_policy")
        for attachment in resources(stack, "aws_iam_role_policy_attachment").values():
            match = _POLICY_ARN.match(attachment["policy_arn"])
            if not match:
                continue  # an AWS-managed policy
            policy = policies[match.group(1)]
            yield RolePolicy(stack_name, attachment["role"], policy["name"], json.loads(policy["policy"]),
                             policy["policy"], True)
        for policy in resources(stack, "aws_iam_role_policy").values():
            yield RolePolicy(stack_name, policy["role"], policy["name"], json.loads(policy["policy"]),
                             policy["policy"], False)

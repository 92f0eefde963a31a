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


UNSCOPED = "*"


def function_grants(stacks: dict[str, dict[str, Any]], compute_stack: str,
                    function_name: str) -> dict[str, set[str]]:
    """Action -> what the role of the function named `function_name` may use it on: `<type>:<name>` of each
    resource (its physical name as synthesized), or `*`. KMS statements are left out (conditions, not names)."""
    from tests.support.references import References

    refs = References(stacks)
    (function,) = [f for f in resources(stacks[compute_stack], "aws_lambda_function").values()
                   if f["function_name"] == function_name]
    role = refs.resolve(compute_stack, function["role"])
    found: dict[str, set[str]] = {}
    for policy in role_policies(stacks):
        if refs.resolve(policy.stack, policy.role) != role:
            continue
        for statement in policy.document["Statement"]:
            actions = as_list(statement["Action"])
            if any(a.startswith("kms:") for a in actions):
                continue
            targets = {UNSCOPED} if UNSCOPED in as_list(statement["Resource"]) else {
                _label(stacks, address.stack, address.resource)
                for address in refs.resolve(policy.stack, statement["Resource"])}
            for action in actions:
                found.setdefault(action, set()).update(targets)
    return found


def as_list(value: Any) -> list[Any]:
    """An IAM element that may be one value or a list, as a list."""
    return value if isinstance(value, list) else [value]


def _label(stacks: dict[str, dict[str, Any]], stack: str, resource: str) -> str:
    rtype, name = resource.split(".", 1)
    body = stacks[stack]["resource"][rtype][name]
    physical = body.get("name") or body.get("table_name") or body.get("function_name") or name
    return f"{rtype}:{physical}"

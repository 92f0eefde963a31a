"""No role comes near IAM's policy-size limits, measured with the ARNs Terraform will fill in.

Grants are customer-managed policies (6,144 characters each, whitespace not counted; 10 per role); a role's
inline policies would share 10,240 characters. Each `${...}` in a synthesized policy is replaced by the
realistic value it resolves to (following cross-stack reads): table, bucket, queue, secret, key and log-group
ARNs built from the names in the synthesized stacks.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from modules.config import ENVIRONMENT_NAMES, load_environment
from modules.constructs.grants import MANAGED_POLICY_MAX_CHARS
from tests.support.iam import role_policies
from tests.support.references import REMOTE_READ, upstream_stack_name
from tests.support.synthesized import resources, stacks_by_env

MANAGED_POLICIES_PER_ROLE = 10
INLINE_MAX_CHARS = 10_240
_EXPRESSION = re.compile(r"\$\{([^}]*)\}")
_REFERENCE = re.compile(r"^(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$")


@pytest.fixture(scope="module")
def by_env(synth_root) -> dict[str, dict[str, dict[str, Any]]]:
    return stacks_by_env()


class Realistic:
    """Replaces Terraform expressions in a policy with the values they will have in the account."""

    def __init__(self, stacks: dict[str, dict[str, Any]], env_name: str) -> None:
        config = load_environment(env_name, env={})
        self.stacks, self.region, self.account = stacks, config.region, config.account_id

    def text(self, stack: str, text: str) -> str:
        return _EXPRESSION.sub(lambda m: self.value(stack, m.group(1)), text)

    def value(self, stack: str, expression: str) -> str:
        remote = re.fullmatch(REMOTE_READ.pattern, expression)
        if remote:
            upstream = upstream_stack_name(self.stacks[stack], remote.group(1))
            return self.text(upstream, self.stacks[upstream]["output"][remote.group(2)]["value"])
        reference = _REFERENCE.match(expression)
        if not reference:
            return "x" * 64
        rtype, name, attribute = reference.groups()
        body = self.stacks[stack]["resource"][rtype][name]
        return self.attribute(stack, rtype, body, attribute)

    def attribute(self, stack: str, rtype: str, body: dict[str, Any], attribute: str) -> str:
        r, a = self.region, self.account
        named = self.text(stack, str(body.get("name") or body.get("bucket") or body.get("table_name") or "x" * 40))
        if attribute == "name" or attribute == "bucket":
            return named
        if attribute == "stream_arn":
            return f"arn:aws:dynamodb:{r}:{a}:table/{named}/stream/2026-12-01T00:00:00.000"
        if attribute == "execution_arn":
            return f"arn:aws:execute-api:{r}:{a}:a1b2c3d4e5"
        arns = {
            "aws_dynamodb_table": f"arn:aws:dynamodb:{r}:{a}:table/{named}",
            "aws_s3_bucket": f"arn:aws:s3:::{named}",
            "aws_sqs_queue": f"arn:aws:sqs:{r}:{a}:{named}",
            "aws_kms_key": f"arn:aws:kms:{r}:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "aws_secretsmanager_secret": f"arn:aws:secretsmanager:{r}:{a}:secret:{named}-AbCdEf",
            "aws_cloudwatch_log_group": f"arn:aws:logs:{r}:{a}:log-group:{named}",
            "aws_timestreamwrite_table": f"arn:aws:timestream:{r}:{a}:database/{'x' * 40}/table/{named}",
        }
        return arns.get(rtype, f"arn:aws:{'x' * 120}")


def compact_size(text: str) -> int:
    return len(json.dumps(json.loads(text), separators=(",", ":")))


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_every_role_fits_iam_limits_with_realistic_arns(by_env, env_name: str) -> None:
    stacks = by_env[env_name]
    realistic = Realistic(stacks, env_name)
    role_names = {role["name"]: role["name"] for s in stacks.values() for role in resources(s, "aws_iam_role").values()}
    managed: dict[str, list[int]] = {}
    inline: dict[str, int] = {}
    for policy in role_policies(stacks):
        role = realistic.text(policy.stack, policy.role)
        assert role in role_names, role
        size = compact_size(realistic.text(policy.stack, policy.text))
        if policy.managed:
            managed.setdefault(role, []).append(size)
        else:
            inline[role] = inline.get(role, 0) + size
    assert managed, "grants are customer-managed policies"
    assert not inline, f"inline policies left: {sorted(inline)}"
    for role, sizes in managed.items():
        assert len(sizes) <= MANAGED_POLICIES_PER_ROLE, f"{role}: {len(sizes)} managed policies"
        assert max(sizes) <= MANAGED_POLICY_MAX_CHARS, f"{role}: a policy of {max(sizes)} characters"
    # The busiest role: everything it may do would not even fit one inline budget twice over.
    busiest = max(managed, key=lambda r: sum(managed[r]))
    assert sum(managed[busiest]) < 2 * INLINE_MAX_CHARS, busiest

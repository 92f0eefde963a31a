"""No role comes near IAM's policy-size limits, measured with the ARNs Terraform will fill in.

Grants are customer-managed policies (6,144 characters each, whitespace not counted; 10 per role); a role's
inline policies would share 10,240 characters. Each `${...}` in a synthesized policy is replaced by the
realistic value it resolves to (following cross-stack reads): table, bucket, queue, secret, key and log-group
ARNs built from the names in the synthesized stacks.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules.config import ENVIRONMENT_NAMES
from modules.constructs.grants import MANAGED_POLICY_MAX_CHARS
from tests.support.iam import role_policies
from tests.support.realistic_arns import Realistic
from tests.support.synthesized import resources, stacks_by_env

MANAGED_POLICIES_PER_ROLE = 10
INLINE_MAX_CHARS = 10_240


@pytest.fixture(scope="module")
def by_env(synth_root) -> dict[str, dict[str, dict[str, Any]]]:
    return stacks_by_env()


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

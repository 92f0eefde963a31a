"""The provider version the mirror tooling pins is the one every synthesized stack requires."""

from __future__ import annotations

from cli.terraform.provider_mirror import AWS
from tests.support.synthesized import all_stacks


def test_every_stack_requires_exactly_the_pinned_aws_provider() -> None:
    required = {(env, name): stack["terraform"]["required_providers"]["aws"]
                for env, name, stack in all_stacks()}
    assert required, "nothing was synthesized"
    assert {(r["source"], r["version"]) for r in required.values()} == {("aws", AWS.version)}, required

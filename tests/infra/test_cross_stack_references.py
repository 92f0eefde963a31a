"""Every value read from another stack's state names an output that the other stack really has."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.references import remote_reads, upstream_stack_name
from tests.support.synthesized import stacks_by_env


@pytest.fixture(scope="module")
def stacks(synth_root) -> dict[str, dict[str, dict[str, Any]]]:
    return stacks_by_env()


def test_every_remote_state_read_names_an_existing_upstream_output(stacks) -> None:
    checked = 0
    for by_name in stacks.values():
        for stack_name, stack in by_name.items():
            for data_source, output in sorted(remote_reads(stack)):
                upstream = upstream_stack_name(stack, data_source)
                assert upstream in by_name, f"{stack_name} reads state of unknown stack {upstream}"
                assert upstream != stack_name
                assert output in by_name[upstream].get("output", {}), (
                    f"{stack_name} reads output '{output}' that {upstream} does not have")
                checked += 1
    assert checked, "no cross-stack read found; the test would prove nothing"


def test_remote_state_is_read_from_the_same_environment_backend(stacks) -> None:
    for by_name in stacks.values():
        for stack_name, stack in by_name.items():
            own = stack["terraform"]["backend"]["s3"]
            for name, source in stack.get("data", {}).get("terraform_remote_state", {}).items():
                config = source["config"]
                assert source["backend"] == "s3", f"{stack_name}: {name}"
                assert (config["bucket"], config["region"]) == (own["bucket"], own["region"]), f"{stack_name}: {name}"


def test_every_declared_remote_state_source_is_read(stacks) -> None:
    for by_name in stacks.values():
        for stack_name, stack in by_name.items():
            declared = set(stack.get("data", {}).get("terraform_remote_state", {}))
            used = {source for source, _ in remote_reads(stack)}
            assert declared == used, f"{stack_name}: unused remote state {sorted(declared - used)}"

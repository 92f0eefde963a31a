"""The synthesized Terraform JSON is the contract: every stack of every environment is pinned."""

from __future__ import annotations

import json

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from modules.config import ENVIRONMENT_NAMES, Naming, load_environment
from modules.config.naming import STACK_KINDS
from tests.support import synthesized as synth

SYNTHESIZED_KINDS = ("security", "data", "auth", "compute", "api", "observability")


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
@pytest.mark.parametrize("kind", SYNTHESIZED_KINDS)
def test_stack_matches_snapshot(env_name: str, kind: str, json_snapshot: SnapshotAssertion) -> None:
    assert synth.stack_json(env_name, kind) == json_snapshot


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
def test_manifest_lists_every_stack_with_its_dependencies(env_name: str, json_snapshot: SnapshotAssertion) -> None:
    manifest = json.loads((synth.synthesized(env_name) / "manifest.json").read_text())
    naming = Naming(load_environment(env_name, env={}))
    expected = {naming.stack(k) for k in STACK_KINDS if k in SYNTHESIZED_KINDS}
    assert set(manifest["stacks"]) == expected
    assert {name: entry["dependencies"] for name, entry in manifest["stacks"].items()} == json_snapshot


def test_two_synths_of_the_same_input_are_byte_identical(tmp_path) -> None:
    synth.synthesize_into(tmp_path / "again", "dev")
    first = synth.synthesized("dev")
    files = sorted(p.relative_to(first) for p in first.rglob("*.json"))
    assert files, "nothing was synthesized"
    for relative in files:
        assert (tmp_path / "again" / relative).read_bytes() == (first / relative).read_bytes(), relative

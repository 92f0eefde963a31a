"""Which upstream outputs a stack reads, found from the remote-state blocks of the synthesized JSON."""

from __future__ import annotations

import json
from pathlib import Path

from cli.synth.manifest import Stack
from cli.synth.reads import output_reads


def stack(tmp_path: Path, name: str, config: dict) -> Stack:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "cdk.tf.json").write_text(json.dumps(config))
    return Stack(name, directory, ())


def backend(key: str) -> dict:
    return {"backend": {"s3": {"bucket": "state", "key": key}}}


def test_reads_are_attributed_to_the_stack_whose_backend_the_remote_state_names(tmp_path: Path) -> None:
    producer = stack(tmp_path, "p", {"terraform": backend("p/terraform.tfstate"), "output": {"a": {}, "b": {}}})
    consumer = stack(tmp_path, "c", {
        "terraform": backend("c/terraform.tfstate"),
        "data": {"terraform_remote_state": {"in-p": {"config": {"bucket": "state", "key": "p/terraform.tfstate"}}}},
        "resource": {"terraform_data": {"x": {"input": "${data.terraform_remote_state.in-p.outputs.a}"}}},
    })
    assert output_reads({"p": producer, "c": consumer}) == {"p": {}, "c": {"p": frozenset({"a"})}}

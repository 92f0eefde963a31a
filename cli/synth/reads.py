"""Which outputs of which upstream stacks each stack reads, from the synthesized Terraform JSON.

cdktf passes values between stacks as outputs of the producer and `terraform_remote_state` reads in
the consumer. A remote-state data source names the producer by its backend (bucket and key), so the
producer is the stack whose own S3 backend has that bucket and key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from cli.synth.manifest import Stack

_READ = re.compile(r"data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)")

Reads = dict[str, dict[str, frozenset[str]]]
"""consumer stack -> producer stack -> output names it reads."""


def output_reads(stacks: Mapping[str, Stack]) -> Reads:
    configs = {name: stack.config() for name, stack in stacks.items()}
    owner = {_location(c.get("terraform", {}).get("backend", {}).get("s3", {})): name for name, c in configs.items()}
    reads: Reads = {}
    for name, config in configs.items():
        sources = config.get("data", {}).get("terraform_remote_state", {})
        found: dict[str, set[str]] = {}
        for source, output in _READ.findall(json.dumps(config)):
            producer = owner.get(_location(sources.get(source, {}).get("config", {})))
            if producer is not None:
                found.setdefault(producer, set()).add(output)
        reads[name] = {producer: frozenset(outputs) for producer, outputs in found.items()}
    return reads


def _location(backend: Mapping[str, object]) -> tuple[object, object]:
    return backend.get("bucket"), backend.get("key")

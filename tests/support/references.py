"""Following Terraform references across synthesized stacks.

cdktf passes a value between stacks as an output of the producing stack and a
`data.terraform_remote_state` read in the consuming one. These helpers find such reads in any value
and resolve them to the producing stack's output, so tests can say "this alarm watches that function".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

REMOTE_READ = re.compile(r"data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)")
STATE_KEY_SUFFIX = "/terraform.tfstate"


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (JSON-encoded policies and bodies are searched as text)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def remote_reads(stack: dict[str, Any]) -> set[tuple[str, str]]:
    """(remote-state data source name, output name) for every remote-state read in the stack."""
    found: set[tuple[str, str]] = set()
    for section in ("resource", "output", "data", "locals"):
        for text in strings(stack.get(section, {})):
            found.update(REMOTE_READ.findall(text))
    return found


def upstream_stack_name(stack: dict[str, Any], data_source: str) -> str:
    """The stack whose state a remote-state data source reads (from its backend key)."""
    config = stack["data"]["terraform_remote_state"][data_source]["config"]
    assert config["key"].endswith(STATE_KEY_SUFFIX), config["key"]
    return config["key"][: -len(STATE_KEY_SUFFIX)]


def resolve(value: str, consumer: dict[str, Any], stacks: dict[str, dict[str, Any]]) -> str:
    """The producing stack's expression for `value` when it is exactly one remote-state read."""
    match = re.fullmatch(r"\$\{" + REMOTE_READ.pattern + r"\}", value)
    if not match:
        return value
    producer = stacks[upstream_stack_name(consumer, match.group(1))]
    return producer["output"][match.group(2)]["value"]


_EXPRESSION = re.compile(r"\$\{([^}]*)\}")
_RESOURCE_REF = re.compile(r"\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+")


@dataclass(frozen=True)
class Address:
    """One resource of one stack: `<type>.<name>` in the stack's JSON."""

    stack: str
    resource: str


class References:
    """Resolve any value to the resources it refers to, following remote-state reads upstream."""

    def __init__(self, stacks: dict[str, dict[str, Any]]) -> None:
        self.stacks = stacks

    def resolve(self, stack: str, value: Any) -> set[Address]:
        found: set[Address] = set()
        for text in strings(value):
            for expression in _EXPRESSION.findall(text):
                found |= {Address(stack, f"{t}.{n}") for t, n in _RESOURCE_REF.findall(expression)}
                for remote, output in REMOTE_READ.findall(expression):
                    upstream = upstream_stack_name(self.stacks[stack], remote)
                    found |= self.resolve(upstream, self.stacks[upstream]["output"][output]["value"])
        return found

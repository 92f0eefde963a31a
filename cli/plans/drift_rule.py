"""Which changes of a refresh-only plan are drift: a change, made outside Terraform, to what the configuration sets.

Right after an apply, a refresh reads back more than the apply recorded, and `terraform plan -refresh-only`
reports all of it as "changed outside of Terraform": computed attributes (an IAM policy's `attachment_count` once
another resource attaches it), attributes that other resources manage (an S3 bucket's `versioning` or `policy`,
set by `aws_s3_bucket_versioning` and `aws_s3_bucket_policy`), and empty values where the state held none
(`tags = {}`). None of that is drift. Drift is a resource deleted outside Terraform, or an argument the
configuration sets whose value changed; nested blocks are compared by the arguments the configuration gives
them. An output whose recorded value the refresh changes counts too.
"""

from __future__ import annotations

import re
from typing import Any

# Keys of a resource's JSON that configure Terraform, not the resource.
META_ARGUMENTS = frozenset({"//", "count", "for_each", "depends_on", "provider", "lifecycle", "provisioner",
                            "connection", "timeouts"})
_INDEX = re.compile(r"\[[^\]]*\]$")


def drifted(plan: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """Addresses of the managed resources that drifted, from `terraform show -json` of a refresh-only plan."""
    configured = {f"{kind}.{name}": body for kind, named in config.get("resource", {}).items()
                  for name, body in named.items()}
    found = []
    for entry in plan.get("resource_drift", []):
        if entry.get("mode", "managed") != "managed":
            continue
        address, change = entry["address"], entry["change"]
        body = configured.get(_INDEX.sub("", address))
        if change.get("after") is None or "delete" in change.get("actions", []) or body is None:
            found.append(address)  # gone outside Terraform, or a resource the configuration does not know
            continue
        arguments = {k: v for k, v in body.items() if k not in META_ARGUMENTS}
        before, after = change.get("before") or {}, change["after"]
        if _project(before, arguments) != _project(after, arguments):
            found.append(address)
    # An output whose recorded value the refresh changes: the state was edited, or what it reads moved.
    found += [f"output.{name}" for name, change in sorted(plan.get("output_changes", {}).items())
              if set(change.get("actions", [])) - {"no-op"}]
    return found


def _project(value: Any, shape: Any) -> Any:
    """`value` reduced to what `shape` (the configuration) sets, with empty values as None."""
    if isinstance(shape, dict) and isinstance(value, dict):
        return _empty_as_none({k: _project(value.get(k), s) for k, s in shape.items()})
    if isinstance(shape, list) and shape and all(isinstance(s, dict) for s in shape) and isinstance(value, list):
        template: dict[str, Any] = {}
        for block in shape:
            template.update(block)
        return _empty_as_none([_project(v, template) for v in value])
    return _normal(value)


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return _empty_as_none({k: _normal(v) for k, v in value.items()})
    if isinstance(value, list):
        return _empty_as_none([_normal(v) for v in value])
    return None if value == "" else value


def _empty_as_none(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: v for k, v in value.items() if v is not None}
        return kept or None
    if isinstance(value, list):
        return value or None
    return value

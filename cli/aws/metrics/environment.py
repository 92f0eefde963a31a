"""What `aiinv metrics` watches, read from the environment's synthesized Terraform JSON (no cdktf import).

Functions are `aws_lambda_function`, queues `aws_sqs_queue` (a dead-letter queue is one with a redrive-allow
policy: every dead-letter queue names the queues that may use it), alarms `aws_cloudwatch_metric_alarm` with
their threshold, statistic and period as synthesized. An alarm's dimensions are often another stack's output
(`data.terraform_remote_state...`); they are followed to the literal name the producing stack sets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cli.core.errors import AiinvError
from cli.synth.manifest import Stack

_REFERENCE = re.compile(r"^\$\{([^{}]+)\}$")
_QUEUE_ID = re.compile(r"^\$\{aws_sqs_queue\.([^.]+)\.(?:url|arn|id)\}$")


@dataclass(frozen=True)
class Function:
    name: str
    """Short name, as `aiinv logs` takes it (`score`)."""
    resource: str
    """Physical function name (the `FunctionName` dimension)."""


@dataclass(frozen=True)
class Queue:
    name: str
    resource: str
    """Physical queue name (the `QueueName` dimension)."""
    dead_letter: bool


@dataclass(frozen=True)
class Alarm:
    name: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    """Resolved to literal values; empty when one could not be (then it is matched to no figure)."""
    statistic: str
    """`Sum`, `Average`, ... or a percentile such as `p95`."""
    period: int
    threshold: float
    comparison: str
    evaluation_periods: int

    def breaches(self, value: float) -> bool:
        return {
            "GreaterThanThreshold": value > self.threshold,
            "GreaterThanOrEqualToThreshold": value >= self.threshold,
            "LessThanThreshold": value < self.threshold,
            "LessThanOrEqualToThreshold": value <= self.threshold,
        }.get(self.comparison, False)

    @property
    def rule(self) -> str:
        """`Sum per 5m > 5`."""
        sign = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=", "LessThanThreshold": "<",
                "LessThanOrEqualToThreshold": "<="}.get(self.comparison, self.comparison)
        every = f"{self.period // 60}m" if self.period % 3600 else f"{self.period // 3600}h"
        runs = f" for {self.evaluation_periods} periods" if self.evaluation_periods > 1 else ""
        return f"{self.statistic} per {every} {sign} {self.threshold:g}{runs}"


@dataclass(frozen=True)
class Watched:
    functions: tuple[Function, ...]
    queues: tuple[Queue, ...]
    alarms: tuple[Alarm, ...]


def read(stacks: Mapping[str, Stack], *, prefix: str, suffix: str) -> Watched:
    """Everything the synthesized `stacks` define; short names drop the environment's `prefix` and `suffix`."""
    try:
        configs = {name: stack.config() for name, stack in stacks.items()}
    except (OSError, ValueError) as exc:
        raise AiinvError(f"cannot read the synthesized stacks ({exc}); run `aiinv synth` again") from exc
    refs = _References(configs)
    functions, queues, alarms = [], [], []
    for stack, config in configs.items():
        resources = config.get("resource", {})
        for body in resources.get("aws_lambda_function", {}).values():
            functions.append(Function(_short(body["function_name"], prefix, suffix), body["function_name"]))
        dead_letters = {m.group(1) for p in resources.get("aws_sqs_queue_redrive_allow_policy", {}).values()
                        if (m := _QUEUE_ID.match(str(p.get("queue_url", ""))))}
        for rid, body in resources.get("aws_sqs_queue", {}).items():
            queues.append(Queue(_short(body["name"], prefix, suffix), body["name"], rid in dead_letters))
        for body in resources.get("aws_cloudwatch_metric_alarm", {}).values():
            if "metric_name" in body:  # metric-math alarms watch no single figure
                alarms.append(_alarm(body, stack, refs))
    return Watched(tuple(sorted(functions, key=lambda f: f.name)),
                   tuple(sorted(queues, key=lambda q: (q.dead_letter, q.name))),
                   tuple(sorted(alarms, key=lambda a: a.name)))


def _short(physical: str, prefix: str, suffix: str) -> str:
    if physical.startswith(prefix) and physical.endswith(suffix) and len(physical) > len(prefix) + len(suffix):
        return physical[len(prefix):len(physical) - len(suffix)]
    return physical


def _alarm(body: Mapping[str, Any], stack: str, refs: _References) -> Alarm:
    dimensions = {key: refs.resolve(str(value), stack) for key, value in (body.get("dimensions") or {}).items()}
    resolved = all(value is not None for value in dimensions.values())
    return Alarm(
        name=body["alarm_name"], namespace=body["namespace"], metric=body["metric_name"],
        dimensions=tuple(sorted(dimensions.items())) if resolved else (),  # type: ignore[arg-type]
        statistic=body.get("extended_statistic") or body["statistic"], period=int(body["period"]),
        threshold=float(body["threshold"]), comparison=body["comparison_operator"],
        evaluation_periods=int(body.get("datapoints_to_alarm") or body.get("evaluation_periods") or 1),
    )


class _References:
    """Follows `${type.name.attr}` within a stack and `${data.terraform_remote_state.x.outputs.y}` to the
    stack whose S3 backend the remote state names, down to a literal."""

    def __init__(self, configs: Mapping[str, dict[str, Any]]) -> None:
        self._configs = configs
        self._owners = {_backend(c.get("terraform", {}).get("backend", {}).get("s3", {})): name
                        for name, c in configs.items()}

    def resolve(self, value: str, stack: str, depth: int = 0) -> str | None:
        match = _REFERENCE.match(value)
        if match is None:
            return None if "${" in value else value
        if depth > 8:
            return None
        parts = match.group(1).split(".")
        config = self._configs[stack]
        if parts[:2] == ["data", "terraform_remote_state"] and len(parts) == 5 and parts[3] == "outputs":
            source = config.get("data", {}).get("terraform_remote_state", {}).get(parts[2], {})
            producer = self._owners.get(_backend(source.get("config", {})))
            output = self._configs.get(producer, {}).get("output", {}).get(parts[4]) if producer else None
            return self.resolve(str(output["value"]), producer, depth + 1) if output else None  # type: ignore[arg-type]
        if len(parts) == 3:
            body = config.get("resource", {}).get(parts[0], {}).get(parts[1], {})
            return self.resolve(str(body[parts[2]]), stack, depth + 1) if parts[2] in body else None
        return None


def _backend(backend: Mapping[str, Any]) -> tuple[Any, Any]:
    return backend.get("bucket"), backend.get("key")

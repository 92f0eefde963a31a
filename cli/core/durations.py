"""Durations given on the command line (`30s`, `15m`, `1h30m`) in seconds: one grammar for every option.

A duration is one or more parts of a number and a unit. Each option names the units it takes:
`--lock-timeout` is handed to Terraform, whose durations (Go's) have no days; `--since` and `--period`
reach back over days.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cli.core.errors import UsageError

_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
TERRAFORM_UNITS = ("ms", "s", "m", "h")
SINCE_UNITS = ("s", "m", "h", "d")


def seconds(value: str, *, option: str, units: Sequence[str], hint: str) -> float:
    """`value` in seconds; anything else is a usage error that names the option and how to write one."""
    text = value.strip()
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text or any(u not in units for _, u in parts):
        raise UsageError(f"{option} '{value}' is not a duration; {hint}")
    return sum(float(n) * _UNIT_SECONDS[unit] for n, unit in parts)


def lock_timeout_seconds(value: str) -> float:
    """`--lock-timeout` (Terraform's own format: `30s`, `5m`, `1h30m`, `500ms`)."""
    return seconds(value, option="--lock-timeout", units=TERRAFORM_UNITS, hint="use e.g. 0s, 30s, 5m or 1h30m")


def since_seconds(value: str) -> float:
    """`--since`: how far back (`15m`, `2h`, `1d`)."""
    return seconds(value, option="--since", units=SINCE_UNITS,
                   hint="use a number and s, m, h or d (e.g. 15m, 2h)")

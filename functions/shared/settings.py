"""Read settings from the environment once, at cold start, and fail loudly when one is missing.

Each function has a small `settings.py` that builds a frozen dataclass from these readers at import time,
so a misconfigured function fails on its first start with a message that names the variable, instead of
failing later on a confusing empty string.
"""

from __future__ import annotations

import os


class SettingError(RuntimeError):
    """A required environment variable is missing or has an invalid value."""


def require(name: str) -> str:
    """The value of a required variable; raises `SettingError` when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingError(f"environment variable {name} is required but not set")
    return value


def optional(name: str, default: str) -> str:
    """The value of an optional variable, or `default` when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or default


def require_list(name: str) -> tuple[str, ...]:
    """A required comma-separated list with at least one entry."""
    items = tuple(part.strip() for part in require(name).split(",") if part.strip())
    if not items:
        raise SettingError(f"environment variable {name} must list at least one value (comma-separated)")
    return items


def optional_int(name: str, default: int, *, minimum: int = 1, maximum: int = 2**31) -> int:
    """An optional integer within [minimum, maximum]."""
    raw = optional(name, str(default))
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingError(f"environment variable {name} must be an integer (got {raw!r})") from exc
    if not minimum <= value <= maximum:
        raise SettingError(f"environment variable {name} must be between {minimum} and {maximum} (got {value})")
    return value


def require_choice(name: str, choices: tuple[str, ...]) -> str:
    """A required variable whose value is one of `choices`."""
    value = require(name)
    if value not in choices:
        raise SettingError(f"environment variable {name} must be one of {', '.join(choices)} (got {value!r})")
    return value


def require_powertools() -> None:
    """Powertools reads these itself; check them here so a missing one fails at cold start."""
    require("POWERTOOLS_SERVICE_NAME")
    require("POWERTOOLS_METRICS_NAMESPACE")

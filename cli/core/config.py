"""Loading one environment's validated settings for a command; a bad value is a usage error (exit 4)."""

from __future__ import annotations

from cli.core.errors import UsageError


def load_config(env: str, project_name: str | None = None):  # noqa: ANN201 - EnvironmentConfig
    """Validated settings, before anything is written. A bad value is a usage error (exit 4)."""
    from modules.config import ConfigError, load_environment

    try:
        return load_environment(env, project_name=project_name)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None

"""The one error type for configuration that a user got wrong."""


class ConfigError(ValueError):
    """A setting is invalid. The message names the bad value and what to use instead."""

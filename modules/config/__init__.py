"""Environment configuration and naming. Imports nothing from cdktf, so the CLI's fast paths stay fast."""

from modules.config.environments import ENVIRONMENT_NAMES, load_environment
from modules.config.errors import ConfigError
from modules.config.naming import Naming
from modules.config.settings import EnvironmentConfig, MarketDataStore, MfaMode

__all__ = [
    "ENVIRONMENT_NAMES",
    "ConfigError",
    "EnvironmentConfig",
    "MarketDataStore",
    "MfaMode",
    "Naming",
    "load_environment",
]

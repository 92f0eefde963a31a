"""Settings that no environment uses yet, synthesized once per run beside the environments (variant_stacks)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from modules.config import EnvironmentConfig, MarketDataStore, load_environment
from tests.support.synthesized import variant_stacks

VARIANT_STALE_TRADING_DAYS = 5
"""Not the default, so the staleness alarm is seen to follow the setting."""


def timestream_variant() -> EnvironmentConfig:
    """dev with the seed's Timestream market-data store, which no environment enables (new accounts cannot)."""
    return replace(load_environment("dev", env={}), market_data_store=MarketDataStore.TIMESTREAM,
                   market_stale_trading_days=VARIANT_STALE_TRADING_DAYS)


def timestream_stacks() -> dict[str, dict[str, Any]]:
    return variant_stacks("dev-timestream", timestream_variant())

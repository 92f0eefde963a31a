"""How far behind the market-data store is: per symbol, the trading days since its newest close.

Weekends and exchange holidays are not counted, so a Monday morning is not "three days without a price".
The scheduled run publishes the largest lag as `AGE_METRIC`; the observability stack alarms on it.
"""

from __future__ import annotations

from datetime import datetime

from functions.shared.market import MarketStore
from functions.shared.trading_days import last_final_day, trading_days_after

AGE_METRIC = "MarketDataAgeTradingDays"
NEVER_INGESTED_AGE = 250
"""The lag reported for a symbol without any close (about a year of trading days)."""


def ages(store: MarketStore, symbols: list[str], now: datetime) -> dict[str, int]:
    final = last_final_day(now)
    result = {}
    for symbol in symbols:
        latest = store.latest_day(symbol)
        result[symbol] = NEVER_INGESTED_AGE if latest is None else trading_days_after(latest, final)
    return result

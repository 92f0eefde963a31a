"""The exchange's trading calendar: which days have a close, and when that close is final.

Market data is daily closes of US listings (NYSE calendar: weekends and exchange holidays have no
close, and are never counted as gaps). A close is stored at its instant, 16:00 New York time, in UTC,
so a reader asking for the price "at" a moment never sees a close that had not happened yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import holidays

EXCHANGE = "XNYS"
EXCHANGE_TIMEZONE = ZoneInfo("America/New_York")
CLOSING_TIME = time(16, 0)
FINAL_AFTER = timedelta(hours=2)
"""Sources publish the day's bar shortly after the close; before this, a bar may still change."""


@cache
def _exchange_holidays() -> holidays.HolidayBase:
    # Imported on first use: routes that only convert times (a backfill's dates) never load the calendars.
    import holidays

    return holidays.financial_holidays(EXCHANGE)


def is_trading_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _exchange_holidays()


def close_instant(day: date) -> datetime:
    """The moment of the day's close, in UTC (daylight saving time included)."""
    return datetime.combine(day, CLOSING_TIME, tzinfo=EXCHANGE_TIMEZONE).astimezone(UTC)


def exchange_date(moment: datetime) -> date:
    """The calendar date at the exchange at `moment`."""
    return moment.astimezone(EXCHANGE_TIMEZONE).date()


def last_close_before(moment: datetime) -> date:
    """The latest trading day whose close is at or before `moment`."""
    day = exchange_date(moment)
    while not (is_trading_day(day) and close_instant(day) <= moment):
        day -= timedelta(days=1)
    return day


def last_final_day(now: datetime) -> date:
    """The latest trading day whose close a source has had time to publish for good."""
    return last_close_before(now - FINAL_AFTER)


def trading_days(start: date, end: date) -> list[date]:
    """Trading days from `start` to `end`, both included."""
    count = (end - start).days + 1
    return [day for day in (start + timedelta(days=n) for n in range(max(count, 0))) if is_trading_day(day)]


def trading_days_after(since: date, until: date) -> int:
    """How many trading days lie after `since`, up to and including `until` (0 when none)."""
    return len(trading_days(since + timedelta(days=1), until)) if until > since else 0

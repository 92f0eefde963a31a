"""The exchange calendar: which days have a close, when it happens, and what counts as a gap."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from functions.shared.trading_days import (
    close_instant,
    is_trading_day,
    last_close_before,
    last_final_day,
    trading_days_after,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.mark.parametrize(("day", "trading"), [
    ("2026-11-26", False),  # Thanksgiving
    ("2026-11-27", True),   # the Friday after it (an early close, still a close)
    ("2026-11-28", False),  # Saturday
    ("2026-04-03", False),  # Good Friday: the exchange closes, banks do not
    ("2026-07-03", False),  # Independence Day observed
    ("2027-12-24", False),  # Christmas observed on the Friday before
    ("2026-12-01", True),
])
def test_trading_days_follow_the_exchange_not_the_weekday(day, trading):
    assert is_trading_day(date.fromisoformat(day)) is trading


def test_the_close_is_at_four_in_new_york_through_daylight_saving_time():
    assert close_instant(date(2026, 10, 30)) == at("2026-10-30T20:00:00Z")
    assert close_instant(date(2026, 11, 2)) == at("2026-11-02T21:00:00Z")
    assert close_instant(date(2026, 3, 9)) == at("2026-03-09T20:00:00Z")


@pytest.mark.parametrize(("moment", "day"), [
    ("2026-11-28T12:00:00Z", "2026-11-27"),  # a horizon ending on Saturday takes Friday's close
    ("2026-11-30T14:00:00Z", "2026-11-27"),  # Monday before its close
    ("2026-11-30T21:00:00Z", "2026-11-30"),  # at the close
    ("2026-11-27T10:00:00Z", "2026-11-25"),  # over Thanksgiving
    ("2026-11-20T18:00:00Z", "2026-11-19"),  # during the session: yesterday's close
])
def test_the_price_at_a_moment_is_the_last_close_at_or_before_it(moment, day):
    assert last_close_before(at(moment)) == date.fromisoformat(day)


def test_a_close_is_final_two_hours_after_it_happened():
    assert last_final_day(at("2026-11-30T22:59:00Z")) == date(2026, 11, 27)
    assert last_final_day(at("2026-11-30T23:00:00Z")) == date(2026, 11, 30)


def test_only_trading_days_count_as_missing():
    assert trading_days_after(date(2026, 11, 25), date(2026, 11, 27)) == 1  # the holiday is not missing
    assert trading_days_after(date(2026, 11, 27), date(2026, 11, 30)) == 1  # nor the weekend
    assert trading_days_after(date(2026, 11, 30), date(2026, 11, 30)) == 0
    assert trading_days_after(date(2026, 12, 1), date(2026, 11, 30)) == 0

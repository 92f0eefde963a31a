"""The time window of one reading: `--since` back from now, in whole `--period`s."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cli.core import durations
from cli.core.errors import UsageError

MAX_PERIODS = 1_440
"""Periods per window at most (a day of minutes): the trend columns and --json stay readable."""


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    period: int
    """Seconds per datapoint of a trend, a multiple of 60."""

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def starts(self) -> list[datetime]:
        """Start of every period, oldest first."""
        return [self.start + timedelta(seconds=i * self.period) for i in range(self.seconds // self.period)]


def parse(since: str, period: str) -> tuple[int, int]:
    """`--since` and `--period` in seconds, checked against each other."""
    since_s = durations.since_seconds(since)
    period_s = durations.seconds(period, option="--period", units=durations.SINCE_UNITS,
                                 hint="use a number and m or h (e.g. 1m, 5m, 1h)")
    if period_s < 60 or period_s % 60:
        raise UsageError(f"--period '{period}' must be a whole number of minutes (CloudWatch keeps Lambda and SQS "
                         "metrics per minute)")
    if since_s < period_s:
        raise UsageError(f"--since '{since}' is shorter than --period '{period}'")
    if math.ceil(since_s / period_s) > MAX_PERIODS:
        raise UsageError(f"--since '{since}' holds more than {MAX_PERIODS} periods of '{period}'; use a longer "
                         "--period")
    return math.ceil(since_s), int(period_s)


def ending_now(since_s: int, period_s: int, now: datetime | None = None) -> Window:
    """The whole periods that cover the last `since_s` seconds; the last one ends at the next period boundary,
    so the current, still filling period is included and every period lines up with CloudWatch's."""
    now = now or datetime.now(UTC)
    stamp = math.ceil(now.timestamp() / period_s) * period_s
    end = datetime.fromtimestamp(stamp, UTC)
    return Window(end - timedelta(seconds=math.ceil(since_s / period_s) * period_s), end, period_s)

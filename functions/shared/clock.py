"""Time: the one formatter and the one parser of every instant the system writes or reads.

Stored times are ISO-8601 UTC strings of fixed width, `2026-11-27T08:30:00.000000Z`, so they sort as
strings (`iso`). Every time a client or a source can send is read here and must lie within
[EARLIEST, LATEST] once it is in UTC; whatever is outside is an `InstantError` that names the reason (a
400 naming the field for a request, a skipped entry for a feed). Three spellings arrive:

- RFC 3339 (`2026-11-20T08:00:00Z`, `...+05:30`): requests, Atom feeds, what `iso` wrote (`parse_instant`);
- RFC 5322 (`Fri, 20 Nov 2026 09:15:00 GMT`): RSS `pubDate` (`parse_email_date`);
- Unix seconds: Reddit's `created_utc` (`from_unix_seconds`).

All three end in `_bounded`. A leap second written as `:60` (allowed by both RFCs, only at 23:59:60 UTC)
is read as the last microsecond of that minute: neither `datetime` nor the stored strings hold a second 60.
Calendar days (`YYYY-MM-DD`: market backfills, daily bars) are read by `parse_day` within the same bounds.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest accepted instant, the Unix epoch: times also travel as Unix seconds (Reddit's `created_utc`,
TTL attributes), nothing the system reasons about (news, posts, daily closes, proposals) is older, and it
keeps the arithmetic done on an accepted instant (a lookback of up to 90 days, the exchange's time zone, a
year of trading days) far inside the years `datetime` can hold."""
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
"""The latest accepted instant, the last one a four-digit year can write: stored times sort as strings
only while every year has four digits. (Requests that must not be in the future, such as `as_of`, say so
on top of this.)"""

# Digits are [0-9], as both RFCs write them: \d would read any script's digits (Arabic-Indic, fullwidth).
_RFC3339 = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,9}))?)?"
    r"(?P<zone>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
_RFC5322 = re.compile(
    r"(?:[A-Za-z]+\s*,?\s*)?(?P<day>[0-9]{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<year>[0-9]{2,4})\s+"
    r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?"
    r"(?:\s*(?P<zone>[+-][0-9]{4}|[A-Za-z]{1,5}))?\s*(?:\([^()]*\))?"
)
_DAY = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")
# RFC 5322 section 4.3: the zones named in RFC 822; any other name (military letters included) means -0000,
# an instant in UTC whose local offset is unknown.
_ZONE_NAMES = {"ut": 0, "utc": 0, "gmt": 0, "z": 0, "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6,
               "mst": -7, "pdt": -7, "pst": -8}
_END_SECONDS = 253_402_300_800
"""Unix seconds of the first instant after LATEST (the float of LATEST itself rounds up to it)."""
MAX_TEXT = 64
"""No spelling of an instant is longer; longer text is refused before any pattern runs."""


class InstantError(ValueError):
    """A time that cannot be read, or lies outside [EARLIEST, LATEST]; the message says which."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """`2026-11-27T08:30:00.000000Z`: always UTC, always 27 characters (a naive time is taken as UTC).
    Zero-padded by hand: `strftime("%Y")` writes year 999 as `999` on Linux, which no parser reads back."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
            f".{utc.microsecond:06d}Z")


def parse_iso(text: str) -> datetime:
    """A time the system wrote itself (`iso`: any year from 1 to 9999; RFC 3339 as `parse_instant` reads it),
    in UTC; naive values are UTC. Not for input: what clients and sources send goes through the bounds."""
    return _rfc3339(text, naive_as_utc=True, bounded=False)


def parse_instant(text: Any, *, naive_as_utc: bool = False) -> datetime:
    """An RFC 3339 date-time within the bounds, in UTC. Seconds may be left out (`08:00Z`), the offset may be
    written `+0530` or `+05`; without an offset the time is refused, or taken as UTC with `naive_as_utc`."""
    return _rfc3339(text, naive_as_utc=naive_as_utc, bounded=True)


def _rfc3339(text: Any, *, naive_as_utc: bool, bounded: bool) -> datetime:
    match = _RFC3339.fullmatch(_text(text))
    if match is None:
        raise InstantError("not an RFC 3339 date-time such as 2026-11-20T08:00:00Z")
    parts = match.groupdict()
    fraction = (parts["fraction"] or "").ljust(6, "0")[:6]
    zone = parts["zone"]
    if zone is None:
        if not naive_as_utc:
            raise InstantError("the time needs its UTC offset (Z or +hh:mm)")
        offset = timedelta(0)
    elif zone in "Zz":
        offset = timedelta(0)
    else:
        digits = zone[1:].replace(":", "").ljust(4, "0")
        offset = _offset(zone[0], int(digits[:2]), int(digits[2:]))
    return _bounded(int(parts["year"]), int(parts["month"]), int(parts["day"]), int(parts["hour"]),
                    int(parts["minute"]), int(parts["second"] or 0), int(fraction or 0), offset, bounded)


def parse_email_date(text: Any) -> datetime:
    """An RFC 5322 date-time (RSS `pubDate`) within the bounds, in UTC. The year is read as written: four
    digits are that year (`0001` is year 1, not 2001), two or three digits are RFC 5322's obsolete years
    (`01` is 2001, `99` 1999, `101` 2001). Full month names are read, unknown zone names mean UTC
    (RFC 5322 section 4.3), a missing zone too. Feeds that write RFC 3339 instead are read as such."""
    value = _text(text)
    match = _RFC5322.fullmatch(value)
    if match is None:
        try:
            return parse_instant(value, naive_as_utc=True)
        except InstantError:
            raise InstantError("not an RFC 5322 date such as 'Fri, 20 Nov 2026 09:15:00 GMT'") from None
    parts = match.groupdict()
    month = _month(parts["month"])
    written = parts["year"]
    year = int(written)
    if len(written) == 2:
        year += 2000 if year < 50 else 1900
    elif len(written) == 3:
        year += 1900
    zone = (parts["zone"] or "").lower()
    if zone[:1] in ("+", "-"):
        offset = _offset(zone[0], int(zone[1:3]), int(zone[3:5]))
    else:
        offset = timedelta(hours=_ZONE_NAMES.get(zone, 0))
    return _bounded(year, month, int(parts["day"]), int(parts["hour"]), int(parts["minute"]),
                    int(parts["second"] or 0), 0, offset)


def from_unix_seconds(value: Any) -> datetime:
    """Unix seconds (an int or float JSON number, not a boolean) within the bounds, in UTC."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstantError("not a number of Unix seconds")
    if isinstance(value, float) and not math.isfinite(value):
        raise InstantError("not a finite number of Unix seconds")
    if not 0 <= value < _END_SECONDS:
        raise InstantError(f"outside the accepted times, {iso(EARLIEST)} to {iso(LATEST)}")
    try:
        return _within(datetime.fromtimestamp(value, UTC))
    except (OverflowError, ValueError):  # a float a hair below the end, rounded up to year 10000
        raise InstantError(f"outside the accepted times, {iso(EARLIEST)} to {iso(LATEST)}") from None


def checked(moment: datetime) -> datetime:
    """An aware datetime within the bounds, in UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InstantError("the time needs its UTC offset (Z or +hh:mm)")
    return _within(moment)


def parse_day(value: Any) -> date:
    """A calendar day, `YYYY-MM-DD`, within the days of the bounds (a `date` passes the same check)."""
    if isinstance(value, datetime):
        raise InstantError("a day is written YYYY-MM-DD, without a time")
    if isinstance(value, date):
        day = value
    else:
        match = _DAY.fullmatch(_text(value))
        if match is None:
            raise InstantError("not a day written YYYY-MM-DD")
        try:
            day = date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError as exc:
            raise InstantError(f"not a calendar day: {exc}") from None
    if not EARLIEST.date() <= day <= LATEST.date():
        raise InstantError(f"outside the accepted days, {EARLIEST.date()} to {LATEST.date()}")
    return day


def epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise InstantError("a time is written as a string")
    if len(value) > MAX_TEXT:
        raise InstantError(f"longer than any time ({MAX_TEXT} characters)")
    return value.strip()


def _month(name: str) -> int:
    lowered = name.lower()
    for number, (short, full) in enumerate(zip(_MONTHS, _MONTH_NAMES, strict=True), start=1):
        if (len(lowered) >= 3 and full.startswith(lowered)) or lowered == short:
            return number
    raise InstantError(f"unknown month {name[:12]!r}")


def _offset(sign: str, hours: int, minutes: int) -> timedelta:
    if minutes > 59 or hours > 23:
        raise InstantError("the UTC offset is not within -23:59 and +23:59")
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if sign == "-" else offset


def _bounded(year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int,
             offset: timedelta, bounded: bool = True) -> datetime:
    leap = second == 60
    try:
        moment = datetime(year, month, day, hour, minute, 59 if leap else second, 999_999 if leap else micro,
                          tzinfo=timezone(offset))
    except ValueError as exc:
        raise InstantError(f"not a calendar date and time: {exc}") from None
    if bounded:
        utc = _within(moment)
    else:
        try:
            utc = moment.astimezone(UTC)
        except OverflowError:
            raise InstantError("the time has no UTC date within years 1 to 9999") from None
    if leap and (utc.hour, utc.minute) != (23, 59):
        raise InstantError("second 60 is a leap second, which only 23:59:60 UTC can be")
    return utc


def _within(moment: datetime) -> datetime:
    # Compared before converting: year 1 at +05:00 (or 9999 at -05:00) has no UTC date to convert to.
    if moment < EARLIEST:
        raise InstantError(f"earlier than {iso(EARLIEST)}, the earliest accepted time")
    if moment > LATEST:
        raise InstantError(f"later than {iso(LATEST)}, the latest accepted time")
    return moment.astimezone(UTC)

"""Reading the daily bars of one symbol out of a source document.

Two public formats: a daily-bars CSV (a header naming `Date` and `Close`, one row per day, as Stooq and
most exchanges' downloads write it) and an Alpha Vantage `TIME_SERIES_DAILY` JSON document. A row that
cannot be used is skipped with its reason; a document that holds no bars at all (an error page, a rate
limit notice, "No data") is a `DocumentError`, so the next source can be tried.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from functions.shared.clock import InstantError, parse_day

MAX_CLOSE = Decimal(10) ** 9
"""No listed share closes at a billion; larger values are corrupt (and beyond what DynamoDB keeps exactly)."""
MIN_CLOSE = Decimal("1e-8")
"""Below any price tick; smaller values are corrupt (and below 1E-130 no DynamoDB number holds them)."""
MAX_DIGITS = 20
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""A close as sources write it: ASCII digits (Decimal alone also reads any script's digits and 1_000), no NaN."""


class DocumentError(ValueError):
    """The document holds no daily bars; the message says what it holds instead."""


@dataclass(frozen=True)
class Bar:
    day: date
    close: Decimal


@dataclass(frozen=True)
class Skipped:
    day: str
    """The row's date as the source wrote it (shortened)."""
    reason: str
    """A stable code: bad_date, missing_close, not_numeric, not_positive, out_of_range, duplicate_day, and
    (decided by the caller, who knows the clock) future_date, not_closed_yet, not_trading_day."""


@dataclass(frozen=True)
class Parsed:
    bars: list[Bar]
    skipped: list[Skipped]


def parse_document(body: bytes) -> Parsed:
    text = body.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise DocumentError("the document is empty")
    if text[0] in "{[":
        return _parse_alpha_vantage(text)
    return _parse_csv(text)


def _parse_csv(text: str) -> Parsed:
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # a field over the reader's limit, a stray carriage return
        raise DocumentError(f"not a readable CSV: {exc}") from exc
    header = [cell.strip().lower() for cell in (table[0] if table else [])]
    if "date" not in header or "close" not in header:
        first = text.splitlines()[0][:80] if text.splitlines() else ""
        raise DocumentError(f"not a daily-bars CSV (no Date and Close columns): {first!r}")
    date_at, close_at = header.index("date"), header.index("close")
    rows = ((row[date_at] if len(row) > date_at else "", row[close_at] if len(row) > close_at else "")
            for row in table[1:] if any(cell.strip() for cell in row))
    return _read_rows(rows)


def _parse_alpha_vantage(text: str) -> Parsed:
    try:
        document: Any = json.loads(text)
    except (RecursionError, ValueError) as exc:
        raise DocumentError(f"not a JSON document: {str(exc)[:120]}") from exc
    if not isinstance(document, dict):
        raise DocumentError(f"a JSON {type(document).__name__}, not an Alpha Vantage time series")
    for notice in ("Error Message", "Note", "Information"):
        if notice in document:
            raise DocumentError(f"the source says: {str(document[notice])[:200]}")
    series = next((v for k, v in document.items() if k.startswith("Time Series (Daily")), None)
    if not isinstance(series, dict):
        raise DocumentError(f"no daily time series in the document (keys: {', '.join(list(document)[:5])})")
    rows = ((str(day), _close_field(bar)) for day, bar in series.items())
    return _read_rows(rows)


def _close_field(bar: Any) -> str:
    if not isinstance(bar, dict):
        return ""
    value = bar.get("4. close", "")
    return value if isinstance(value, str) else json.dumps(value)


def _read_rows(rows: Any) -> Parsed:
    bars: list[Bar] = []
    skipped: list[Skipped] = []
    seen: set[date] = set()
    for raw_day, raw_close in rows:
        day_text = raw_day.strip()[:20]
        day = _day(day_text)
        if day is None:
            skipped.append(Skipped(day_text, "bad_date"))
            continue
        problem, close = _close(raw_close.strip())
        if close is None:
            skipped.append(Skipped(day_text, problem))
        elif day in seen:
            skipped.append(Skipped(day_text, "duplicate_day"))
        else:
            seen.add(day)
            bars.append(Bar(day, close))
    if not bars and not skipped:
        raise DocumentError("the document lists no days")
    return Parsed(sorted(bars, key=lambda b: b.day), skipped)


def _day(text: str) -> date | None:
    """A bar's day through the clock's one reader of days (YYYY-MM-DD within its bounds), else None."""
    try:
        return parse_day(text)
    except InstantError:
        return None


def _close(text: str) -> tuple[str, Decimal | None]:
    if not text or text.lower() in {"null", "n/a", "-"}:
        return "missing_close", None
    if len(text) > MAX_DIGITS:
        return "out_of_range", None
    if not _NUMBER.fullmatch(text):
        return "not_numeric", None
    value = Decimal(text)
    if value <= 0:
        return "not_positive", None
    if not MIN_CLOSE <= value < MAX_CLOSE:
        return "out_of_range", None
    return "", value

"""Property test of the market documents' row and date logic: structured documents (daily-bars CSVs and
Alpha Vantage JSON) whose rows carry valid, hostile and perturbed days and closes, in the encodings sources
use. Each document parses to exactly the bars and skipped rows the documented rules give (the rules are
written out below, apart from the parser), and the run shows that every rule was reached.

(Random bytes, the other property test in test_ingest_market.py, reach a bar in none of 300 examples.)"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from functions.ingest_market.documents import MAX_CLOSE, MAX_DIGITS, MIN_CLOSE, DocumentError, parse_document

# ---------------------------------------------------------------- the documented rules, written out

ASCII_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ASCII_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
MISSING = {"", "null", "n/a", "-"}


def expected_day(text: str) -> date | None:
    """A day is `YYYY-MM-DD` in ASCII digits, a calendar day from 1970-01-01 to 9999-12-31."""
    if not ASCII_DAY.fullmatch(text):
        return None
    try:
        day = date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        return None
    return day if date(1970, 1, 1) <= day else None


def expected_close(text: str) -> tuple[str, Decimal | None]:
    """A close is a decimal number in ASCII (sign, point and exponent allowed), positive, from MIN_CLOSE to below
    a billion, of at most MAX_DIGITS characters."""
    if text.lower() in MISSING:
        return "missing_close", None
    if len(text) > MAX_DIGITS:
        return "out_of_range", None
    if not ASCII_NUMBER.fullmatch(text):
        return "not_numeric", None
    value = Decimal(text)
    if value <= 0:
        return "not_positive", None
    if not MIN_CLOSE <= value < MAX_CLOSE:
        return "out_of_range", None
    return "", value


def expected(rows: list[tuple[str, str]]) -> tuple[list[tuple[date, Decimal]], list[tuple[str, str]]]:
    """(bars by day, skipped rows as (day as written, reason)) of the rows in document order."""
    bars: dict[date, Decimal] = {}
    skipped: list[tuple[str, str]] = []
    for raw_day, raw_close in rows:
        day_text = raw_day.strip()[:20]
        day = expected_day(day_text)
        if day is None:
            skipped.append((day_text, "bad_date"))
            continue
        reason, close = expected_close(raw_close.strip())
        if close is None:
            skipped.append((day_text, reason))
        elif day in bars:
            skipped.append((day_text, "duplicate_day"))
        else:
            bars[day] = close
    return sorted(bars.items()), skipped


# ---------------------------------------------------------------- structured documents

ARABIC_INDIC_DAY = "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0660\u0662"
FULLWIDTH_DAY = "\uff12\uff10\uff12\uff16-\uff11\uff11-\uff10\uff12"
BOLD_DAY = "\U0001d7d0\U0001d7ce\U0001d7d0\U0001d7d4-\U0001d7cf\U0001d7cf-\U0001d7ce\U0001d7d0"
"""2026-11-02 in Arabic-Indic, fullwidth and mathematical bold digits."""
FULLWIDTH_CLOSE, ARABIC_INDIC_CLOSE = "\uff11\uff12\uff13.\uff14", "\u0661\u0662\u0663"
SPACE = st.sampled_from(["", " ", "  ", "\t"])
valid_days = st.dates(date(1970, 1, 1), date(9999, 12, 31)).map(date.isoformat)
hostile_days = st.sampled_from([
    "1969-12-31", "0000-01-01", "0001-01-01", "2026-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-11-31",
    "2024-02-29", "9999-12-31", "10000-01-01", "2026-1-2", "2026/11/02", "02.11.2026", "20261102", "2026-11-02T00:00",
    "2026-11-02 ", ARABIC_INDIC_DAY, FULLWIDTH_DAY, "2026\u201011\u201002", "2026-11-02\u200b", "", "null", "-",
    "2026-11-02" + "x" * 30,
])
days = st.one_of(valid_days, valid_days, hostile_days, st.text(max_size=12))
prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("999999999.99"), places=4)
closes = st.one_of(
    prices.map(str), prices.map(str), prices.map(lambda d: f"{d:e}"), st.integers(-5, 10**10).map(str),
    st.decimals(max_value=0, allow_nan=False, allow_infinity=False, places=2).map(str),
    st.sampled_from([
        "0", "-0", "0.0", "-1.5", "+12.5", ".5", "5.", "1e3", "1E-2", "1e400", "NaN", "nan", "Infinity", "-inf",
        "null", "NULL", "n/a", "N/A", "-", "", "1,234.50", "1 234", FULLWIDTH_CLOSE, ARABIC_INDIC_CLOSE, "1_000",
        "0x1F", "12.5.1",
        "999999999.9999", "1000000000", "1e-200", "1E-9", "0.00000001", "1e-130", "1" * 21, "0." + "0" * 18 + "1",
        "$12", "12%", "\u0661",
    ]),
    st.text(max_size=8),
)
rows = st.lists(st.tuples(st.tuples(SPACE, days, SPACE).map("".join), st.tuples(SPACE, closes, SPACE).map("".join)),
                min_size=1, max_size=12)
repeated = rows.flatmap(lambda r: st.lists(st.sampled_from(r), max_size=3).map(lambda extra: r + extra))
"""Rows with some of them again: a day written twice (with the same or another close)."""


@st.composite
def csv_documents(draw) -> tuple[bytes, list[tuple[str, str]]]:
    """A daily-bars CSV: the columns in any order, named in any case, with others around them; CRLF or LF;
    a BOM or none; UTF-8 or Latin-1 (non-ASCII only in a column the parser does not read)."""
    table = draw(repeated)
    extra = draw(st.lists(st.sampled_from(["Open", "High", "Low", "Volume", "Adj Close", "Name"]), unique=True))
    names = draw(st.permutations(["date", "close", *extra]))
    spell = {"date": draw(st.sampled_from(["Date", "date", "DATE", " Date "])),
             "close": draw(st.sampled_from(["Close", "close", "CLOSE", "Close "]))}
    latin1 = draw(st.booleans())
    out = io.StringIO()
    breaks = any(ch in day + close for day, close in table for ch in "\r\n")
    # a cell with a line break is quoted (the minimal quoting quotes only the line terminator it writes)
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
                        quoting=csv.QUOTE_ALL if breaks else csv.QUOTE_MINIMAL)
    writer.writerow([spell.get(n, n) for n in names])
    filler = {"Name": "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale" if latin1 else "Nestl\u00e9 \u2615", "Volume": "1200"}
    for day, close in table:
        writer.writerow([{"date": day, "close": close}.get(n, filler.get(n, "1.0")) for n in names])
    text = out.getvalue()
    if latin1:
        if any(not (d + c).isascii() for d, c in table):
            event("csv: latin-1 not drawn (non-ASCII in a read cell)")
            latin1 = False
        else:
            return text.encode("latin-1"), _csv_rows(table, len(extra))
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8"), _csv_rows(table, len(extra))


def _csv_rows(table: list[tuple[str, str]], others: int) -> list[tuple[str, str]]:
    """A line of whitespace only is blank, not a row (the other columns are never blank)."""
    return [(d, c) for d, c in table if others or d.strip() or c.strip()]


@st.composite
def alpha_vantage_documents(draw) -> tuple[bytes, list[tuple[str, str]]]:
    """A TIME_SERIES_DAILY document: bars keyed by day, the close as text (or, perturbed, a number, null, a
    list, or a bar that is not an object at all)."""
    series: dict[str, object] = {}
    for day, close in draw(rows):
        bar = draw(st.one_of(
            *[st.just({"1. open": "1.0", "4. close": close, "5. volume": "100"})] * 4,
            st.just({"1. open": "1.0"}), prices.map(float).map(lambda v: {"4. close": v}),
            st.sampled_from([{"4. close": None}, {"4. close": [1]}, {"4. close": True}, None, "12.5", [close]]),
        ))
        series[day] = bar
    key = draw(st.sampled_from(["Time Series (Daily)", "Time Series (Daily) adjusted"]))
    document = {"Meta Data": {"2. Symbol": "SPY"}, key: series} if draw(st.booleans()) else {key: series}
    text = json.dumps(document, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1])))

    def close_text(bar: object) -> str:
        if not isinstance(bar, dict):
            return ""
        value = bar.get("4. close", "")
        return value if isinstance(value, str) else json.dumps(value)

    return text.encode("utf-8"), [(day, close_text(bar)) for day, bar in series.items()]


def test_structured_documents_parse_to_the_documented_bars_and_skips():
    reached: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None)
    @given(document=st.one_of(csv_documents(), alpha_vantage_documents()))
    def check(document: tuple[bytes, list[tuple[str, str]]]) -> None:
        body, written = document
        bars, skipped = expected(written)
        try:
            parsed = parse_document(body)
        except DocumentError as exc:
            # only a document without a single row may be refused
            assert not bars and not skipped, (body[:300], str(exc))
            reached["document_error"] += 1
            return
        assert [(b.day, b.close) for b in parsed.bars] == bars, body[:500]
        assert [(s.day, s.reason) for s in parsed.skipped] == skipped, body[:500]
        for outcome in ["bar"] * bool(bars) + sorted({reason for _, reason in skipped}):
            event(outcome)
            reached[outcome] += 1

    check()
    # every rule of the row and date logic was reached, most of them often
    assert reached["bar"] >= 100, reached
    for reason in ("bad_date", "missing_close", "not_numeric", "not_positive", "out_of_range", "duplicate_day"):
        assert reached[reason] >= 5, (reason, reached)


@pytest.mark.parametrize(("cell", "reason"), [
    (FULLWIDTH_CLOSE, "not_numeric"), (ARABIC_INDIC_CLOSE, "not_numeric"), ("1_000", "not_numeric"),
    ("12.5", ""), ("1e-9", "out_of_range"),
])
def test_a_close_is_read_in_ascii_digits_only(cell, reason):
    parsed = parse_document(f"Date,Close\n2026-11-02,{cell}\n".encode())
    assert [(s.day, s.reason) for s in parsed.skipped] == ([("2026-11-02", reason)] if reason else [])


@pytest.mark.parametrize("day", [ARABIC_INDIC_DAY, FULLWIDTH_DAY, BOLD_DAY])
def test_a_day_is_read_in_ascii_digits_only(day):
    parsed = parse_document(f"Date,Close\n{day},12.5\n".encode())
    assert parsed.bars == [] and [s.reason for s in parsed.skipped] == ["bad_date"]

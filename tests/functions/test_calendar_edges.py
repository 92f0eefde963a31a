"""Calendar edges: every time a client or a source sends goes through one parser and one formatter with
stated bounds (`functions/shared/clock.py`); outside them a request is a 400 naming the field and a feed entry
is skipped with its reason. Never a 500, never a job that fails later, never a year read as another.

The oracle `meant` reads a written time by plain arithmetic on day numbers (no datetime arithmetic that could
overflow), so the parser is checked against something it does not share."""

from __future__ import annotations

import json
import logging
import math
import re
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from conftest import handler_module
from fn_events import ALICE, json_body, rest
from fn_pipeline import run_job
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cli.local.account import seed_samples
from functions.shared.clock import (
    EARLIEST,
    LATEST,
    InstantError,
    from_unix_seconds,
    iso,
    parse_day,
    parse_email_date,
    parse_instant,
    parse_iso,
    utc_now,
)

EDGE_YEARS = (1, 999, 1000, 1969, 1970, 2016, 2026, 9998, 9999)
OFFSETS = ("Z", "+00:00", "-00:00", "+14:00", "-14:00", "+05:30", "-09:30", "+23:59", "-23:59")
_MICROS_PER_DAY = 86_400 * 10**6
_EARLIEST_US = EARLIEST.date().toordinal() * _MICROS_PER_DAY
_LATEST_US = (LATEST.date().toordinal() + 1) * _MICROS_PER_DAY - 1
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _meant(year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int,
           offset_minutes: int) -> datetime | None:
    try:
        ordinal = date(year, month, day).toordinal()
    except ValueError:
        return None
    leap = second == 60
    total = (((ordinal * 24 + hour) * 60 + minute - offset_minutes) * 60 + (59 if leap else second)) * 10**6
    total += 999_999 if leap else micro
    if not _EARLIEST_US <= total <= _LATEST_US:
        return None
    days, rest = divmod(total, _MICROS_PER_DAY)
    moment = datetime.combine(date.fromordinal(days), datetime.min.time(), UTC) + timedelta(microseconds=rest)
    if leap and (moment.hour, moment.minute) != (23, 59):
        return None
    return moment


def meant(text: str) -> datetime | None:
    """What an RFC 3339 time means in UTC, or None where it is not a time within the bounds."""
    match = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    assert match, text
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    micro = int((match[7] or "").ljust(6, "0")[:6])
    zone = match[8]
    offset = 0 if zone == "Z" else (-1 if zone[0] == "-" else 1) * (int(zone[1:3]) * 60 + int(zone[4:6]))
    return _meant(year, month, day, hour, minute, second, micro, offset)


@st.composite
def written_times(draw) -> str:
    """RFC 3339 times at the calendar's edges: years 1, 999, 1000, 9999, offsets up to ±23:59 (±14:00 is the
    widest in use), leap seconds written as :60, days that do not exist, fractions down to nanoseconds."""
    year = draw(st.one_of(st.sampled_from(EDGE_YEARS), st.integers(1, 9999)))
    month, day = draw(st.integers(1, 12)), draw(st.one_of(st.sampled_from([1, 28, 29, 30, 31]), st.integers(1, 31)))
    hour, minute = draw(st.one_of(st.just((23, 59)), st.just((0, 0)), st.tuples(st.integers(0, 23),
                                                                                  st.integers(0, 59))))
    second = draw(st.one_of(st.just(60), st.just(59), st.integers(0, 59)))
    fraction = draw(st.sampled_from(["", ".5", ".123456", ".999999999"]))
    zone = draw(st.one_of(st.sampled_from(OFFSETS), st.builds(
        lambda sign, h, m: f"{sign}{h:02d}:{m:02d}", st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59))))
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{zone}"


# ---------------------------------------------------------------- the formatter and the parser


@given(moment=st.datetimes(min_value=EARLIEST.replace(tzinfo=None), max_value=LATEST.replace(tzinfo=None),
                           timezones=st.just(UTC)))
@settings(max_examples=300, deadline=None)
def test_every_accepted_instant_survives_the_formatter_and_the_parser(moment):
    text = iso(moment)
    assert len(text) == 27 and text.endswith("Z")
    assert parse_instant(text) == moment == parse_iso(text)


@given(st.lists(st.datetimes(min_value=datetime(1, 1, 1), timezones=st.just(UTC)), min_size=2, max_size=2))
@settings(max_examples=200, deadline=None)
@example([datetime(999, 12, 31, 23, 59, tzinfo=UTC), datetime(1000, 1, 1, tzinfo=UTC)])
def test_every_year_is_written_with_four_digits_read_back_and_sorted_as_text(pair):
    first, second = pair
    assert parse_iso(iso(first)) == first
    assert (iso(first) < iso(second)) == (first < second)


@given(text=written_times())
@settings(max_examples=500, deadline=None)
@example("0001-01-01T00:00:00Z")
@example("0001-01-01T00:00:00+05:00")
@example("9999-12-31T23:59:59-05:00")
@example("2016-12-31T23:59:60Z")
@example("2017-01-01T08:59:60+09:00")
@example("2016-12-31T12:59:60Z")
@example("1970-01-01T00:00:00Z")
@example("1970-01-01T05:29:59+05:30")
@example("9999-12-31T23:59:59.999999Z")
def test_a_written_time_is_read_as_exactly_what_it_means_or_refused_with_a_reason(text):
    expected = meant(text)
    if expected is None:
        with pytest.raises(InstantError) as refused:
            parse_instant(text)
        assert str(refused.value)
    else:
        assert parse_instant(text) == expected and parse_instant(text).utcoffset() == timedelta(0)


@given(year=st.one_of(st.sampled_from(EDGE_YEARS), st.integers(1, 9999)), month=st.integers(1, 12),
       day=st.integers(1, 31), hour=st.integers(0, 23), minute=st.integers(0, 59), second=st.integers(0, 60),
       offset=st.sampled_from([0, 300, -300, 840, -840, 330]))
@settings(max_examples=400, deadline=None)
@example(year=1, month=1, day=1, hour=0, minute=0, second=0, offset=300)
def test_an_email_date_keeps_the_year_it_was_written_with(year, month, day, hour, minute, second, offset):
    """RSS `pubDate`: `Mon, 01 Jan 0001 00:00:00 +0500` is year 1 (refused), never 2001 (2000-12-31T19:00Z)."""
    zone = f"{'-' if offset < 0 else '+'}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"
    text = f"Mon, {day:02d} {_MONTHS[month - 1]} {year:04d} {hour:02d}:{minute:02d}:{second:02d} {zone}"
    expected = _meant(year, month, day, hour, minute, second, 0, offset)
    if expected is None:
        with pytest.raises(InstantError):
            parse_email_date(text)
    else:
        assert parse_email_date(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Fri, 20 Nov 2026 09:15:00 GMT", "2026-11-20T09:15:00.000000Z"),
    ("20 November 2026 09:15 EST", "2026-11-20T14:15:00.000000Z"),
    ("Fri, 20 Nov 26 09:15:00 +0000", "2026-11-20T09:15:00.000000Z"),  # RFC 5322's obsolete two-digit year
    ("Fri, 20 Nov 99 09:15:00 +0000", "1999-11-20T09:15:00.000000Z"),
    ("Fri, 20 Nov 2026 09:15:00 XYZ", "2026-11-20T09:15:00.000000Z"),  # an unknown zone means -0000
    ("Thu, 31 Dec 2016 23:59:60 +0000", "2016-12-31T23:59:59.999999Z"),
    ("2026-11-20T09:15:00+01:00", "2026-11-20T08:15:00.000000Z"),  # feeds that write RFC 3339 in pubDate
])
def test_email_dates_as_feeds_write_them(text, expected):
    assert iso(parse_email_date(text)) == expected


END_SECONDS = 253_402_300_800
"""Unix seconds of 10000-01-01T00:00:00Z, the first instant after LATEST."""


@given(seconds=st.one_of(
    st.sampled_from([-1, 0, 0.5, END_SECONDS - 1, END_SECONDS - 0.5, END_SECONDS, -62135596800, 1e20,
                     float("nan"), float("inf"), True, False]),
    st.floats(allow_nan=True), st.integers(-(10**15), 10**15)))
@settings(max_examples=300, deadline=None)
def test_unix_seconds_are_read_within_the_bounds_or_refused(seconds):
    assert timedelta(seconds=END_SECONDS) == LATEST - EARLIEST + timedelta(microseconds=1)
    try:
        moment = from_unix_seconds(seconds)
    except InstantError:
        # refused: not a number, outside the bounds, or so close to the end that it rounds past it
        assert isinstance(seconds, bool) or not 0 <= seconds < END_SECONDS - 1e-5
    else:
        assert not isinstance(seconds, bool) and EARLIEST <= moment <= LATEST
        assert abs((moment - EARLIEST).total_seconds() - seconds) < 1e-3


@given(day=st.dates(min_value=date(1, 1, 1)))
@settings(max_examples=200, deadline=None)
def test_a_day_is_read_within_the_bounds_or_refused(day):
    text = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    if EARLIEST.date() <= day <= LATEST.date():
        assert parse_day(text) == day
    else:
        with pytest.raises(InstantError):
            parse_day(text)


# ---------------------------------------------------------------- requests: a 400 naming the field


def _post(package: str, path: str, body: dict, groups: str = "analyst") -> dict:
    return handler_module(package).handler(rest("POST", path, body, groups=groups), _context())


def _context():
    from conftest import FakeContext

    return FakeContext()


def _refused_naming(response: dict, field: str) -> bool:
    body = json_body(response)
    return response["statusCode"] == 400 and any(d["field"] == field for d in body["details"])


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "0999-12-31T23:59:59Z",
                                    "1000-01-01T00:00:00-14:00", "9999-12-31T23:59:59-14:00"])
@pytest.mark.parametrize(("package", "path"), [("orchestrator", "/propose"), ("evaluation", "/evaluate")])
def test_an_as_of_outside_the_calendar_is_a_400_naming_it(aws, package, path, moment):
    seed_samples(aws)
    response = _post(package, path, {"as_of": moment})
    assert _refused_naming(response, "as_of"), response["body"]
    assert boto3.client("sqs").receive_message(QueueUrl=aws["EVALUATIONS_QUEUE_URL"]).get("Messages") is None


def test_a_leap_second_is_the_last_instant_of_its_minute(aws, context):
    seed_samples(aws)
    proposed = _post("orchestrator", "/propose", {"as_of": "2016-12-31T23:59:60Z"})
    assert proposed["statusCode"] == 200 and json_body(proposed)["as_of"] == "2016-12-31T23:59:59.999999Z"
    started = _post("evaluation", "/evaluate", {"as_of": "2017-01-01T00:59:60+01:00"})
    assert run_job(aws, context, "evaluation", started, sub=ALICE, groups="analyst")["state"] == "succeeded"


def test_every_route_that_takes_a_time_answers_the_edges_with_a_result_or_a_named_400(aws, context):
    seed_samples(aws)

    @FUZZ
    @given(text=written_times(), route=st.sampled_from(["propose", "evaluate", "news", "social"]))
    @example(text="0001-01-01T00:00:00Z", route="evaluate")
    @example(text="0001-01-01T00:00:00+05:00", route="propose")
    def check(text, route):
        expected = meant(text)
        if route in ("news", "social"):
            item = {"source_id": "edge", "text": f"edge {text}", "published_at": text}
            response = _post(f"ingest_{route}", f"/ingest/{route}", {"items": [item]})
            if expected is None:
                assert _refused_naming(response, "items.0.published_at"), response["body"]
                return
            assert response["statusCode"] == 200, response["body"]
            [signal_id] = json_body(response)["signal_ids"] or json_body(response)["duplicate_ids"]
            stored = boto3.client("dynamodb").get_item(TableName=aws["SIGNALS_TABLE"],
                                                       Key={"signal_id": {"S": signal_id}, "facet": {"S": "signal"}})
            assert stored["Item"]["published_at"]["S"] == iso(expected)
            return
        package, path = ("orchestrator", "/propose") if route == "propose" else ("evaluation", "/evaluate")
        response = _post(package, path, {"as_of": text})
        if expected is None or expected > utc_now() + timedelta(minutes=5):
            assert _refused_naming(response, "as_of"), response["body"]
        elif route == "propose":
            assert response["statusCode"] == 200 and json_body(response)["as_of"] == iso(expected)
        else:
            assert run_job(aws, context, "evaluation", response, sub=ALICE, groups="analyst")["state"] == "succeeded"

    check()


def test_backfill_days_outside_the_calendar_are_a_400_naming_them(aws):
    seed_samples(aws)

    @FUZZ
    @given(start=st.dates(min_value=date(1, 1, 1)), length=st.integers(0, 400))
    @example(start=date(1, 1, 1), length=3)
    @example(start=date(999, 12, 30), length=5)
    @example(start=date(9999, 12, 29), length=2)
    @example(start=date(1969, 12, 31), length=2)
    def check(start, length):
        end = date.fromordinal(min(start.toordinal() + length, date.max.toordinal()))
        response = _post("ingest_market", "/market/backfill",
                         {"start": start.isoformat(), "end": end.isoformat(), "symbols": ["AAPL"]}, "admin")
        if start < EARLIEST.date():
            assert _refused_naming(response, "start"), response["body"]
        elif end > utc_now().date():
            assert response["statusCode"] == 400, response["body"]
        else:
            assert response["statusCode"] == 202, response["body"]

    check()


def test_a_backfill_at_the_first_accepted_day_runs_to_its_end(aws, context):
    seed_samples(aws)
    response = _post("ingest_market", "/market/backfill",
                     {"start": "1970-01-01", "end": "1970-01-09", "symbols": ["AAPL"]}, "admin")
    job = run_job(aws, context, "ingest_market", response, sub=ALICE, groups="admin")
    assert job["state"] == "succeeded" and job["result"]["prices_written"] == 0


# ---------------------------------------------------------------- sources: a skipped entry with its reason

RSS = '<rss version="2.0"><channel>{}</channel></rss>'
RSS_ITEM = ("<item><guid>{id}</guid><title>{id}</title><pubDate>{at}</pubDate>"
            "<description>{id} text</description></item>")
ATOM = '<feed xmlns="http://www.w3.org/2005/Atom">{}</feed>'
ATOM_ENTRY = "<entry><id>{id}</id><title>{id}</title><published>{at}</published><content>{id} x</content></entry>"


def test_a_feed_entry_of_year_one_at_an_offset_is_skipped_not_read_as_2001(caplog):
    from functions.ingest_news.feeds import parse_feed

    feed = RSS.format(RSS_ITEM.format(id="year-one", at="Mon, 01 Jan 0001 00:00:00 +0500")
                      + RSS_ITEM.format(id="fine", at="Fri, 20 Nov 2026 09:15:00 GMT"))
    with caplog.at_level(logging.WARNING):
        items = parse_feed(feed.encode())
    assert [(i.source_id, iso(i.published_at)) for i in items] == [("fine", "2026-11-20T09:15:00.000000Z")]
    [skipped] = [r for r in caplog.records if r.getMessage() == "feed entry skipped"]
    assert skipped.source_id == "year-one"
    assert skipped.problems[0]["field"] == "published_at" and "earlier than 1970" in skipped.problems[0]["problem"]


@given(texts=st.lists(written_times(), min_size=1, max_size=5))
@settings(max_examples=60, deadline=None)
def test_feed_entries_at_the_edges_are_kept_as_meant_or_skipped(texts):
    from functions.ingest_news.feeds import parse_feed
    from functions.ingest_social.reddit import parse_listing

    atom = ATOM.format("".join(ATOM_ENTRY.format(id=f"a{n}", at=t) for n, t in enumerate(texts)))
    kept = {i.source_id: i.published_at for i in parse_feed(atom.encode())}
    assert kept == {f"a{n}": meant(t) for n, t in enumerate(texts) if meant(t) is not None}

    rss_dates = [parse_or_none(t) for t in texts]
    rss = RSS.format("".join(RSS_ITEM.format(id=f"r{n}", at=_email(m)) for n, m in enumerate(rss_dates) if m))
    assert {i.source_id: i.published_at for i in parse_feed(rss.encode())} == {
        f"r{n}": m.replace(microsecond=0) for n, m in enumerate(rss_dates) if m}

    posts = [{"kind": "t3", "data": {"name": f"p{n}", "title": f"p{n}", "selftext": "x",
                                      "created_utc": math.floor(m.timestamp()) if m else -62135596800 - n}}
             for n, m in enumerate(rss_dates)]
    listing = json.dumps({"kind": "Listing", "data": {"children": posts}}).encode()
    assert {i.source_id for i in parse_listing(listing)} == {f"p{n}" for n, m in enumerate(rss_dates) if m}


def parse_or_none(text: str) -> datetime | None:
    return meant(text)


def _email(moment: datetime) -> str:
    return f"{moment:%a}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} {moment:%H:%M:%S} +0000"


ARABIC_INDIC_2026 = "\u0662\u0660\u0662\u0666"
FULLWIDTH_20 = "\uff12\uff10"
"""2026 in Arabic-Indic digits, 20 in fullwidth ones: both RFCs write times in ASCII digits only."""


@pytest.mark.parametrize("text", [
    f"{ARABIC_INDIC_2026}-11-20T10:00:00Z", f"2026-11-{FULLWIDTH_20}T10:00:00Z", "2026-11-20T10:00:00+\u0660\u0665:00",
])
def test_an_instant_in_other_digits_than_ascii_is_a_named_400(aws, context, text):
    with pytest.raises(InstantError):
        parse_instant(text)
    item = {"source_id": "d", "text": "t", "published_at": text}
    response = handler_module("ingest_news").handler(rest("POST", "/ingest/news", {"items": [item]}), context)
    assert response["statusCode"] == 400
    assert json_body(response)["details"][0]["field"] == "items.0.published_at"
    assert boto3.client("dynamodb").scan(TableName=aws["SIGNALS_TABLE"])["Items"] == []


@pytest.mark.parametrize("text", [
    f"Fri, {FULLWIDTH_20} Nov 2026 09:15:00 GMT", f"Fri, 20 Nov {ARABIC_INDIC_2026} 09:15",
])
def test_an_email_date_in_other_digits_than_ascii_is_refused(text):
    with pytest.raises(InstantError):
        parse_email_date(text)

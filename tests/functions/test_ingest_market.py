"""ingest-market: daily closes from the recorded sample documents into the market-data store.

The samples (`functions/samples/market/`) are a daily-bars CSV per tracked symbol and an Alpha Vantage
TIME_SERIES_DAILY document for SPY, served over local HTTP; the session's source templates try the CSV
first and fall back to the JSON document (with `{apikey}` from the market source secret).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
import time_machine
from conftest import FakeContext, handler_module
from fn_events import ALICE, json_body, rest, scheduled
from fn_pipeline import drain_queue, run_job
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.local.account import SAMPLES, seed_samples, serve_directory
from cli.local.pipeline import MARKET_SAMPLE_DAYS
from functions.ingest_market.documents import DocumentError, parse_document
from functions.ingest_market.freshness import AGE_METRIC, NEVER_INGESTED_AGE, ages
from functions.ingest_market.pull import MarketIngest
from functions.ingest_market.sources import Source
from functions.ingest_market.work import MarketWork
from functions.shared.dynamo import from_item
from functions.shared.jobs import Jobs, JobsTable
from functions.shared.market import DynamoMarketStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
"""A Tuesday before the close: the last final close is Monday's, 2026-11-30, the samples' last day."""
SAMPLE_TRADING_DAYS = 42
"""Trading days from 2026-10-01 to 2026-11-30 (NYSE: 43 weekdays without Thanksgiving, 11-26)."""
SYMBOLS = ["AAPL", "MSFT", "NVDA", "SPY", "TSLA"]
ADMIN = "0b6c33e0-5f5e-4b8f-9a43-1f1c1d2e3f40"


def backfill(context, body, *, groups: str = "admin", sub: str = ADMIN) -> dict:
    return handler_module("ingest_market").handler(rest("POST", "/market/backfill", body, groups=groups, sub=sub),
                                                   context)


def backfilled(aws, context, start: str, end: str, **extra) -> dict:
    """A backfill through the API, its job run from the market queue: the finished job."""
    response = backfill(context, {"start": start, "end": end, **extra})
    return run_job(aws, context, "ingest_market", response, sub=ADMIN, groups="admin")


def stored(aws) -> list[dict]:
    items = boto3.client("dynamodb").scan(TableName=aws["MARKET_DATA_TABLE"])["Items"]
    return sorted((from_item(i) for i in items), key=lambda i: (i["symbol"], i["ts"]))


def published(capsys, metric: str) -> list[float]:
    """Values of one metric in the EMF lines the function printed."""
    values: list[float] = []
    for line in capsys.readouterr().out.splitlines():
        if line.startswith('{"_aws"') and metric in line:
            value = json.loads(line)[metric]
            values += value if isinstance(value, list) else [value]
    return values


@pytest.fixture
def tracked(aws) -> dict[str, str]:
    seed_samples(aws)
    return aws


@pytest.fixture
def served(tmp_path: Path):
    """A directory served over HTTP: (directory, base URL)."""
    with serve_directory(tmp_path) as url:
        yield tmp_path, url


def ingest_with(aws, *templates: str) -> MarketIngest:
    return MarketIngest(DynamoMarketStore(aws["MARKET_DATA_TABLE"]), tuple(Source(t) for t in templates),
                        aws["MARKET_SECRET_ARN"])


# ---------------------------------------------------------------- writes: every trading day once


@time_machine.travel(NOW, tick=True)
def test_a_backfill_stores_every_trading_day_once_from_the_first_source_that_has_it(tracked, context):
    job = backfilled(tracked, context, *MARKET_SAMPLE_DAYS)

    assert job["state"] == "succeeded"
    assert job["result"]["symbols"] == 5 and job["result"]["symbols_failed"] == 0
    assert job["result"]["prices_written"] == 5 * SAMPLE_TRADING_DAYS and job["result"]["rows_skipped"] == 0
    items = stored(tracked)
    assert sorted({i["symbol"] for i in items}) == SYMBOLS
    assert all(sum(1 for i in items if i["symbol"] == s) == SAMPLE_TRADING_DAYS for s in SYMBOLS)
    by_key = {(i["symbol"], i["day"]): i for i in items}
    # the close instant, 16:00 in New York: 20:00 UTC in summer time, 21:00 UTC after 2026-11-01
    assert by_key[("AAPL", "2026-10-15")]["ts"] == "2026-10-15T20:00:00.000000Z"
    assert by_key[("AAPL", "2026-11-16")]["ts"] == "2026-11-16T21:00:00.000000Z"
    assert by_key[("AAPL", "2026-11-16")]["close"] == 228.6
    # SPY has no CSV: its closes come from the Alpha Vantage document
    spy = json.loads((SAMPLES / "market" / "SPY.daily.json").read_text())["Time Series (Daily)"]
    assert by_key[("SPY", "2026-11-30")]["close"] == float(spy["2026-11-30"]["4. close"])
    assert ("AAPL", "2026-11-26") not in by_key  # Thanksgiving: no close, and none expected

    again = backfilled(tracked, context, *MARKET_SAMPLE_DAYS)
    assert again["result"]["prices_written"] == 0
    assert again["result"]["prices_already_stored"] == 5 * SAMPLE_TRADING_DAYS
    assert stored(tracked) == items


@time_machine.travel(NOW, tick=True)
def test_an_overlapping_window_writes_only_the_days_not_stored_yet(tracked, context):
    backfilled(tracked, context, "2026-10-01", "2026-11-20")
    before = stored(tracked)

    job = backfilled(tracked, context, "2026-11-16", "2026-11-30")

    # 11-23, 11-24, 11-25, 11-27, 11-30 are new; 11-16 .. 11-20 were stored
    assert job["result"]["prices_written"] == 5 * 5 and job["result"]["prices_already_stored"] == 5 * 5
    after = stored(tracked)
    assert len(after) == 5 * SAMPLE_TRADING_DAYS
    assert [i for i in after if i["day"] <= "2026-11-20"] == before


@time_machine.travel(NOW, tick=True)
def test_a_close_the_source_revises_later_is_counted_and_kept_as_first_stored(tracked, context):
    backfilled(tracked, context, "2026-11-16", "2026-11-16", symbols=["AAPL"])
    revised = "Date,Open,High,Low,Close,Volume\r\n2026-11-16,1,1,1,114.3,1\r\n2026-11-17,1,1,1,114.4,1\r\n"
    with serve_directory_of({"aapl.csv": revised}) as url:
        outcome = ingest_with(tracked, f"{url}/{{symbol_lower}}.csv").ingest(
            "AAPL", date(2026, 11, 16), date(2026, 11, 17), NOW, time.monotonic() + 20)

    assert (outcome.written, outcome.already_stored, outcome.changed_at_source) == (1, 1, ["2026-11-16"])
    assert [(i["day"], i["close"]) for i in stored(tracked)] == [("2026-11-16", 228.6), ("2026-11-17", 114.4)]


@time_machine.travel(NOW, tick=True)
def test_the_scheduled_pull_goes_on_from_each_symbols_newest_close_and_then_has_nothing_to_do(
    tracked, context, capsys
):
    backfilled(tracked, context, "2026-10-01", "2026-11-20")
    capsys.readouterr()

    handler = handler_module("ingest_market")
    started = handler.handler(scheduled(), context)
    # 11-23, 11-24, 11-25, 11-27 and 11-30 are missing: five trading days behind
    assert started["age_trading_days"] == 5 and published(capsys, AGE_METRIC) == [5]
    drain_queue(tracked, context, "ingest_market", "MARKET_QUEUE_URL")
    assert len(stored(tracked)) == 5 * SAMPLE_TRADING_DAYS

    again = handler.handler(scheduled(), context)
    assert again["age_trading_days"] == 0 and published(capsys, AGE_METRIC) == [0]
    drain_queue(tracked, context, "ingest_market", "MARKET_QUEUE_URL")
    job = run_job_state(tracked, context, again["job_id"])
    assert job["result"] == {"symbols": 5, "symbols_up_to_date": 5}


def test_the_freshness_metric_is_the_one_the_alarm_watches(tracked, context, capsys):
    from modules.catalog.metrics import MARKET_AGE_METRIC

    answer = handler_module("ingest_market").handler(scheduled(), context)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if AGE_METRIC in line]
    # nothing stored yet: every symbol (the five tracked) is a year behind, and a pull job is started
    assert answer == {"job_id": answer["job_id"], "symbols": 5, "age_trading_days": NEVER_INGESTED_AGE}

    assert AGE_METRIC == MARKET_AGE_METRIC
    (emf,) = lines
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    # the alarm matches exactly this series: the function's namespace and its `service` dimension alone
    assert directive["Namespace"] == tracked["POWERTOOLS_METRICS_NAMESPACE"]
    assert directive["Dimensions"] == [["service"]] and emf["service"] == tracked["POWERTOOLS_SERVICE_NAME"]


def run_job_state(aws, context, job_id: str) -> dict:
    answer = handler_module("orchestrator").handler(rest("GET", f"/jobs/{job_id}", groups="admin"), context)
    return json_body(answer)


def test_a_symbol_without_any_close_is_reported_a_year_behind(tracked, context):
    with time_machine.travel(NOW, tick=True):
        lags = ages(DynamoMarketStore(tracked["MARKET_DATA_TABLE"]), SYMBOLS, NOW)
    assert lags == dict.fromkeys(SYMBOLS, NEVER_INGESTED_AGE)


# ---------------------------------------------------------------- freshness: holidays are not gaps


@pytest.mark.parametrize(
    ("newest", "now", "lag"),
    [
        ("2026-11-25", "2026-11-27T10:00:00Z", 0),  # Thanksgiving Thursday, Friday before its close
        ("2026-11-25", "2026-11-28T10:00:00Z", 1),  # Friday's close is missing
        ("2026-11-27", "2026-11-30T12:00:00Z", 0),  # a weekend is not a gap
        ("2026-11-27", "2026-11-30T21:30:00Z", 0),  # Monday's bar is not final until two hours after the close
        ("2026-11-27", "2026-12-04T23:30:00Z", 5),  # the source stopped: Mon..Fri missing
        ("2026-12-24", "2026-12-28T23:30:00Z", 1),  # Christmas Friday is a holiday: only Monday 12-28 missing
    ],
)
def test_the_lag_counts_trading_days_only(tracked, newest, now, lag):
    csv = "Date,Open,High,Low,Close,Volume\r\n" + f"{newest},1,1,1,10.5,1\r\n"
    moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
    with serve_directory_of({"x.csv": csv}) as url, time_machine.travel(moment, tick=True):
        store = DynamoMarketStore(tracked["MARKET_DATA_TABLE"])
        ingest = ingest_with(tracked, f"{url}/x.csv?{{symbol}}")
        day = date.fromisoformat(newest)
        assert ingest.ingest("AAPL", day, day, moment, time.monotonic() + 20).written == 1
        assert ages(store, ["AAPL"], moment) == {"AAPL": lag}


def serve_directory_of(files: dict[str, str | bytes]):
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="market-"))
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return serve_directory(directory)


@time_machine.travel(datetime(2026, 12, 4, 23, 30, tzinfo=UTC), tick=True)
def test_a_source_without_new_closes_shows_in_the_freshness_metric(tracked, context, capsys):
    backfilled(tracked, context, *MARKET_SAMPLE_DAYS)
    capsys.readouterr()

    started = handler_module("ingest_market").handler(scheduled(), context)
    drain_queue(tracked, context, "ingest_market", "MARKET_QUEUE_URL")

    # the samples end on 11-30: 12-01 .. 12-04 are four trading days without a price (alarm at 3)
    assert published(capsys, AGE_METRIC) == [4]
    job = run_job_state(tracked, context, started["job_id"])
    assert job["state"] == "succeeded" and job["result"]["prices_written"] == 0


# ---------------------------------------------------------------- bad rows, bad symbols, bad sources

HOSTILE = "\r\n".join([
    "Date,Open,High,Low,Close,Volume",
    "2026-11-16,1,1,1,228.60,1",
    "2026-11-17,1,1,1,,1",
    "2026-11-18,1,1,1,n/a,1",
    "2026-11-19,1,1,1,abc,1",
    "2026-11-20,1,1,1,NaN,1",
    "2026-11-21,1,1,1,230,1",
    "2026-11-26,1,1,1,231,1",
    "2026-11-23,1,1,1,-5,1",
    "2026-11-24,1,1,1,1e400,1",
    "2026-11-25,1,1,1," + "9" * 5000 + ",1",
    "2026-11-27,1,1,1,239.8,1",
    "2026-11-27,1,1,1,240,1",
    "2026-11-30,1,1,1,Infinity,1",
    "2026-12-01,1,1,1,241,1",
    "2026-12-02,1,1,1,242,1",
    "2999-01-01,1,1,1,243,1",
    "27/11/2026,1,1,1,1,1",
    "2026-02-30,1,1,1,1,1",
    "2026-11-24",
]) + "\r\n"


@time_machine.travel(NOW, tick=True)
def test_bad_rows_are_skipped_with_their_reason_and_the_good_ones_kept(tracked):
    with serve_directory_of({"aapl.csv": HOSTILE}) as url:
        outcome = ingest_with(tracked, f"{url}/{{symbol_lower}}.csv").ingest(
            "AAPL", date(2026, 11, 16), date(2026, 12, 1), NOW, time.monotonic() + 20)

    assert not outcome.failed and outcome.written == 2
    assert sorted((s.day, s.reason) for s in outcome.skipped) == sorted([
        ("2026-11-17", "missing_close"), ("2026-11-18", "missing_close"), ("2026-11-19", "not_numeric"),
        ("2026-11-20", "not_numeric"), ("2026-11-21", "not_trading_day"), ("2026-11-26", "not_trading_day"),
        ("2026-11-23", "not_positive"), ("2026-11-24", "out_of_range"), ("2026-11-25", "out_of_range"),
        ("2026-11-27", "duplicate_day"), ("2026-11-30", "not_numeric"), ("2026-12-01", "not_closed_yet"),
        ("2026-12-02", "future_date"), ("2999-01-01", "future_date"), ("27/11/2026", "bad_date"),
        ("2026-02-30", "bad_date"), ("2026-11-24", "missing_close"),
    ])
    assert [(i["day"], i["close"]) for i in stored(tracked)] == [("2026-11-16", 228.6), ("2026-11-27", 239.8)]
    counts = outcome.counts()
    assert counts["rows_skipped"] == 17 and counts["skipped_not_trading_day"] == 2


@time_machine.travel(NOW, tick=True)
def test_one_bad_symbol_never_stops_the_others_and_a_down_source_fails_the_job_not(tracked, context):
    files = {
        "aapl.csv": "<html><body>503 Service Unavailable</body></html>",
        "tsla.csv": (SAMPLES / "market" / "tsla.us.csv").read_text(),
        "nvda.csv": '{"Note": "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests'
                    ' per day."}',
        "spy.csv": "No data",
        "deep.csv": "[" * 100_000,
    }
    with serve_directory_of(files) as url:
        work = MarketWork(ingest_with(tracked, f"{url}/{{symbol_lower}}.csv"))
        piece = work.piece({"symbols": ["AAPL", "MSFT", "NVDA", "SPY", "TSLA"], "start": "2026-10-01",
                            "end": "2026-11-30"}, time.monotonic() + 60)
        deep = ingest_with(tracked, f"{url}/deep.csv?{{symbol}}").ingest(
            "MSFT", date(2026, 11, 2), date(2026, 11, 30), NOW, time.monotonic() + 20)

    assert piece.rest is None
    assert piece.counts["symbols"] == 5 and piece.counts["symbols_failed"] == 4
    assert piece.counts["prices_written"] == SAMPLE_TRADING_DAYS
    assert {i["symbol"] for i in stored(tracked)} == {"TSLA"}
    assert deep.failed and "not a JSON document" in deep.errors[0]


@time_machine.travel(NOW, tick=True)
def test_the_next_source_is_tried_and_every_reason_is_kept_when_all_fail(tracked):
    files = {"a/aapl.csv": '{"Error Message": "Invalid API call."}', "b/aapl.csv": "Date,Close\n"}
    with serve_directory_of(files) as url:
        ingest = ingest_with(tracked, f"{url}/a/{{symbol_lower}}.csv", f"{url}/b/{{symbol_lower}}.csv",
                             f"{url}/c/{{symbol_lower}}.csv")
        outcome = ingest.ingest("AAPL", date(2026, 11, 2), date(2026, 11, 30), NOW, time.monotonic() + 20)
        spy = ingest_with(tracked, f"{url}/a/{{symbol_lower}}.csv", *_samples_templates(tracked)).ingest(
            "AAPL", date(2026, 11, 2), date(2026, 11, 30), NOW, time.monotonic() + 20)

    assert outcome.failed and len(outcome.errors) == 3
    assert "Invalid API call" in outcome.errors[0]
    assert "lists no days" in outcome.errors[1] and "404" in outcome.errors[2]
    assert not spy.failed and spy.written == 20


def _samples_templates(aws) -> list[str]:
    return aws["MARKET_SOURCE_URLS"].split(",")


@time_machine.travel(NOW, tick=True)
def test_the_api_key_from_the_secret_never_shows_in_errors_or_logs(tracked, capsys, caplog):
    key = "AVKEY-0123456789-SECRET"
    boto3.client("secretsmanager").put_secret_value(
        SecretId=tracked["MARKET_SECRET_ARN"], SecretString=json.dumps({"params": {"apikey": key}}))
    from functions.shared import secrets

    secrets._CACHE.clear()
    with serve_directory_of({}) as url:
        template = f"{url}/query?function=TIME_SERIES_DAILY&symbol={{symbol}}&apikey={{apikey}}"
        work = MarketWork(ingest_with(tracked, template))
        piece = work.piece({"symbols": ["AAPL"], "start": "2026-11-02", "end": "2026-11-30"}, time.monotonic() + 20)
        outcome = work.ingest.ingest("AAPL", date(2026, 11, 2), date(2026, 11, 30), NOW, time.monotonic() + 20)
    secrets._CACHE.clear()

    assert piece.counts["symbols_failed"] == 1
    assert "{apikey}" in outcome.errors[0] and key not in outcome.errors[0]
    output = capsys.readouterr()
    assert key not in output.out + output.err + caplog.text


@time_machine.travel(NOW, tick=True)
def test_a_source_secret_without_a_value_fails_the_job_piece_loudly(tracked, context):
    """Not a bad symbol but a bad deployment: the piece fails, the queue redelivers and then dead-letters."""
    from fn_events import sqs

    from functions.shared import secrets

    ssm = boto3.client("secretsmanager")
    ssm.delete_secret(SecretId=tracked["MARKET_SECRET_ARN"], ForceDeleteWithoutRecovery=True)
    ssm.create_secret(Name=tracked["MARKET_SECRET_ARN"])  # the container only, as Terraform leaves it
    secrets._CACHE.clear()
    job_id = json_body(backfill(context, {"start": "2026-11-02", "end": "2026-11-30"}))["job_id"]
    (message,) = boto3.client("sqs").receive_message(QueueUrl=tracked["MARKET_QUEUE_URL"])["Messages"]

    response = handler_module("ingest_market").handler(sqs([message["Body"]]), context)

    assert len(response["batchItemFailures"]) == 1
    job = run_job_state(tracked, context, job_id)
    assert job["state"] == "queued" and "ResourceNotFoundException" in job["error"]
    assert stored(tracked) == []


def test_a_template_placeholder_missing_from_the_secret_fails_that_source_with_its_name(tracked):
    outcome = ingest_with(tracked, "https://example.invalid/q?s={symbol}&token={token}").ingest(
        "AAPL", date(2026, 11, 2), date(2026, 11, 30), NOW, time.monotonic() + 20)
    assert outcome.failed and outcome.errors == [
        "example.invalid: the market source secret has no params.token for its URL"]


@time_machine.travel(NOW, tick=True)
def test_a_document_the_csv_reader_refuses_fails_its_symbol_only(tracked):
    """A field over the csv module's limit (128 KiB) raised out of the parser and failed the whole piece."""
    files = {"aapl.csv": "Date,Close\n2026-11-02," + "1" * 200_000 + "\n",
             "tsla.csv": (SAMPLES / "market" / "tsla.us.csv").read_text()}
    with serve_directory_of(files) as url:
        piece = MarketWork(ingest_with(tracked, f"{url}/{{symbol_lower}}.csv")).piece(
            {"symbols": ["AAPL", "TSLA"], "start": "2026-10-01", "end": "2026-11-30"}, time.monotonic() + 60)
    assert piece.counts["symbols_failed"] == 1 and piece.counts["prices_written"] == SAMPLE_TRADING_DAYS


@given(body=st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
@settings(max_examples=300, deadline=None)
def test_any_document_parses_or_is_a_document_error(body):
    try:
        parse_document(b"Date,Close\n" + body)
        parse_document(body)
    except DocumentError:
        pass


@pytest.mark.parametrize("document", [
    b"", b"   ", b"null", b"[]", b'"text"', b"{}", b'{"Information": "premium endpoint"}',
    b'{"Time Series (Daily)": []}', b"Date;Close\n2026-11-02;1\n", b"\xff\xfe\x00garbage",
])
def test_documents_without_bars_are_document_errors(document):
    with pytest.raises(DocumentError):
        parse_document(document)


# ---------------------------------------------------------------- jobs: pieces, races


class _TimeForOneWindow(FakeContext):
    """An invocation with time for one window of work per job piece, when a window takes over 0.5 s
    (`slow_samples` answers each request after 1.5 s)."""

    def get_remaining_time_in_millis(self) -> int:
        from functions.ingest_market.work import SECONDS_PER_WINDOW
        from functions.shared.jobs import RESERVE_MILLIS

        return RESERVE_MILLIS + int(SECONDS_PER_WINDOW * 1000) + 500


class _NoTimeLeft(FakeContext):
    def get_remaining_time_in_millis(self) -> int:
        from functions.shared.jobs import RESERVE_MILLIS

        return RESERVE_MILLIS + 1


@contextmanager
def slow_jobs(aws, delay: float = 1.5) -> Iterator[Jobs]:
    """The market jobs, run by a MarketWork whose source answers after `delay` seconds with the samples."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Slow(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay)
            super().do_GET()

        def log_message(self, *args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Slow, directory=str(SAMPLES)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    slow = f"http://127.0.0.1:{server.server_address[1]}/market/{{symbol_lower}}.us.csv"
    work = MarketWork(ingest_with(aws, slow, *_samples_templates(aws)[1:])).work()
    try:
        yield Jobs(table=JobsTable(aws["JOBS_TABLE"]), queue_url=aws["MARKET_QUEUE_URL"], work=work)
    finally:
        server.shutdown()
        server.server_close()


def drain_with(aws, jobs: Jobs, context) -> int:
    """Deliver the market queue's messages to `jobs` until it is empty; returns how many batches ran."""
    from fn_events import sqs

    queue, batches = boto3.client("sqs"), 0
    while messages := queue.receive_message(QueueUrl=aws["MARKET_QUEUE_URL"], MaxNumberOfMessages=10).get("Messages"):
        response = jobs.handle_records(sqs([m["Body"] for m in messages]), context)
        assert response["batchItemFailures"] == []
        for message in messages:
            queue.delete_message(QueueUrl=aws["MARKET_QUEUE_URL"], ReceiptHandle=message["ReceiptHandle"])
        batches += 1
    return batches


@time_machine.travel(NOW, tick=True)
def test_a_backfill_longer_than_one_invocation_goes_on_in_pieces_until_done(tracked, context):
    response = backfill(context, {"start": MARKET_SAMPLE_DAYS[0], "end": MARKET_SAMPLE_DAYS[1]})
    assert response["statusCode"] == 202
    job_id = json_body(response)["job_id"]

    # an invocation started too late does nothing and loses nothing: the piece goes back to the queue
    drain_once(tracked, _NoTimeLeft())
    assert stored(tracked) == [] and run_job_state(tracked, context, job_id)["state"] == "running"

    with slow_jobs(tracked) as jobs:
        pieces = drain_with(tracked, jobs, _TimeForOneWindow())

    assert pieces >= 5  # one symbol per piece at most
    job = run_job_state(tracked, context, job_id)
    assert job["state"] == "succeeded" and job["result"]["prices_written"] == 5 * SAMPLE_TRADING_DAYS
    assert job["result"]["symbols"] == 5 and job["result"]["symbols_failed"] == 0
    assert len(stored(tracked)) == 5 * SAMPLE_TRADING_DAYS


@time_machine.travel(NOW, tick=True)
def test_a_long_backfill_resumes_a_symbol_at_the_year_it_had_reached(tracked, context):
    from functions.ingest_market.work import CHUNK_DAYS

    response = backfill(context, {"start": "2024-10-01", "end": "2026-11-30", "symbols": ["AAPL"]})
    job_id = json_body(response)["job_id"]

    with slow_jobs(tracked) as jobs:
        pieces = drain_with(tracked, jobs, _TimeForOneWindow())

    # 2024-10-01 .. 2026-11-30 is three windows of a year at most, each in its own piece
    assert CHUNK_DAYS == 366 and pieces >= 3
    job = run_job_state(tracked, context, job_id)
    assert job["state"] == "succeeded"
    assert job["result"] == {"symbols": 1, "symbols_failed": 0, "prices_written": SAMPLE_TRADING_DAYS,
                             "prices_already_stored": 0, "prices_changed_at_source": 0, "rows_skipped": 0}


@time_machine.travel(NOW, tick=True)
@pytest.mark.parametrize("dies_after", [0, 1, 17, 41])
def test_a_pull_killed_between_two_writes_is_finished_by_the_redelivery_with_each_close_once(
    tracked, context, dies_after
):
    """The invocation dies (as on a timeout or a lost container) after `dies_after` of AAPL's 42 puts."""
    from fn_events import sqs

    from functions.shared.aws import client

    response = backfill(context, {"start": MARKET_SAMPLE_DAYS[0], "end": MARKET_SAMPLE_DAYS[1], "symbols": ["AAPL"]})
    job_id = json_body(response)["job_id"]
    queue = boto3.client("sqs")
    (message,) = queue.receive_message(QueueUrl=tracked["MARKET_QUEUE_URL"])["Messages"]
    puts = {"n": 0}

    def die(**_) -> None:
        puts["n"] += 1
        if puts["n"] > dies_after:
            raise SystemExit("killed")

    ddb = client("dynamodb")
    ddb.meta.events.register("before-call.dynamodb.PutItem", die)
    try:
        with pytest.raises(SystemExit):
            handler_module("ingest_market").handler(sqs([message["Body"]]), context)
    finally:
        ddb.meta.events.unregister("before-call.dynamodb.PutItem", die)
    assert len(stored(tracked)) == dies_after
    assert run_job_state(tracked, context, job_id)["state"] == "queued"

    # SQS delivers the message again once its visibility timeout has passed
    redelivered = handler_module("ingest_market").handler(sqs([message["Body"]]), context)

    assert redelivered["batchItemFailures"] == []
    items = stored(tracked)
    assert len(items) == SAMPLE_TRADING_DAYS and len({i["ts"] for i in items}) == SAMPLE_TRADING_DAYS
    job = run_job_state(tracked, context, job_id)
    assert job["state"] == "succeeded"
    assert job["result"]["prices_written"] == SAMPLE_TRADING_DAYS - dies_after
    assert job["result"]["prices_already_stored"] == dies_after


def drain_once(aws, context) -> None:
    """Deliver one batch of the market queue; failed messages become visible again at once."""
    from fn_events import sqs

    queue = boto3.client("sqs")
    messages = queue.receive_message(QueueUrl=aws["MARKET_QUEUE_URL"], MaxNumberOfMessages=10)["Messages"]
    response = handler_module("ingest_market").handler(sqs([m["Body"] for m in messages]), context)
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    assert not failed
    for message in messages:
        queue.delete_message(QueueUrl=aws["MARKET_QUEUE_URL"], ReceiptHandle=message["ReceiptHandle"])


# ---------------------------------------------------------------- the backfill route


@time_machine.travel(NOW, tick=True)
@pytest.mark.parametrize(("body", "groups", "status", "says"), [
    ({"start": "2026-11-02", "end": "2026-11-30"}, "analyst", 403, "admin"),
    ({"start": "2026-11-30", "end": "2026-11-02"}, "admin", 400, "start must not be after end"),
    ({"start": "2026-11-02", "end": "2026-12-02"}, "admin", 400, "end must not be in the future"),
    ({"start": "1990-01-01", "end": "2026-11-30"}, "admin", 400, "at most"),
    ({"start": "2026-11-02", "end": "2026-11-30", "symbols": ["AAPL", "ZZZZ"]}, "admin", 400, "ZZZZ"),
    ({"start": "2026-11-02", "end": "2026-11-30", "symbols": ["aapl; drop"]}, "admin", 400, "symbols"),
    ({"start": "2026-11-02", "end": "2026-11-30", "symbols": []}, "admin", 400, "symbols"),
    ({"start": "2026-11-02", "end": "2026-11-30", "force": True}, "admin", 400, "force"),
    ({"start": "2026-11-31", "end": "2026-11-30"}, "admin", 400, "start"),
    ({"start": 20261102, "end": "2026-11-30"}, "admin", 400, "start"),
])
def test_backfill_requests_are_checked(tracked, context, body, groups, status, says):
    response = backfill(context, body, groups=groups)
    assert response["statusCode"] == status
    answer = json_body(response)
    assert says in json.dumps(answer)
    assert boto3.client("sqs").receive_message(QueueUrl=tracked["MARKET_QUEUE_URL"]).get("Messages", []) == []


@time_machine.travel(NOW, tick=True)
def test_a_backfill_of_chosen_symbols_writes_only_those(tracked, context):
    job = backfilled(tracked, context, "2026-11-02", "2026-11-30", symbols=["SPY", "AAPL", "SPY"])
    assert job["result"]["symbols"] == 2
    assert {i["symbol"] for i in stored(tracked)} == {"AAPL", "SPY"}
    assert job["kind"] == "market-ingest" and "requested_by" not in job


def test_two_pulls_at_once_write_each_close_once(dynalite_market):
    """On dynalite, whose conditional writes are atomic: both pulls read "not stored", one put wins."""
    from concurrent.futures import ThreadPoolExecutor

    table = dynalite_market
    with serve_directory(SAMPLES) as url:
        ingest = MarketIngest(DynamoMarketStore(table), (Source(f"{url}/market/{{symbol_lower}}.us.csv"),),
                              dynalite_market_secret())
        with time_machine.travel(NOW, tick=True), ThreadPoolExecutor(4) as pool:
            outcomes = list(pool.map(
                lambda _: ingest.ingest("AAPL", date(2026, 10, 1), date(2026, 11, 30), NOW, time.monotonic() + 20),
                range(4)))

    assert sum(o.written for o in outcomes) == SAMPLE_TRADING_DAYS
    assert sum(o.already_stored for o in outcomes) == 3 * SAMPLE_TRADING_DAYS
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert len(items) == SAMPLE_TRADING_DAYS


_SECRET: dict[str, str] = {}


def dynalite_market_secret() -> str:
    return _SECRET["arn"]


@pytest.fixture
def dynalite_market(tmp_path_factory, monkeypatch, environment):
    """The market-data table on dynalite (the rest of AWS on moto, for the secret)."""
    from moto import mock_aws

    from functions.shared import aws, secrets
    from tests.support import dynalite
    from tests.support.synthesized import dynamodb_create_table_kwargs, table_env_vars

    name = table_env_vars("dev")["MARKET_DATA_TABLE"]
    with dynalite.running(tmp_path_factory.mktemp("dynalite") / "dynalite.log") as endpoint, mock_aws():
        _SECRET["arn"] = boto3.client("secretsmanager").create_secret(
            Name="market-secret", SecretString="{}")["ARN"]
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        aws.client.cache_clear()
        secrets._CACHE.clear()
        kwargs = next(k for k in dynamodb_create_table_kwargs("dev") if k["TableName"] == name)
        boto3.client("dynamodb").create_table(**kwargs)
        boto3.client("dynamodb").get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
        try:
            yield name
        finally:
            aws.client.cache_clear()
            secrets._CACHE.clear()


# ---------------------------------------------------------------- the evaluation says which closes it lacks


@time_machine.travel(NOW, tick=True)
def test_the_evaluation_names_the_missing_closes_per_proposal_until_they_arrive(seeded, context):
    from fn_pipeline import EVALUATE_AS_OF, decided

    proposals = decided(seeded, context, decisions={"AAPL": "approve", "TSLA": "approve"})
    ddb = boto3.client("dynamodb")
    ddb.delete_item(TableName=seeded["MARKET_DATA_TABLE"],
                    Key={"symbol": {"S": "SPY"}, "ts": {"S": "2026-11-24T21:00:00.000000Z"}})

    def evaluate() -> dict:
        response = handler_module("evaluation").handler(rest("POST", "/evaluate", {"as_of": EVALUATE_AS_OF}), context)
        return run_job(seeded, context, "evaluation", response, sub=ALICE, groups="analyst")

    job = evaluate()
    assert job["result"] == {"evaluated": 0, "skipped": 2, "no_price": 2}
    orchestrator = handler_module("orchestrator")
    for entity in ("AAPL", "TSLA"):
        pid = proposals[entity]["proposal_id"]
        proposal = json_body(orchestrator.handler(rest("GET", f"/proposals/{pid}", groups="viewer"), context))
        assert proposal["state"] == "approved"
        assert proposal["evaluation_pending"]["missing"] == [
            {"leg": "bench_exit", "symbol": "SPY", "trading_day": "2026-11-24"}]
        assert "SPY on 2026-11-24 (bench exit)" in proposal["evaluation_pending"]["reason"]

    # the missing close arrives with a backfill: the next run evaluates both and the note is gone
    assert backfilled(seeded, context, "2026-11-24", "2026-11-24")["result"]["prices_written"] == 1
    assert evaluate()["result"] == {"evaluated": 2, "skipped": 0, "no_price": 0}
    for entity in ("AAPL", "TSLA"):
        pid = proposals[entity]["proposal_id"]
        proposal = json_body(orchestrator.handler(rest("GET", f"/proposals/{pid}", groups="viewer"), context))
        assert proposal["state"] == "evaluated" and "evaluation_pending" not in proposal


# ---------------------------------------------------------------- the Timestream store


def _timestream_rows(*rows: tuple[str, str]) -> dict:
    """A Timestream query answer, as the service shapes it (time with nanoseconds, values as strings)."""
    return {"QueryId": "q", "ColumnInfo": [{"Name": "time"}, {"Name": "close"}],
            "Rows": [{"Data": [{"ScalarValue": t}, {"ScalarValue": v}]} for t, v in rows]}


def test_the_timestream_store_writes_only_the_days_it_does_not_hold(aws):
    import requests

    from functions.shared.market import Close, TimestreamMarketStore

    write = boto3.client("timestream-write")
    write.create_database(DatabaseName="market")
    write.create_table(DatabaseName="market", TableName="prices")
    # moto keeps no time series: the answer to the store's query is the one Timestream would give
    requests.post("http://motoapi.amazonaws.com/moto-api/static/timestream/query-results", json={
        "region": "eu-central-1",
        "results": {None: [_timestream_rows(("2026-11-16 21:00:00.000000000", "228.6"))] * 2},
    }, timeout=5)
    store = TimestreamMarketStore("market", "prices")

    result = store.write("AAPL", [Close(date(2026, 11, 16), Decimal("228.60"), "x"),
                                  Close(date(2026, 11, 17), Decimal("229.1"), "x")])

    assert (result.written, result.already_stored, result.changed_at_source) == (1, 1, [])
    from moto.timestreamwrite.models import timestreamwrite_backends

    (record,) = timestreamwrite_backends["123456789012"]["eu-central-1"].databases["market"].tables["prices"].records
    assert record["Dimensions"] == [{"Name": "symbol", "Value": "AAPL"}] and record["MeasureValue"] == "229.1"
    assert record["Time"] == str(int(datetime(2026, 11, 17, 21, tzinfo=UTC).timestamp() * 1000))
    assert store.latest_day("AAPL") == date(2026, 11, 16)


@time_machine.travel(NOW, tick=True)
def test_a_close_too_small_for_the_store_is_skipped_and_the_other_days_written(tracked):
    """A positive close past what a DynamoDB number holds (1E-130) is a row skipped as out of range, not an
    error that fails the whole symbol."""
    document = "Date,Close\r\n2026-11-16,228.60\r\n2026-11-17,1e-200\r\n2026-11-18,0.0001\r\n"
    with serve_directory_of({"aapl.csv": document}) as url:
        outcome = ingest_with(tracked, f"{url}/{{symbol_lower}}.csv").ingest(
            "AAPL", date(2026, 11, 16), date(2026, 11, 18), NOW, time.monotonic() + 20)

    assert not outcome.failed and outcome.written == 2
    assert [(s.day, s.reason) for s in outcome.skipped] == [("2026-11-17", "out_of_range")]
    assert [(i["day"], i["close"]) for i in stored(tracked)] == [("2026-11-16", 228.6), ("2026-11-18", 0.0001)]

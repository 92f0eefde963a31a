"""Ingestion under hostile sources: a trickling source is cut off, one bad entry never drops its feed,
a large feed ends before the function's timeout with every written signal queued once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from conftest import handler_module
from fn_events import json_body, rest

from cli.local.account import serve_directory

GOOD_POST = {"kind": "t3", "data": {"name": "t3_good", "author": "Fine_Author", "title": "Apple is great",
                                    "selftext": "Apple shares jumped", "created_utc": 1795104000.0}}


def _post(name: str, **fields) -> dict:
    return {"kind": "t3", "data": {"name": name, "author": "x", "title": f"title {name}", "selftext": f"text {name}",
                                   "created_utc": 1795104000.0, **fields}}


def _listing(*children: dict | str) -> bytes:
    parts = [c if isinstance(c, str) else json.dumps(c) for c in children]
    return ('{"kind": "Listing", "data": {"children": [' + ", ".join(parts) + "]}}").encode()


@contextmanager
def _trickling_server(byte_every: float) -> Iterator[str]:
    stop = threading.Event()

    class Trickle(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            while not stop.is_set():
                self.wfile.write(b"<")
                self.wfile.flush()
                stop.wait(byte_every)

        def log_message(self, format: str, *args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def test_a_trickling_source_is_cut_off_at_the_deadline():
    from functions.shared.ingestion.fetch import FetchError, fetch

    with _trickling_server(byte_every=0.1) as url, pytest.raises(FetchError, match="not read within 1 s"):
        fetch(url, {}, deadline_seconds=1)


def test_one_bad_reddit_post_is_skipped_and_the_others_kept(environment):
    from functions.ingest_social.reddit import parse_listing

    deep = '{"kind": "t3", "data": {"name": "t3_deep", "title": "t", "selftext": "s", "created_utc": 1795104000, ' \
           '"nested": ' + "[" * 3000 + "]" * 3000 + "}}"
    huge = '{"kind": "t3", "data": {"name": "t3_huge", "title": "t", "selftext": "s", "created_utc": ' \
           + "9" * 5000 + "}}"
    document = _listing(
        GOOD_POST, deep, huge,
        _post("t3_far", created_utc=1e20), _post("t3_early", created_utc=-1e15), _post("t3_bool", created_utc=True),
        '{"kind": "t3", "data": {"name": "t3_nan", "title": "t", "selftext": "s", "created_utc": NaN}}',
        _post("t3_text", created_utc="yesterday"),
    )
    items = parse_listing(document)
    assert [item.source_id for item in items] == ["t3_good"]


ATOM = '<feed xmlns="http://www.w3.org/2005/Atom">{}</feed>'
ENTRY = '<entry><id>{id}</id><title>{id}</title><published>{at}</published><content>{body}</content></entry>'


def test_one_bad_atom_entry_is_skipped_and_the_others_kept(environment):
    from functions.ingest_news.feeds import parse_feed

    entries = [
        ENTRY.format(id="good", at="2026-11-20T08:00:00Z", body="Microsoft wins"),
        ENTRY.format(id="late", at="9999-12-31T23:59:59-05:00", body="x"),
        ENTRY.format(id="early", at="0001-01-01T00:00:00+01:00", body="y"),
        ENTRY.format(id="deep", at="2026-11-20T08:00:00Z", body="<b>" * 3000 + "z" + "</b>" * 3000),
    ]
    items = parse_feed(ATOM.format("".join(entries)).encode())
    assert [item.source_id for item in items] == ["good"]
    assert items[0].published_at.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"])
def test_calendar_edge_dates_are_a_named_400(aws, context, moment):
    item = {"source_id": "e", "text": "t", "published_at": moment}
    response = handler_module("ingest_news").handler(rest("POST", "/ingest/news", {"items": [item]}), context)
    assert response["statusCode"] == 400
    assert json_body(response)["details"][0]["field"] == "items.0.published_at"


def test_callers_cannot_claim_a_raw_document(aws, context):
    item = {"source_id": "e", "text": "t", "published_at": "2026-11-20T08:00:00Z", "raw": {"forged": True}}
    response = handler_module("ingest_news").handler(rest("POST", "/ingest/news", {"items": [item]}), context)
    assert response["statusCode"] == 400
    assert json_body(response)["details"][0]["field"] == "items.0.raw"


class _Clock:
    """A Lambda context whose remaining time runs down with the wall clock."""

    def __init__(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.until - time.monotonic()) * 1000)


LARGE_FEED = 200
"""Items in the large feed: several times what the first run's 1.5 s of writes take (30 on a loaded 2-core machine),
few enough that the second run does not dominate the suite's time (400 items took 30 s of CPU)."""


def _large_feed(directory, count: int) -> None:
    entries = "".join(
        ENTRY.format(id=f"n{n}", at="2026-11-20T08:00:00Z", body=f"Item {n}: Nvidia demand is strong")
        for n in range(count)
    )
    (directory / "large.xml").write_text(ATOM.format(entries))


def _written_and_queued(aws) -> tuple[set[str], list[str]]:
    items = boto3.client("dynamodb").scan(TableName=aws["SIGNALS_TABLE"])["Items"]
    written = {i["signal_id"]["S"] for i in items if i["facet"]["S"] == "signal"}
    queued: list[str] = []
    sqs = boto3.client("sqs")
    while messages := sqs.receive_message(QueueUrl=aws["SCORING_QUEUE_URL"], MaxNumberOfMessages=10).get("Messages"):
        queued += [json.loads(m["Body"])["signal_id"] for m in messages]
        for m in messages:
            sqs.delete_message(QueueUrl=aws["SCORING_QUEUE_URL"], ReceiptHandle=m["ReceiptHandle"])
    return written, queued


def test_a_large_feed_stops_before_the_timeout_and_the_next_run_finishes_it(aws, tmp_path):
    from functions.ingest_news.feeds import parse_feed
    from functions.shared.ingestion.service import RESERVE_SECONDS, host_of, pull

    config = handler_module("ingest_news").CONFIG
    _large_feed(tmp_path, LARGE_FEED)
    with serve_directory(tmp_path) as base:
        urls = (f"{base}/large.xml",)
        # GIVEN a run with only a little more time than the reserve
        [first] = pull(config, urls, aws["NEWS_SECRET_ARN"], parse_feed, host_of,
                       _Clock(RESERVE_SECONDS + 1.5).get_remaining_time_in_millis)["sources"]
        # THEN it stops early, and every signal it wrote is queued (none left pending unqueued)
        written, queued = _written_and_queued(aws)
        assert first["deferred"] > 0 and first["accepted"] + first["deferred"] == LARGE_FEED
        assert written == set(queued) and len(written) == first["accepted"]
        # WHEN the next run has time enough, it takes the rest
        [second] = pull(config, urls, aws["NEWS_SECRET_ARN"], parse_feed, host_of,
                        _Clock(600).get_remaining_time_in_millis)["sources"]
        assert second["deferred"] == 0 and first["accepted"] + second["accepted"] == LARGE_FEED
        # THEN every signal is stored, and queued once: the first run's are not queued again
        first_queued = set(queued)
        written, queued = _written_and_queued(aws)
        assert len(written) == LARGE_FEED and len(queued) == len(set(queued)) == second["accepted"]
        assert first_queued | set(queued) == written and not first_queued & set(queued)


def test_limits_hold_after_unicode_normalisation(aws, context):
    # U+FDFA becomes 18 characters under NFKC: 2,000 of them pass the raw limit, not the stored one
    item = {"source_id": "n", "text": "\ufdfa" * 2000, "author": "\ufdfa" * 20, "published_at": "2026-11-20T08:00:00Z"}
    response = handler_module("ingest_news").handler(rest("POST", "/ingest/news", {"items": [item]}), context)
    assert response["statusCode"] == 400 and "normalised" in response["body"]
    assert boto3.client("dynamodb").scan(TableName=aws["SIGNALS_TABLE"])["Items"] == []

"""A pull killed after any write of a round strands nothing: the next scheduled pull queues every signal that is
stored and not queued yet, exactly once, whether the feed still lists it or has moved on (the outbox in
`functions/shared/ingestion/pipeline.py`). As the market-data tests do, the invocation dies (a timeout, a lost
container) after k of the n writes a pull makes; the score function runs in between, as it does in production.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta

import boto3
import pytest
import time_machine
from conftest import FakeContext, handler_module
from fn_events import sqs

from cli.local.account import serve_directory
from functions.shared.aws import client
from functions.shared.clock import utc_now

ATOM = '<feed xmlns="http://www.w3.org/2005/Atom">{}</feed>'
ENTRY = ("<entry><id>{id}</id><title>{id}</title><author><name>writer {id}</name></author>"
         "<published>2026-11-20T08:00:00Z</published><content>{id}: Nvidia demand is strong</content></entry>")
ROUND = 3
"""Items per round in these tests (the pipeline's rounds are a queue batch of ten): two rounds of five items."""
FIRST, LATER = ["n1", "n2", "n3", "n4", "n5"], ["m1", "m2"]
WRITES = [("dynamodb", "TransactWriteItems"), ("dynamodb", "BatchWriteItem"), ("dynamodb", "PutItem"),
          ("dynamodb", "UpdateItem"), ("dynamodb", "DeleteItem"), ("s3", "PutObject"), ("sqs", "SendMessageBatch"),
          ("sqs", "SendMessage")]
WRITES_OF_A_PULL = 2 * len(FIRST) + 2 * 2
"""Per new item a signal with its outbox entry and its raw document; per round a queue batch and the entries'
removal."""
SCHEDULE = timedelta(minutes=15)


def _feed(directory, ids: list[str]) -> None:
    (directory / "feed.xml").write_text(ATOM.format("".join(ENTRY.format(id=i) for i in ids)))


class _Killer:
    """Counts the pull's writes (signals, outbox entries, raw documents, queue messages) and kills the
    invocation before the write after the first `survives`."""

    def __init__(self, survives: int) -> None:
        self.survives, self.writes = survives, 0
        self.lock = threading.Lock()

    def __call__(self, **_) -> None:
        with self.lock:  # writers run side by side
            if self.writes >= self.survives:
                raise SystemExit("killed")
            self.writes += 1

    def __enter__(self) -> _Killer:
        for service, operation in WRITES:
            client(service).meta.events.register(f"before-call.{service}.{operation}", self)
        return self

    def __exit__(self, *exc) -> None:
        for service, operation in WRITES:
            client(service).meta.events.unregister(f"before-call.{service}.{operation}", self)


def _score_everything(aws, delivered: Counter) -> None:
    """The score function consumes the scoring queue; every message's signal id is counted."""
    queue = boto3.client("sqs")
    while messages := queue.receive_message(QueueUrl=aws["SCORING_QUEUE_URL"], MaxNumberOfMessages=10).get(
            "Messages", []):
        delivered.update(json.loads(m["Body"])["signal_id"] for m in messages)
        response = handler_module("score").handler(sqs([m["Body"] for m in messages]), FakeContext())
        assert response["batchItemFailures"] == []
        for message in messages:
            queue.delete_message(QueueUrl=aws["SCORING_QUEUE_URL"], ReceiptHandle=message["ReceiptHandle"])


def _table(aws) -> list[dict]:
    return boto3.client("dynamodb").scan(TableName=aws["SIGNALS_TABLE"])["Items"]


def _pull(aws, url: str) -> dict:
    from functions.ingest_news.feeds import parse_feed
    from functions.shared.ingestion.service import host_of, pull

    config = handler_module("ingest_news").CONFIG
    return pull(config, (url,), aws["NEWS_SECRET_ARN"], parse_feed, host_of, lambda: 28_000)


@pytest.mark.parametrize("moved_on", [True, False], ids=["feed-moved-on", "feed-unchanged"])
@pytest.mark.parametrize("survives", range(WRITES_OF_A_PULL + 1))
def test_a_pull_killed_after_any_write_strands_no_signal(aws, tmp_path, monkeypatch, survives, moved_on):
    from functions.shared.ingestion import pipeline

    monkeypatch.setattr(pipeline, "QUEUE_BATCH", ROUND)
    delivered: Counter[str] = Counter()
    _feed(tmp_path, FIRST)
    with serve_directory(tmp_path) as base, time_machine.travel(utc_now(), tick=True) as clock:
        # GIVEN a scheduled pull that dies after `survives` of its writes
        with _Killer(survives) as killer:
            if survives < WRITES_OF_A_PULL:
                with pytest.raises(SystemExit):
                    _pull(aws, f"{base}/feed.xml")
            else:
                _pull(aws, f"{base}/feed.xml")
                killer.survives = WRITES_OF_A_PULL
        assert killer.writes == survives
        _score_everything(aws, delivered)
        # WHEN the next scheduled pull runs, the feed having moved on (or not)
        if moved_on:
            _feed(tmp_path, LATER)
        clock.shift(SCHEDULE)
        report = _pull(aws, f"{base}/feed.xml")
        _score_everything(aws, delivered)
    # THEN every stored signal was queued exactly once and is scored, and no outbox entry is left
    items = _table(aws)
    documents = {i["signal_id"]["S"]: i for i in items if i["facet"]["S"] == "signal"}
    assert delivered == Counter(dict.fromkeys(documents, 1)), report
    assert {d["status"]["S"] for d in documents.values()} <= {"scored"}
    assert [i for i in items if i["signal_id"]["S"].startswith("outbox#")] == []
    written = {i["source_id"]["S"] for i in documents.values()}
    assert set(LATER if moved_on else FIRST) <= written


def test_a_signal_that_is_queued_is_never_queued_again_while_it_waits_to_be_scored(aws, tmp_path):
    """The feed still lists what the last pull queued, and the scorer has not got to it yet: nothing is queued
    twice (the old pipeline queued every pending signal it saw again)."""
    delivered: Counter[str] = Counter()
    _feed(tmp_path, FIRST)
    with serve_directory(tmp_path) as base, time_machine.travel(utc_now(), tick=True) as clock:
        _pull(aws, f"{base}/feed.xml")
        clock.shift(SCHEDULE)
        _pull(aws, f"{base}/feed.xml")
        _score_everything(aws, delivered)
    assert sorted(delivered.values()) == [1] * len(FIRST)


def test_post_ingest_stops_at_its_deadline_and_names_what_it_did_not_take(aws, monkeypatch):
    """The API route has the function's clock too: no round starts after its deadline; the items not reached
    are answered as deferred (to be sent again), and what was written is queued."""
    import time

    from fn_events import json_body, rest

    from functions.shared.ingestion import pipeline

    class _Clock:
        """The pipeline's clock, which jumps an hour ahead once the first round is queued."""

        offset = 0.0

        def monotonic(self) -> float:
            return time.monotonic() + self.offset

        def jump(self, **_) -> None:
            self.offset = 3600.0

    clock = _Clock()
    monkeypatch.setattr(pipeline, "QUEUE_BATCH", ROUND)
    monkeypatch.setattr(pipeline, "time", clock)
    client("sqs").meta.events.register("after-call.sqs.SendMessageBatch", clock.jump)
    try:
        items = [{"source_id": f"s{n}", "text": f"item {n}", "published_at": "2026-11-20T08:00:00Z"}
                 for n in range(5)]
        response = handler_module("ingest_news").handler(rest("POST", "/ingest/news", {"items": items}),
                                                         FakeContext())
    finally:
        client("sqs").meta.events.unregister("after-call.sqs.SendMessageBatch", clock.jump)
    body = json_body(response)
    assert response["statusCode"] == 200
    assert body["accepted"] == ROUND and body["deferred"] == 2 and len(body["deferred_ids"]) == 2
    delivered: Counter[str] = Counter()
    _score_everything(aws, delivered)
    assert delivered == Counter(dict.fromkeys(body["signal_ids"], 1))

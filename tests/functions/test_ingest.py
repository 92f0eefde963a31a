"""ingest-news and ingest-social: API batches, scheduled pulls, dedupe, raw documents, queueing."""

from __future__ import annotations

import gzip
import hashlib
import json

import boto3
import pytest
from conftest import handler_module
from fn_events import json_body, rest, scheduled

from functions.shared.dynamo import from_item

ITEM = {
    "source_id": "x-1",
    "author": "Some Author",
    "title": "Apple rallies",
    "text": "Apple shares rallied on great results.",
    "url": "https://news.example.com/a",
    "published_at": "2026-11-20T10:00:00Z",
}


def _signals(aws) -> list[dict]:
    table = boto3.client("dynamodb").scan(TableName=aws["SIGNALS_TABLE"])["Items"]
    return [item for item in table if item["facet"]["S"] == "signal"]


def _queued(aws) -> list[str]:
    sqs = boto3.client("sqs")
    ids = []
    while True:
        messages = sqs.receive_message(QueueUrl=aws["SCORING_QUEUE_URL"], MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return ids
        ids += [json.loads(m["Body"])["signal_id"] for m in messages]


def test_post_news_writes_signal_raw_document_and_queue_message(aws, context):
    # GIVEN an analyst's batch with one item
    news = handler_module("ingest_news")
    # WHEN it is posted
    response = news.handler(rest("POST", "/ingest/news", {"source": "wire", "items": [ITEM]}), context)
    # THEN one signal is accepted, stored, its raw document kept gzip-compressed and it is queued
    assert response["statusCode"] == 200
    body = json_body(response)
    assert body["accepted"] == 1 and body["duplicates"] == 0
    signal_id = body["signal_ids"][0]
    [stored] = _signals(aws)
    assert stored["signal_id"]["S"] == signal_id
    assert stored["author_id"]["S"] == "wire:some author"
    key = stored["raw_key"]["S"]
    assert key.startswith("source=news/dt=") and key.endswith(f"/{signal_id}.json.gz")
    raw = boto3.client("s3").get_object(Bucket=aws["RAW_DATA_BUCKET"], Key=key)["Body"].read()
    assert json.loads(gzip.decompress(raw))["item"]["source_id"] == "x-1"
    assert _queued(aws) == [signal_id]


def test_the_same_item_twice_is_written_and_queued_once(aws, context):
    news = handler_module("ingest_news")
    first = json_body(news.handler(rest("POST", "/ingest/news", {"items": [ITEM, ITEM]}), context))
    second = json_body(news.handler(rest("POST", "/ingest/news", {"items": [{**ITEM, "source_id": "x-2"}]}), context))
    assert (first["accepted"], first["duplicates"]) == (1, 1)
    assert (second["accepted"], second["duplicates"]) == (0, 1)
    assert len(_signals(aws)) == 1
    # the duplicate is not queued again: it was queued when it was written
    assert _queued(aws) == [first["signal_ids"][0]]


def test_scheduled_news_pull_reads_rss_and_atom_samples(aws, context):
    news = handler_module("ingest_news")
    report = news.handler(scheduled(), context)
    by_file = {entry["url"].rsplit("/", 1)[1]: entry for entry in report["sources"]}
    # six RSS items of which one is a syndicated copy of another; two Atom entries
    assert by_file["news.rss.xml"]["accepted"] == 5 and by_file["news.rss.xml"]["duplicates"] == 1
    assert by_file["news.atom.xml"]["accepted"] == 2
    assert len(_signals(aws)) == 7
    # pulling again writes nothing new
    again = news.handler(scheduled(), context)
    assert sum(entry["accepted"] for entry in again["sources"]) == 0
    assert len(_signals(aws)) == 7


def test_scheduled_social_pull_reads_reddit_listing(aws, context):
    social = handler_module("ingest_social")
    report = social.handler(scheduled(), context)
    [entry] = report["sources"]
    # seven children: the comment is not a post; the empty thread keeps its title as text
    assert entry["source"] == "reddit"
    assert entry["accepted"] == 6
    authors = sorted(str(item.get("author_id", {}).get("S")) for item in _signals(aws))
    # a `[deleted]` author is stored without an author
    assert authors == ["None", "reddit:bearish_ben", "reddit:bearish_ben", "reddit:bullish_bob", "reddit:bullish_bob",
                       "reddit:value_vera"]


@pytest.mark.parametrize("groups", ["viewer", "approver"])
def test_ingest_needs_analyst_or_admin(aws, context, groups):
    news = handler_module("ingest_news")
    response = news.handler(rest("POST", "/ingest/news", {"items": [ITEM]}, groups=groups), context)
    assert response["statusCode"] == 403
    assert "analyst" in json_body(response)["message"]
    assert _signals(aws) == []


def _messages(aws) -> list[dict]:
    """Every message on the scoring queue, as sent (body and attributes), without taking them off."""
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws["SCORING_QUEUE_URL"], MaxNumberOfMessages=10,
                                   VisibilityTimeout=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


@pytest.mark.parametrize(("route", "kind", "groups"), [
    ("/ingest/news", "news", "analyst"), ("/ingest/social", "social", "analyst"), ("/ingest/social", "social", "admin"),
])
def test_an_ingested_item_is_stored_with_its_fields_and_queued_for_scoring(aws, context, route, kind, groups):
    package = "ingest_news" if kind == "news" else "ingest_social"
    item = {**ITEM, "author": "  Some\u00a0Author ", "title": "Apple  rallies"}
    response = handler_module(package).handler(rest("POST", route, {"source": "wire", "items": [item]},
                                                    groups=groups), context)
    assert response["statusCode"] == 200, response["body"]
    body = json_body(response)
    assert (body["accepted"], body["duplicates"]) == (1, 0)
    # the id is the content hash of kind, title and text, normalised and case-folded
    signal_id = hashlib.sha256(f"{kind}\napple rallies\napple shares rallied on great results.".encode()).hexdigest()
    assert body["signal_ids"] == [signal_id]
    [stored] = [from_item(i) for i in _signals(aws)]
    assert {k: v for k, v in stored.items() if k not in ("ingested_at", "raw_key", "expires_at")} == {
        "signal_id": signal_id, "facet": "signal", "kind": kind, "source": "wire", "source_id": "x-1",
        "author_id": "wire:some author", "title": "Apple rallies", "text": "Apple shares rallied on great results.",
        "url": "https://news.example.com/a", "published_at": "2026-11-20T10:00:00.000000Z", "status": "pending",
    }
    assert stored["raw_key"] == f"source={kind}/dt={stored['ingested_at'][:10]}/{signal_id}.json.gz"
    # queued: one message naming the signal, and no outbox entry left behind (nothing waits to be queued again)
    assert _messages(aws) == [{"signal_id": signal_id}]
    everything = boto3.client("dynamodb").scan(TableName=aws["SIGNALS_TABLE"])["Items"]
    assert [from_item(i)["facet"] for i in everything] == ["signal"]


@pytest.mark.parametrize(
    ("raw", "status", "named"),
    [
        ("{not json", 400, "not valid JSON"),
        ("[1, 2]", 400, "JSON object"),
        ("[" * 100_000, 400, "nested too deeply"),
        ('{"items": [{"text": 1e400}]}', 400, "items.0.text"),
        (json.dumps({"items": []}), 400, "items"),
        (json.dumps({"items": [{**ITEM, "published_at": "yesterday"}]}), 400, "items.0.published_at"),
        (
            json.dumps({"items": [{**ITEM, "published_at": "2026-11-20T10:00:00"}]}),
            400,
            "items.0.published_at",
        ),
        (json.dumps({"items": [{**ITEM, "text": 42}]}), 400, "items.0.text"),
        (json.dumps({"items": [ITEM], "extra": 1}), 400, "extra"),
        (json.dumps({"items": [{**ITEM, "text": "x" * 300_000}]}), 413, "limit"),
    ],
)
def test_bad_bodies_are_refused_with_a_named_problem(aws, context, raw, status, named):
    news = handler_module("ingest_news")
    response = news.handler(rest("POST", "/ingest/news", raw=raw), context)
    assert response["statusCode"] == status
    assert named in response["body"]
    assert _signals(aws) == [] and _messages(aws) == []


def test_health_answers_without_data(environment, context):
    # no emulated account at all: health must not touch a table
    for package in ("ingest_news", "ingest_social"):
        response = handler_module(package).handler(rest("GET", "/health", groups=None), context)
        assert response["statusCode"] == 200
        assert json_body(response)["status"] == "ok"


def test_unknown_route_is_404_json(aws, context):
    response = handler_module("ingest_news").handler(rest("GET", "/nothing"), context)
    assert response["statusCode"] == 404
    assert json_body(response)["error"] == "not_found"

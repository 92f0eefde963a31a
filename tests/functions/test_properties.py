"""Property tests: random bodies and groups on every route never produce a 5xx; ingestion neither loses
nor duplicates items, whatever mix of repeats a batch holds."""

from __future__ import annotations

import json

import boto3
import pytest
from conftest import handler_module
from fn_events import rest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.shared.ingestion.normalize import content_hash

ROUTES = [
    ("ingest_news", "POST", "/ingest/news", ("source", "items")),
    ("ingest_social", "POST", "/ingest/social", ("source", "items")),
    ("score", "POST", "/score", ("title", "text")),
    ("orchestrator", "POST", "/propose", ("agent_id", "as_of")),
    ("orchestrator", "POST", "/risk/check", ("proposal_id",)),
    ("orchestrator", "POST", "/decision", ("proposal_id", "decision", "comment")),
    ("orchestrator", "POST", "/gdpr/erase", ("author_id", "user_id")),
    ("orchestrator", "GET", "/proposals/0123456789abcdef0123456789abcdef", ()),
    ("orchestrator", "GET", "/jobs/0123456789abcdef0123456789abcdef", ()),
    ("evaluation", "POST", "/evaluate", ("as_of",)),
    ("ingest_market", "POST", "/market/backfill", ("start", "end", "symbols")),
    ("evaluation", "GET", "/metrics", ()),
    ("evaluation", "GET", "/dashboard/summary", ()),
    ("ingest_news", "GET", "/health", ()),
]
ITEM_FIELDS = ("source_id", "author", "title", "text", "url", "published_at")
GROUPS = st.sampled_from(["viewer", "analyst", "approver", "admin", "", "admin,analyst", "[approver viewer]"])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(
        ["2026-11-20T10:00:00Z", "approve", "0123456789abcdef0123456789abcdef", "reddit:someone", "https://x.example/a",
         "2026-11-02", "AAPL"]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)


def bodies(fields: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    item = st.fixed_dictionaries({}, optional={f: json_values for f in ITEM_FIELDS})
    near_valid = st.fixed_dictionaries(
        {}, optional={f: (st.lists(item, max_size=3) if f == "items" else json_values) for f in fields}
    )
    return st.one_of(
        st.none(),
        st.text(max_size=200),
        st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
        json_values.map(json.dumps),
        near_valid.map(json.dumps),
    )


@pytest.mark.parametrize(("package", "method", "path", "fields"), ROUTES, ids=[f"{m} {p}" for _, m, p, _ in ROUTES])
def test_random_requests_never_cause_a_server_error(seeded, context, package, method, path, fields):
    handler = handler_module(package).handler

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=bodies(fields), groups=GROUPS)
    def check(body, groups):
        response = handler(rest(method, path, raw=body, groups=groups), context)
        assert response["statusCode"] < 500, response["body"]
        if response["statusCode"] >= 400:
            problem = json.loads(response["body"])
            assert problem["error"] and problem["message"]

    check()


valid_items = st.builds(
    lambda n, text: {"source_id": f"id-{n}", "title": "", "text": text, "published_at": "2026-11-20T10:00:00Z"},
    st.integers(0, 5),
    st.sampled_from(["Apple rallies", "Tesla drops", "apple  RALLIES", "Microsoft steady", "Nvidia up"]),
)


def test_ingestion_never_loses_or_duplicates_items(aws, context):
    news = handler_module("ingest_news").handler
    posted: set[str] = set()

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(items=st.lists(valid_items, min_size=1, max_size=8))
    def check(items):
        response = news(rest("POST", "/ingest/news", {"items": items}), context)
        assert response["statusCode"] == 200
        body = json.loads(response["body"])
        assert body["accepted"] + body["duplicates"] == len(items)
        posted.update(content_hash("news", i["title"], i["text"]) for i in items)
        stored = boto3.client("dynamodb").scan(TableName=aws["SIGNALS_TABLE"])["Items"]
        ids = [s["signal_id"]["S"] for s in stored if s["facet"]["S"] == "signal"]
        assert sorted(ids) == sorted(posted)

    check()


@given(body=st.one_of(st.text(max_size=100), json_values.map(json.dumps)))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_websocket_messages_on_a_connection_never_connected_are_refused(aws, context, body):
    """(On a connected one: test_streaming_fuzz.py.)"""
    from test_streaming import _connections, ws

    response = handler_module("streaming").handler(ws("subscribe", "c-1", body), context)
    # a malformed message is a 400, a well-formed one finds no connection to subscribe: 404; none creates one
    assert response["statusCode"] in (400, 404), response
    assert set(json.loads(response["body"])) == {"error"}
    assert _connections(aws) == {}

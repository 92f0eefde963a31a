"""Random `subscribe` messages on a connection that is connected: each is answered 200 with the topics it
names stored on the connection, or 400 with the connection as it was; the changes pushed afterwards reach it
by the topics it holds then, and `$disconnect` removes it whatever came before."""

from __future__ import annotations

import json
import uuid

from conftest import handler_module
from fn_events import load
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_streaming import _connections, ws

from functions.streaming.websocket import MAX_MESSAGE_BYTES, TOPICS

PADDED = st.sampled_from(["", " ", "\t", "  \n"])
"""Whitespace the model strips around strings (ASCII only: what counts as space elsewhere differs by parser)."""
topic_names = st.one_of(
    st.sampled_from(TOPICS),
    st.tuples(PADDED, st.sampled_from(TOPICS), PADDED).map("".join),
    st.sampled_from(["Proposals", "OUTCOMES", "gossip", "", "proposals,outcomes", "outcome"]),
    st.text(max_size=12),
)
any_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)
actions = st.one_of(st.just("subscribe"), st.tuples(PADDED, st.just("subscribe"), PADDED).map("".join),
                    st.sampled_from(["Subscribe", "unsubscribe", "", "subscribe!"]), any_json)
known_topics = st.lists(st.tuples(PADDED, st.sampled_from(TOPICS), PADDED).map("".join), min_size=1, max_size=2)
topic_lists = st.one_of(known_topics, st.lists(topic_names, max_size=4), any_json)
subscribe = st.fixed_dictionaries({"action": st.tuples(PADDED, st.just("subscribe"), PADDED).map("".join),
                                   "topics": known_topics})
subscribe_like = st.fixed_dictionaries({"action": actions, "topics": topic_lists})
messages = st.one_of(
    # a third the one valid message, so both answers are reached often; then near it (a value, a field more or
    # one missing), anything at all as JSON or text, or a message past the size limit
    *[subscribe.map(json.dumps)] * 4,
    *[subscribe_like.map(json.dumps)] * 2,
    st.tuples(subscribe_like, st.text(max_size=6), any_json).map(lambda t: json.dumps({**t[0], t[1]: t[2]})),
    st.tuples(subscribe_like, st.sampled_from(["action", "topics"])).map(
        lambda t: json.dumps({k: v for k, v in t[0].items() if k != t[1]})),
    subscribe_like.map(lambda doc: json.dumps({**doc, "padding": "x" * MAX_MESSAGE_BYTES})),
    any_json.map(json.dumps),
    st.text(max_size=60),
)


def expected_topics(body: str) -> list[str] | None:
    """The topics a message subscribes the connection to, or None when it must be refused (the documented
    message: `{"action": "subscribe", "topics": [1-2 of the topics]}`, at most MAX_MESSAGE_BYTES)."""
    if len(body.encode()) > MAX_MESSAGE_BYTES:
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if not isinstance(doc, dict) or set(doc) != {"action", "topics"}:
        return None
    action, topics = doc["action"], doc["topics"]
    if not isinstance(action, str) or action.strip() != "subscribe":
        return None
    if not isinstance(topics, list) or not 1 <= len(topics) <= len(TOPICS):
        return None
    if not all(isinstance(t, str) and t.strip() in TOPICS for t in topics):
        return None
    return sorted({t.strip() for t in topics})


def test_random_messages_on_a_connected_connection(aws, context, websocket_api):
    streaming = handler_module("streaming").handler
    reached: dict[int, int] = {}

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(bodies=st.lists(messages, min_size=1, max_size=5))
    def check(bodies: list[str]) -> None:
        connection_id = f"c-{uuid.uuid4().hex[:12]}"
        assert streaming(ws("$connect", connection_id), context)["statusCode"] == 200
        connected = _connections(aws)[connection_id]
        topics = list(TOPICS)
        for body in bodies:
            response = streaming(ws("subscribe", connection_id, body), context)
            answer = json.loads(response["body"])
            wanted = expected_topics(body)
            event(f"answered {response['statusCode']}")
            reached[response["statusCode"]] = reached.get(response["statusCode"], 0) + 1
            if wanted is None:
                assert response["statusCode"] == 400, (body, answer)
                assert set(answer) == {"error"} and answer["error"], answer
            else:
                assert response["statusCode"] == 200, (body, answer)
                assert answer == {"message": f"subscribed to {', '.join(wanted)}"}
                topics = wanted
            # the connection is still there, with the topics of the last message accepted, and nothing else changed
            assert _connections(aws)[connection_id] == {**connected, "topics": topics}
        # a change to a proposal reaches the connection only if it holds the proposals topic
        before = len(websocket_api.received.get(connection_id, []))
        assert streaming(load("dynamodb_stream.json"), context) == {"batchItemFailures": []}
        pushed = websocket_api.received.get(connection_id, [])[before:]
        assert [m["topic"] for m in pushed] == (["proposals"] if "proposals" in topics else [])
        assert streaming(ws("$disconnect", connection_id), context)["statusCode"] == 200
        assert connection_id not in _connections(aws)

    check()
    # the fuzzing reached both answers, several times each
    assert reached.get(200, 0) >= 5 and reached.get(400, 0) >= 5, reached
    assert set(reached) == {200, 400}, reached

"""The scoring queue's message check (functions/score/messages.py) keeps the rules of the request model it
replaced: what that model accepted is accepted as the same signal id, what it refused is refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field, ValidationError

from functions.score.messages import MalformedMessage, signal_id_of
from functions.shared.models import RequestModel


class ScoreMessage(RequestModel):
    """The model the queue's messages were validated with before."""

    signal_id: str = Field(pattern=r"^[0-9a-f]{64}$")


def _by_model(body: str) -> str | None:
    try:
        return ScoreMessage.model_validate(json.loads(body)).signal_id
    except (ValidationError, ValueError):
        return None


def _by_check(body: str) -> str | None:
    try:
        return signal_id_of(body)
    except ValueError:  # MalformedMessage or the JSON decoder's error
        return None


HEX = "0123456789abcdef"
SIGNAL_ID = "ab" * 32
SPACES = st.text(alphabet=st.sampled_from(["\t", "\n", " ", "\x1c", "\x1f", "\x85", "\xa0", "\u2003", "\u3000",
                                           "\u200b", "\ufeff"]), max_size=3)
ID_LIKE = st.one_of(
    st.text(alphabet=HEX, min_size=62, max_size=66),
    st.builds(lambda a, s, b: a + s + b, SPACES, st.text(alphabet=HEX + "ABCDEF", min_size=63, max_size=65), SPACES),
    st.text(max_size=70),
)
VALUES = st.one_of(ID_LIKE, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(),
                   st.lists(ID_LIKE, max_size=2), st.dictionaries(st.text(max_size=3), ID_LIKE, max_size=2))
MESSAGES = st.one_of(
    st.fixed_dictionaries({"signal_id": VALUES}),
    st.fixed_dictionaries({"signal_id": VALUES}, optional={"extra": VALUES, "Signal_id": VALUES}),
    st.dictionaries(st.text(max_size=10), VALUES, max_size=3),
    VALUES,
)


@settings(max_examples=600, deadline=None)
@given(MESSAGES)
def test_the_check_accepts_and_refuses_what_the_model_did(message: object) -> None:
    body = json.dumps(message)
    assert _by_check(body) == _by_model(body)


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"signal_id": SIGNAL_ID}),
        json.dumps({"signal_id": f" \n{SIGNAL_ID}\u3000"}),
        json.dumps({"signal_id": f"\x1c{SIGNAL_ID}"}),  # Python's strip() would strip it, pydantic does not
        json.dumps({"signal_id": f"{SIGNAL_ID}\n"}),
        json.dumps({"signal_id": SIGNAL_ID.upper()}),
        json.dumps({"signal_id": SIGNAL_ID, "kind": "news"}),
        json.dumps({"signal_id": int("1" * 64)}),
        json.dumps({}),
        json.dumps([SIGNAL_ID]),
        json.dumps(SIGNAL_ID),
        "{not json",
        "",
    ],
)
def test_edge_cases_agree_with_the_model(body: str) -> None:
    assert _by_check(body) == _by_model(body)


def test_a_malformed_message_says_what_is_wrong() -> None:
    with pytest.raises(MalformedMessage, match="no field kind"):
        signal_id_of(json.dumps({"signal_id": SIGNAL_ID, "kind": "news"}))
    with pytest.raises(MalformedMessage, match="64 lowercase hexadecimal digits"):
        signal_id_of(json.dumps({"signal_id": "../../etc"}))

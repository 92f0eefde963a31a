"""The scoring queue's message, `{"signal_id": "<64 lowercase hex digits>"}`, checked in plain Python.

The queue is score's main path: a pydantic model of one field would put pydantic (most of score's init beyond
the boto3 floor) on every cold start. The rules are those of a request model (`functions.shared.models`): a
JSON object, no other field, `signal_id` a string, stripped of surrounding whitespace as pydantic strips it.
"""

from __future__ import annotations

import json
import re

SIGNAL_ID = re.compile(r"[0-9a-f]{64}")
WHITESPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
"""What pydantic's `str_strip_whitespace` strips (Unicode White_Space; Python's `str.strip()` also strips
\\x1c-\\x1f, which pydantic keeps)."""


class MalformedMessage(ValueError):
    """Not a scoring message: the record fails alone (a batch item failure) and the queue dead-letters it."""


def signal_id_of(body: str) -> str:
    """The signal id a scoring message names; MalformedMessage (or the JSON decoder's ValueError) otherwise."""
    message = json.loads(body)
    if not isinstance(message, dict):
        raise MalformedMessage(f"a scoring message is a JSON object, not {type(message).__name__}")
    extra = sorted(str(name) for name in message if name != "signal_id")
    if extra:
        raise MalformedMessage(f"a scoring message has no field {', '.join(extra)}")
    if "signal_id" not in message:
        raise MalformedMessage("a scoring message needs signal_id")
    signal_id = message["signal_id"]
    if not isinstance(signal_id, str):
        raise MalformedMessage(f"signal_id must be a string, not {type(signal_id).__name__}")
    signal_id = signal_id.strip(WHITESPACE)
    if not SIGNAL_ID.fullmatch(signal_id):
        raise MalformedMessage("signal_id must be 64 lowercase hexadecimal digits")
    return signal_id

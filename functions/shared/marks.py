"""Creator marks: who created a proposal, kept so that the four-eyes rule still recognises the creator after
their erasure, and recognisable by the orchestrator only.

A mark is a keyed hash, `hmac1:` + HMAC-SHA256(key, sha256(proposal id + "\\n" + user id)), with the
environment's creator-mark key (a Secrets Manager secret encrypted with the customer key; only the functions
that compute marks may read it), read through Powertools' parameters and cached. Without the key, knowing a
user id does not tell whether a mark is theirs; with it, the orchestrator can answer exactly one question:
"is this user the creator of this proposal?" (which four eyes asks when someone decides).

Marks made before keyed marks were the bare sha256 above (`legacy`): anyone who knows a user id can compute
them. Four eyes still recognises them; `rekeyed` turns one into the keyed mark without knowing whose it is
(the inner hash is what the key wraps), and user erasure re-keys every such mark it meets.

Never rotate the key in place: marks made under a key are recognised with that key only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from functions.shared.errors import UpstreamError

PREFIX = "hmac1:"
MIN_KEY_BYTES = 32
KEY_CACHE_SECONDS = 300
_LEGACY = re.compile(r"[0-9a-f]{64}")


class MarkKeyUnavailable(UpstreamError):
    """The creator-mark key cannot be read, or is too short to be a key: no mark can be made or checked."""


def legacy(proposal_id: str, user_id: str) -> str:
    """The unkeyed mark of before (and the inner hash of the keyed one)."""
    return hashlib.sha256(f"{proposal_id}\n{user_id}".encode()).hexdigest()


def is_legacy(mark: Any) -> bool:
    return isinstance(mark, str) and _LEGACY.fullmatch(mark) is not None


def secret_key(arn: str) -> Callable[[], bytes]:
    """The key in the secret `arn`, read through Powertools (cached for KEY_CACHE_SECONDS) when a mark is first
    made or checked: neither the cold start nor a route that makes no mark reads it, or loads Powertools'
    parameters utility."""

    def read() -> bytes:
        from aws_lambda_powertools.utilities import parameters

        try:
            value = parameters.get_secret(arn, max_age=KEY_CACHE_SECONDS)
        except Exception as exc:  # no value yet, no access, Secrets Manager down: say which key
            raise MarkKeyUnavailable(f"the creator-mark key cannot be read: {type(exc).__name__}") from exc
        key = value.encode() if isinstance(value, str) else bytes(value or b"")
        if len(key) < MIN_KEY_BYTES:
            raise MarkKeyUnavailable(
                f"the creator-mark key holds {len(key)} bytes; it needs at least {MIN_KEY_BYTES} random bytes")
        return key

    return read


@dataclass(frozen=True)
class CreatorMarks:
    key: Callable[[], bytes]

    def of(self, proposal_id: str, user_id: str) -> str:
        """The mark of `user_id` as the creator of `proposal_id`."""
        return self._wrap(legacy(proposal_id, user_id))

    def forms(self, proposal_id: str, user_id: str) -> tuple[str, str]:
        """Every mark `user_id` may have left on `proposal_id`: keyed, and unkeyed from before."""
        return self.of(proposal_id, user_id), legacy(proposal_id, user_id)

    def recognises(self, mark: Any, proposal_id: str, user_id: str) -> bool:
        return isinstance(mark, str) and any(hmac.compare_digest(mark, f) for f in self.forms(proposal_id, user_id))

    def rekeyed(self, mark: str) -> str:
        """An unkeyed mark as the keyed mark of the same creator (a keyed mark as it is)."""
        return self._wrap(mark) if is_legacy(mark) else mark

    def _wrap(self, inner: str) -> str:
        return PREFIX + hmac.new(self.key(), inner.encode(), hashlib.sha256).hexdigest()

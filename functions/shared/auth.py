"""Authorization from Cognito claims.

The API's Cognito authorizer proves who the caller is but does not check groups; this module does.
viewer reads; analyst ingests and proposes; approver decides; admin may do everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from functions.shared.errors import Forbidden, Unauthorized


class Group(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    APPROVER = "approver"
    ADMIN = "admin"


READERS = (Group.VIEWER, Group.ANALYST, Group.APPROVER, Group.ADMIN)
"""Every group may read."""

SYSTEM_ACTOR = "system:schedule"
"""The actor recorded for work started by a schedule rather than a person."""


@dataclass(frozen=True)
class Caller:
    user_id: str
    groups: frozenset[str]

    def is_in(self, *allowed: Group) -> bool:
        return Group.ADMIN in self.groups or any(group in self.groups for group in allowed)


def parse_groups(raw: Any) -> frozenset[str]:
    """`cognito:groups` arrives as a list, a comma- or space-separated string, or `[a b]`."""
    if isinstance(raw, list | tuple):
        return frozenset(str(g).strip() for g in raw if str(g).strip())
    if isinstance(raw, str):
        return frozenset(part for part in re.split(r"[\s,\[\]]+", raw) if part)
    return frozenset()


def caller_from_claims(claims: dict[str, Any] | None) -> Caller:
    """The authenticated caller, or 401 when the request carries no usable identity."""
    if not claims or not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise Unauthorized("the request carries no authenticated identity (missing Cognito claims)")
    return Caller(user_id=claims["sub"], groups=parse_groups(claims.get("cognito:groups")))


def authorize(event: Any, *allowed: Group) -> Caller:
    """The caller of a REST event if they belong to one of `allowed` (admin always does); else 403."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    caller = caller_from_claims(authorizer.get("claims"))
    if not caller.is_in(*allowed):
        needed = ", ".join(sorted({*allowed, Group.ADMIN}))
        raise Forbidden(f"this action needs one of the groups: {needed}")
    return caller

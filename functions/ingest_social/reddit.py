"""Reddit listing JSON (`/r/<sub>/new.json`) as ingest items; one bad post is skipped, never the listing."""

from __future__ import annotations

import json
import re
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from functions.shared.clock import InstantError, from_unix_seconds
from functions.shared.ingestion.models import SourceItem

logger = Logger()

SITE = "https://www.reddit.com"
MAX_DEPTH = 64
"""Nesting kept inside a listing; a post nested deeper is skipped (Reddit's own posts are a few levels)."""
MAX_INT_DIGITS = 4_000
"""Longer integers are refused by int() (CVE-2020-10735 limit); a post holding one is skipped."""
UNREADABLE = "\u0000unreadable"
"""Stands in for a part of a post that was nested too deeply or held a too long number."""
# A JSON string (escapes included) or one bracket: what the depth scan needs to see.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class ListingError(ValueError):
    """The document is not a Reddit listing."""


def _pruned(text: str) -> str:
    """`text` with every container nested deeper than MAX_DEPTH replaced by the UNREADABLE marker, so the
    rest parses without recursing past the interpreter's limit."""
    out: list[str] = []
    depth, copied, cut_at = 0, 0, -1
    for token in _TOKEN.finditer(text):
        kind = token.group()
        if kind in "[{":
            depth += 1
            if depth == MAX_DEPTH + 1:
                cut_at = token.start()
        elif kind in "]}":
            depth -= 1
            if depth == MAX_DEPTH and cut_at >= 0:
                out += [text[copied:cut_at], json.dumps(UNREADABLE)]
                copied, cut_at = token.end(), -1
    out.append(text[copied:])
    return "".join(out)


def _unreadable(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_unreadable(v) for v in value.values())
    if isinstance(value, list):
        return any(_unreadable(v) for v in value)
    return value == UNREADABLE


def _int(digits: str) -> int | str:
    return int(digits) if len(digits.lstrip("-")) <= MAX_INT_DIGITS else UNREADABLE


def _item(post: dict[str, Any]) -> dict[str, Any]:
    permalink = post.get("permalink")
    return {
        "source_id": post.get("name") or post.get("id") or "",
        "author": post.get("author") if post.get("author") not in (None, "[deleted]") else None,
        "title": post.get("title") or "",
        "text": post.get("selftext") or post.get("title") or "",
        "url": f"{SITE}{permalink}" if isinstance(permalink, str) and permalink.startswith("/") else None,
        # Unix seconds within the clock's bounds (functions.shared.clock); anything else skips the post
        "published_at": from_unix_seconds(post.get("created_utc")),
        "raw": post,
    }


def _skipped(post: dict[str, Any], problems: Any) -> None:
    name = post.get("name")
    logger.warning("post skipped", extra={"post": name if isinstance(name, str) else None, "problems": problems})


def parse_listing(document: bytes) -> list[SourceItem]:
    try:
        text = document.decode("utf-8")
        try:
            listing = json.loads(text, parse_int=_int)
        except RecursionError:
            listing = json.loads(_pruned(text), parse_int=_int)
    except ValueError as exc:
        raise ListingError(f"not a Reddit listing: {exc}") from exc
    try:
        children = listing["data"]["children"]
    except (KeyError, TypeError) as exc:
        raise ListingError(f"not a Reddit listing: no data.children ({exc})") from exc
    if not isinstance(children, list):
        raise ListingError("not a Reddit listing: data.children is not a list")
    items = []
    for child in children:
        post = child.get("data") if isinstance(child, dict) else None
        if not isinstance(post, dict) or child.get("kind") != "t3":
            continue
        if _unreadable(post):
            problem = f"nested deeper than {MAX_DEPTH} levels or a number of more than {MAX_INT_DIGITS} digits"
            _skipped(post, [{"field": "post", "problem": problem}])
            continue
        try:
            items.append(SourceItem.model_validate(_item(post)))
        except InstantError as exc:
            _skipped(post, [{"field": "created_utc", "problem": str(exc)}])
        except ValidationError as exc:
            _skipped(post, exc.errors(include_url=False, include_input=False))
    return items


def source_of(url: str) -> str:
    """Every Reddit listing is the `reddit` source, wherever it is served from (authors are site-wide)."""
    return "reddit"

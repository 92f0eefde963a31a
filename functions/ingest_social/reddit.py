"""Reddit listing JSON (`/r/<sub>/new.json`) as ingest items."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from functions.shared.ingestion.models import IngestItem

logger = Logger()

SITE = "https://www.reddit.com"


class ListingError(ValueError):
    """The document is not a Reddit listing."""


def _item(post: dict[str, Any]) -> dict[str, Any]:
    created = post.get("created_utc")
    permalink = post.get("permalink")
    return {
        "source_id": post.get("name") or post.get("id") or "",
        "author": post.get("author") if post.get("author") not in (None, "[deleted]") else None,
        "title": post.get("title") or "",
        "text": post.get("selftext") or post.get("title") or "",
        "url": f"{SITE}{permalink}" if isinstance(permalink, str) and permalink.startswith("/") else None,
        "published_at": datetime.fromtimestamp(created, UTC) if isinstance(created, int | float) else None,
        "raw": post,
    }


def parse_listing(document: bytes) -> list[IngestItem]:
    try:
        listing = json.loads(document)
        children = listing["data"]["children"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ListingError(f"not a Reddit listing: {exc}") from exc
    if not isinstance(children, list):
        raise ListingError("not a Reddit listing: data.children is not a list")
    items = []
    for child in children:
        post = child.get("data") if isinstance(child, dict) else None
        if not isinstance(post, dict) or child.get("kind") != "t3":
            continue
        try:
            items.append(IngestItem.model_validate(_item(post)))
        except ValidationError as exc:
            logger.warning(
                "post skipped",
                extra={
                    "post": post.get("name"),
                    "problems": exc.errors(include_url=False, include_input=False),
                },
            )
    return items


def source_of(url: str) -> str:
    """Every Reddit listing is the `reddit` source, wherever it is served from (authors are site-wide)."""
    return "reddit"

"""RSS 2.0 and Atom 1.0 feeds as ingest items (parsed with defusedxml: no entity expansion attacks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, tostring

from aws_lambda_powertools import Logger
from defusedxml import ElementTree
from pydantic import ValidationError

from functions.shared.clock import InstantError, parse_email_date, parse_instant
from functions.shared.ingestion.html_text import html_to_text
from functions.shared.ingestion.models import SourceItem

logger = Logger()

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"


class FeedError(ValueError):
    """The document is not an RSS or Atom feed."""


def _text(element: Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _atom_date(value: str) -> datetime:
    """Atom dates are RFC 3339; one written without its offset is taken as UTC, as feeds mean it."""
    return parse_instant(value, naive_as_utc=True)


def _rss_item(item: Element) -> dict[str, Any]:
    link = _text(item.find("link"))
    body = _text(item.find(f"{CONTENT}encoded")) or _text(item.find("description"))
    return {
        "source_id": _text(item.find("guid")) or link,
        "author": _text(item.find(f"{DC}creator")) or _text(item.find("author")) or None,
        "title": html_to_text(_text(item.find("title"))),
        "text": html_to_text(body) or html_to_text(_text(item.find("title"))),
        "url": link or None,
        "published_at": _text(item.find("pubDate")),
    }


def _atom_entry(entry: Element) -> dict[str, Any]:
    link = next(
        (e.get("href") for e in entry.findall(f"{ATOM}link") if e.get("rel", "alternate") == "alternate"),
        None,
    )
    body = _text(entry.find(f"{ATOM}content")) or _text(entry.find(f"{ATOM}summary"))
    return {
        "source_id": _text(entry.find(f"{ATOM}id")) or link or "",
        "author": _text(entry.find(f"{ATOM}author/{ATOM}name")) or None,
        "title": html_to_text(_text(entry.find(f"{ATOM}title"))),
        "text": html_to_text(body) or html_to_text(_text(entry.find(f"{ATOM}title"))),
        "url": link,
        "published_at": _text(entry.find(f"{ATOM}published")) or _text(entry.find(f"{ATOM}updated")),
    }


def _skipped(source_id: Any, problems: list[dict[str, Any]]) -> None:
    logger.warning("feed entry skipped", extra={"source_id": source_id, "problems": problems})


def parse_feed(document: bytes) -> list[SourceItem]:
    """Items of an RSS or Atom feed; an entry that lacks required fields or cannot be read (nested too
    deeply, a date outside the clock's bounds or without a UTC equivalent) is skipped with a warning and its
    reason, and the others are kept."""
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as exc:
        raise FeedError(f"not well-formed XML: {exc}") from exc
    dated: Callable[[str], datetime]
    if root.tag == "rss":
        entries, read, dated, kind = root.iter("item"), _rss_item, parse_email_date, "rss"
    elif root.tag == f"{ATOM}feed":
        entries, read, dated, kind = root.iter(f"{ATOM}entry"), _atom_entry, _atom_date, "atom"
    else:
        raise FeedError(f"unsupported feed root element {root.tag!r} (expected rss or Atom feed)")
    items = []
    for element in entries:
        raw: dict[str, Any] = {}
        try:
            raw = read(element)
            published = dated(raw["published_at"]) if raw["published_at"] else None
            original = {"format": kind, "xml": tostring(element, encoding="unicode")}
            items.append(SourceItem.model_validate({**raw, "published_at": published, "raw": original}))
        except InstantError as exc:  # one parser, one set of bounds: functions.shared.clock
            _skipped(raw.get("source_id"), [{"field": "published_at", "problem": str(exc)}])
        except ValidationError as exc:
            _skipped(raw.get("source_id"), exc.errors(include_url=False, include_input=False))
        except (RecursionError, ValueError, OverflowError) as exc:
            _skipped(raw.get("source_id"), [{"field": "entry", "problem": f"{type(exc).__name__}: {exc}"}])
    return items

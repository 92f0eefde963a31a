"""What a caller sends to `POST /ingest/<kind>` and what source parsers produce."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, Field

from functions.shared.models import RequestModel

MAX_ITEMS_PER_BATCH = 100


class IngestItem(RequestModel):
    source_id: str = Field(min_length=1, max_length=256, description="id of the item at its source")
    author: str | None = Field(default=None, min_length=1, max_length=256)
    title: str = Field(default="", max_length=1000)
    text: str = Field(min_length=1, max_length=20_000)
    url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://\S+$")
    published_at: AwareDatetime
    raw: Annotated[dict[str, Any] | None, Field(exclude=True)] = None
    """The original document as the source delivered it (set by parsers, not by API callers)."""


class IngestBatch(RequestModel):
    source: str = Field(default="api", pattern=r"^[a-z0-9][a-z0-9._:-]{0,63}$")
    items: list[IngestItem] = Field(min_length=1, max_length=MAX_ITEMS_PER_BATCH)

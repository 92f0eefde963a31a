"""What a caller sends to `POST /ingest/<kind>` and what source parsers produce."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from functions.shared.ingestion.normalize import AuthorIdTooLong, author_id, clean_text
from functions.shared.models import Instant, RequestModel

MAX_ITEMS_PER_BATCH = 100
LIMITS = {"title": 1000, "text": 20_000, "author": 256}
"""Characters of the normalised (stored) field."""


class IngestItem(RequestModel):
    source_id: str = Field(min_length=1, max_length=256, description="id of the item at its source")
    author: str | None = Field(default=None, min_length=1, max_length=LIMITS["author"])
    title: str = Field(default="", max_length=LIMITS["title"])
    text: str = Field(min_length=1, max_length=LIMITS["text"])
    url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://\S+$")
    published_at: Instant
    """Within the clock's bounds (`functions.shared.clock`), stored in UTC."""

    @model_validator(mode="after")
    def _limits_after_normalisation(self) -> IngestItem:
        """What is stored is the normalised text (NFKC can make one character eighteen): the limits
        hold for that, so no item grows past DynamoDB's item or key size on the way in."""
        for name, limit in LIMITS.items():
            value = getattr(self, name)
            if value and len(clean_text(value)) > limit:
                raise ValueError(f"{name} is longer than {limit} characters once normalised (NFKC)")
        return self


class SourceItem(IngestItem):
    """An item read from a source by a parser, with the original document as the source delivered it.
    API callers send `IngestItem`s: what they claim is never stored as an original."""

    raw: Annotated[dict[str, Any], Field(exclude=True)]


class IngestBatch(RequestModel):
    source: str = Field(default="api", pattern=r"^[a-z0-9][a-z0-9._:-]{0,63}$")
    items: list[IngestItem] = Field(min_length=1, max_length=MAX_ITEMS_PER_BATCH)

    @model_validator(mode="after")
    def _author_ids_fit(self) -> IngestBatch:
        """Each author's stored id (`<source>:<author>` once normalised) fits the rule erasure applies too."""
        for number, item in enumerate(self.items):
            try:
                author_id(self.source, item.author)
            except AuthorIdTooLong as exc:
                raise ValueError(f"items.{number}.author: {exc}") from None
        return self

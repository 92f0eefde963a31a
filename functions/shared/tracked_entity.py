"""A tracked entity as read from the tracked-entities table (a pydantic model, loaded where items are read)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TrackedEntity(BaseModel):
    # Built on first use (not at import): cold starts of routes that read no such item skip it.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    entity_id: str = Field(min_length=1, max_length=32)
    symbol: str = Field(min_length=1, max_length=16, pattern=r"^[A-Z0-9.^-]+$")
    """Market symbol used for prices."""
    name: str = Field(min_length=1, max_length=200)
    aliases: tuple[str, ...] = ()
    sector: str = "unknown"
    excluded: bool = False
    """Never trade this entity (risk rule)."""

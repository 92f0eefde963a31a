"""Tracked entities (pk `entity_id`): the tickers the system follows, with names and aliases."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from functions.shared import dynamo
from functions.shared.aws import client


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


@dataclass(frozen=True)
class EntitiesTable:
    name: str

    def all(self) -> list[TrackedEntity]:
        return [TrackedEntity.model_validate(item) for item in dynamo.read_all("scan", TableName=self.name)]

    def get(self, entity_id: str) -> TrackedEntity | None:
        response = client("dynamodb").get_item(TableName=self.name, Key=dynamo.to_item({"entity_id": entity_id}))
        return TrackedEntity.model_validate(dynamo.from_item(response["Item"])) if "Item" in response else None

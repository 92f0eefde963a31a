"""Tracked entities (pk `entity_id`): the tickers the system follows, with names and aliases.

The item model (pydantic) is imported where items are read: a cold start, and a route that reads none,
starts without pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from functions.shared import dynamo
from functions.shared.aws import client

if TYPE_CHECKING:
    from functions.shared.tracked_entity import TrackedEntity


@dataclass(frozen=True)
class EntitiesTable:
    name: str

    def all(self) -> list[TrackedEntity]:
        from functions.shared.tracked_entity import TrackedEntity

        return [TrackedEntity.model_validate(item) for item in dynamo.read_all("scan", TableName=self.name)]

    def get(self, entity_id: str) -> TrackedEntity | None:
        from functions.shared.tracked_entity import TrackedEntity

        response = client("dynamodb").get_item(TableName=self.name, Key=dynamo.to_item({"entity_id": entity_id}))
        return TrackedEntity.model_validate(dynamo.from_item(response["Item"])) if "Item" in response else None

"""The outcomes table: pk `proposal_id`, sk `evaluated_at`; index `by-entity`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.shared import dynamo


@dataclass(frozen=True)
class OutcomesTable:
    name: str

    def put_for(self, outcome: dict[str, Any]) -> dict[str, Any]:
        """Put parameters for a transaction; the same (proposal, time) is never written twice."""
        return {
            "TableName": self.name,
            "Item": dynamo.to_item(outcome),
            "ConditionExpression": "attribute_not_exists(proposal_id)",
        }

    def all(self) -> list[dict[str, Any]]:
        return dynamo.read_all("scan", TableName=self.name)

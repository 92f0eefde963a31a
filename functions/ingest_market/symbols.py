"""The symbols whose closes the system needs: every tracked entity's and every agent's benchmark (disabled
agents too: their decided proposals are still evaluated against it)."""

from __future__ import annotations

from dataclasses import dataclass

from functions.shared.agents import AgentsTable
from functions.shared.entities import EntitiesTable


@dataclass(frozen=True)
class Symbols:
    entities: EntitiesTable
    agents: AgentsTable

    def all(self) -> list[str]:
        # Excluded entities too: their earlier proposals are still evaluated.
        entity_symbols = {entity.symbol for entity in self.entities.all()}
        benchmarks = {agent.benchmark for agent in self.agents.all()}
        return sorted(entity_symbols | benchmarks)

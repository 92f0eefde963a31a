"""Turn aggregates into proposals. A proposal id is derived from agent, entity and the hour, so
repeated or concurrent runs in the same hour create each proposal once (conditional put)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from functions.orchestrator.aggregation import Aggregate, aggregate
from functions.shared.agents import AgentsTable
from functions.shared.clock import iso, utc_now
from functions.shared.entities import EntitiesTable
from functions.shared.errors import NotFound
from functions.shared.marks import CreatorMarks
from functions.shared.proposals import UNPRICED_FIELD, ProposalsTable
from functions.shared.signals import SignalsTable
from functions.shared.states import ProposalState

if TYPE_CHECKING:
    from functions.shared.agent_config import AgentConfig
    from functions.shared.tracked_entity import TrackedEntity


def proposal_id(agent_id: str, entity_id: str, as_of: datetime) -> str:
    """The same instant gives the same id whatever offset the caller wrote it in (the UTC hour)."""
    window = as_of.astimezone(UTC).strftime("%Y-%m-%dT%H")
    return hashlib.sha256(f"{agent_id}|{entity_id}|{window}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Proposer:
    signals: SignalsTable
    proposals: ProposalsTable
    agents: AgentsTable
    entities: EntitiesTable
    marks: CreatorMarks

    def run(self, actor: str, as_of: datetime, agent_id: str | None = None) -> dict[str, Any]:
        self.marks.key()  # no proposal without its creator's mark: a missing key fails the run before any
        agents = self._agents(agent_id)
        entities = self.entities.all()
        created: list[dict[str, Any]] = []
        existing: list[str] = []
        for agent in agents:
            since = as_of - timedelta(hours=agent.lookback_hours)
            for entity in entities:
                mentions = self.signals.mentions_between(entity.entity_id, iso(since), iso(as_of))
                result = aggregate(mentions, agent, as_of)
                if result is None:
                    continue
                proposal = self._proposal(agent, entity, result, actor, as_of, self.marks)
                if self.proposals.put_new(proposal):
                    created.append(summary(proposal))
                else:
                    existing.append(proposal["proposal_id"])
        return {
            "as_of": iso(as_of),
            "agents": len(agents),
            "entities": len(entities),
            "created": created,
            "existing": existing,
        }

    def _agents(self, agent_id: str | None) -> list[AgentConfig]:
        if agent_id is None:
            return self.agents.enabled()
        agent = self.agents.get(agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id} is not configured")
        return [agent]

    @staticmethod
    def _proposal(
        agent: AgentConfig, entity: TrackedEntity, result: Aggregate, actor: str, as_of: datetime,
        marks: CreatorMarks,
    ) -> dict[str, Any]:
        now = iso(utc_now())
        pid = proposal_id(agent.agent_id, entity.entity_id, as_of)
        return {
            "proposal_id": pid,
            "agent_id": agent.agent_id,
            "entity_id": entity.entity_id,
            "symbol": entity.symbol,
            "direction": result.direction,
            "score": result.score,
            "confidence": result.confidence,
            "signal_count": result.signal_count,
            "mention_count": result.mention_count,
            "effective_volume": result.effective_volume,
            "position_pct": round(agent.base_position_pct * (0.5 + result.confidence), 2),
            "horizon_days": agent.horizon_days,
            "benchmark": agent.benchmark,
            "as_of": iso(as_of),
            "state": ProposalState.PROPOSED.value,
            "created_at": now,
            "updated_at": now,
            "created_by": actor,
            "creator_mark": marks.of(pid, actor),
            "version": 1,
            "history": [{"to": ProposalState.PROPOSED.value, "by": actor, "at": now}],
        }


PUBLIC_FIELDS = (
    "proposal_id",
    "agent_id",
    "entity_id",
    "symbol",
    "direction",
    "score",
    "confidence",
    "signal_count",
    "mention_count",
    "position_pct",
    "horizon_days",
    "benchmark",
    "as_of",
    "state",
    "created_at",
    "created_by",
    "risk_reasons",
    "decision",
    "decided_by",
    "decided_at",
    "comment",
    "history",
    UNPRICED_FIELD,
)


def summary(proposal: dict[str, Any]) -> dict[str, Any]:
    return {k: proposal[k] for k in PUBLIC_FIELDS if k in proposal}

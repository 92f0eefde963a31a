"""Risk rules: minimum confidence, position limit, concentration limit per entity, exclusions.
Every rule's verdict and reason is recorded on the proposal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from functions.shared.agents import AgentsTable
from functions.shared.clock import iso, utc_now
from functions.shared.entities import EntitiesTable
from functions.shared.proposals import ProposalsTable, Transition
from functions.shared.states import ProposalState

if TYPE_CHECKING:
    from functions.shared.agent_config import AgentConfig
    from functions.shared.tracked_entity import TrackedEntity

OPEN_STATES = {ProposalState.RISK_PASSED.value, ProposalState.APPROVED.value}


def _rule(rule: str, passed: bool, detail: str) -> dict[str, Any]:
    return {"rule": rule, "passed": passed, "detail": detail}


def evaluate_rules(
    proposal: dict[str, Any], agent: AgentConfig, entity: TrackedEntity | None, open_exposure_pct: float
) -> list[dict[str, Any]]:
    confidence, position = float(proposal["confidence"]), float(proposal["position_pct"])
    total = open_exposure_pct + position
    excluded = entity is None or entity.excluded or proposal["entity_id"] in agent.excluded_entities
    why_excluded = (
        "the entity is no longer tracked"
        if entity is None
        else "the entity is excluded from trading"
        if excluded
        else "the entity may be traded"
    )
    return [
        _rule(
            "min_confidence",
            confidence >= agent.min_confidence,
            f"confidence {confidence:.2f} against minimum {agent.min_confidence:.2f}",
        ),
        _rule(
            "position_limit",
            position <= agent.max_position_pct,
            f"position {position:.2f}% against limit {agent.max_position_pct:.2f}%",
        ),
        _rule(
            "concentration_limit",
            total <= agent.max_concentration_pct,
            f"exposure to {proposal['entity_id']} would be {total:.2f}% "
            f"(open {open_exposure_pct:.2f}%) against limit {agent.max_concentration_pct:.2f}%",
        ),
        _rule("exclusions", not excluded, why_excluded),
    ]


@dataclass(frozen=True)
class RiskChecker:
    proposals: ProposalsTable
    agents: AgentsTable
    entities: EntitiesTable

    def check(self, proposal_id: str, actor: str) -> dict[str, Any]:
        from functions.shared.agent_config import AgentConfig  # pydantic, loaded by the first check

        proposal = self.proposals.require(proposal_id)
        agent = self.agents.get(proposal["agent_id"]) or AgentConfig(agent_id=proposal["agent_id"])
        entity = self.entities.get(proposal["entity_id"])
        open_exposure = sum(
            float(other.get("position_pct", 0))
            for other in self.proposals.of_entity(proposal["entity_id"])
            if other["state"] in OPEN_STATES and other["proposal_id"] != proposal_id
        )
        reasons = evaluate_rules(proposal, agent, entity, open_exposure)
        passed = all(reason["passed"] for reason in reasons)
        target = ProposalState.RISK_PASSED if passed else ProposalState.RISK_REJECTED
        now = iso(utc_now())
        updated = self.proposals.transition(
            Transition(
                proposal_id=proposal_id,
                source=ProposalState.PROPOSED,
                target=target,
                actor=actor,
                at=now,
                fields={"risk_reasons": reasons, "risk_checked_at": now, "risk_checked_by": actor},
                reasons=reasons,
            )
        )
        return {"proposal_id": proposal_id, "state": updated["state"], "passed": passed, "reasons": reasons}

    def check_all_proposed(self, actor: str) -> list[dict[str, Any]]:
        return [self.check(p["proposal_id"], actor) for p in self.proposals.in_state(ProposalState.PROPOSED)]

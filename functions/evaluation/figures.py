"""The system's figures for `GET /metrics` and `GET /dashboard/summary`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from functions.shared.outcomes import OutcomesTable
from functions.shared.proposals import ProposalsTable
from functions.shared.signals import SignalsTable
from functions.shared.states import ProposalState

RECENT = 10


def _performance(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    if not outcomes:
        return {"count": 0, "hit_rate": None, "average_return": None, "average_excess_return": None}
    n = len(outcomes)
    return {
        "count": n,
        "hit_rate": round(sum(1 for o in outcomes if o["hit"]) / n, 4),
        "average_return": round(sum(o["return"] for o in outcomes) / n, 6),
        "average_excess_return": round(sum(o["excess_return"] for o in outcomes) / n, 6),
    }


@dataclass(frozen=True)
class Figures:
    signals: SignalsTable
    proposals: ProposalsTable
    outcomes: OutcomesTable

    def metrics(self) -> dict[str, Any]:
        outcomes = self.outcomes.all()
        return {
            "signals": self.signals.count_documents(),
            "proposals_by_state": {state.value: self.proposals.count_in_state(state) for state in ProposalState},
            "approved": _performance([o for o in outcomes if o["decision"] == "approved"]),
            "rejected_counterfactual": _performance([o for o in outcomes if o["decision"] == "rejected"]),
        }

    def dashboard(self) -> dict[str, Any]:
        outcomes = self.outcomes.all()
        by_entity: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for outcome in outcomes:
            if outcome["decision"] == "approved":
                by_entity[outcome["entity_id"]].append(outcome)
        recent = sorted(
            (p for state in ProposalState for p in self.proposals.in_state(state)),
            key=lambda p: p["created_at"],
            reverse=True,
        )[:RECENT]
        return {
            **self.metrics(),
            "entities": {entity: _performance(items) for entity, items in sorted(by_entity.items())},
            "recent_proposals": [
                {k: p.get(k) for k in ("proposal_id", "entity_id", "direction", "confidence", "state", "created_at")}
                for p in recent
            ],
        }

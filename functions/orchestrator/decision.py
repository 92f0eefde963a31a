"""Human decisions on risk-checked proposals: approvers or admins, never on their own proposal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from functions.orchestrator.propose import summary
from functions.shared.clock import iso, utc_now
from functions.shared.errors import Forbidden
from functions.shared.marks import CreatorMarks
from functions.shared.proposals import ProposalsTable, Transition
from functions.shared.states import ProposalState

Decision = Literal["approve", "reject"]
TARGET = {"approve": ProposalState.APPROVED, "reject": ProposalState.REJECTED}


@dataclass(frozen=True)
class Decider:
    proposals: ProposalsTable
    marks: CreatorMarks

    def decide(self, proposal_id: str, decision: Decision, comment: str | None, actor: str) -> dict[str, Any]:
        proposal = self.proposals.require(proposal_id)
        marks = self.marks.forms(proposal_id, actor)
        created_it = self.marks.recognises(proposal.get("creator_mark"), proposal_id, actor)  # also after erasure
        if created_it or proposal.get("created_by") == actor:
            raise Forbidden("four-eyes rule: nobody may decide on a proposal they created")
        now = iso(utc_now())
        updated = self.proposals.transition(
            Transition(
                proposal_id=proposal_id,
                source=ProposalState.RISK_PASSED,
                target=TARGET[decision],
                actor=actor,
                at=now,
                forbid_actor=actor,
                forbid_marks=marks,
                fields={"decision": decision, "decided_by": actor, "decided_at": now, "comment": comment or ""},
            )
        )
        return summary(updated)

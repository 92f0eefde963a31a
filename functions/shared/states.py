"""The proposal state machine: the states and the only transitions that may happen."""

from __future__ import annotations

from enum import StrEnum


class ProposalState(StrEnum):
    PROPOSED = "proposed"
    RISK_PASSED = "risk_passed"
    RISK_REJECTED = "risk_rejected"
    APPROVED = "approved"
    REJECTED = "rejected"
    EVALUATED = "evaluated"


TRANSITIONS: dict[ProposalState, frozenset[ProposalState]] = {
    ProposalState.PROPOSED: frozenset({ProposalState.RISK_PASSED, ProposalState.RISK_REJECTED}),
    ProposalState.RISK_PASSED: frozenset({ProposalState.APPROVED, ProposalState.REJECTED}),
    ProposalState.RISK_REJECTED: frozenset(),
    ProposalState.APPROVED: frozenset({ProposalState.EVALUATED}),
    ProposalState.REJECTED: frozenset({ProposalState.EVALUATED}),
    ProposalState.EVALUATED: frozenset(),
}

DECIDED = (ProposalState.APPROVED, ProposalState.REJECTED)


def is_legal(source: ProposalState, target: ProposalState) -> bool:
    return target in TRANSITIONS[source]

"""The orchestrator's REST routes: `/propose`, `/risk/check`, `/decision`, `/proposals/<id>`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from functions.orchestrator.decision import Decider
from functions.orchestrator.propose import Proposer, summary
from functions.orchestrator.risk import RiskChecker
from functions.shared.auth import READERS, Group, authorize
from functions.shared.clock import utc_now
from functions.shared.http import optional_body, parse_body
from functions.shared.proposals import ProposalsTable


def proposal_router(
    proposer: Proposer,
    checker: RiskChecker,
    decider: Decider,
    proposals: ProposalsTable,
    persistence: BasePersistenceLayer,
    decision_key: IdempotencyConfig,
    max_body_bytes: int,
) -> Router:
    router = Router()
    # The request models (pydantic) are imported by each route where it parses a request
    # (functions/orchestrator/requests.py): a cold start, and the routes that parse none, start without them.

    @idempotent_function(data_keyword_argument="command", config=decision_key, persistence_store=persistence)
    def decide_once(command: dict[str, Any]) -> dict[str, str]:
        """A retried identical decision succeeds again instead of a conflict. What is cached names nobody
        (the idempotency table is outside erasure's reach): the route reads the proposal afterwards."""
        decided = decider.decide(command["proposal_id"], command["decision"], command["comment"], command["actor"])
        return {"proposal_id": decided["proposal_id"]}

    @router.post("/propose")
    def post_propose() -> dict[str, Any]:
        from functions.orchestrator.requests import ProposeRequest

        caller = authorize(router.current_event, Group.ANALYST)
        request = optional_body(router.current_event, ProposeRequest, max_body_bytes)
        return proposer.run(caller.user_id, request.as_of or utc_now(), request.agent_id)

    @router.post("/risk/check")
    def post_risk_check() -> dict[str, Any]:
        from functions.orchestrator.requests import RiskCheckRequest

        caller = authorize(router.current_event, Group.ANALYST, Group.APPROVER)
        request = parse_body(router.current_event, RiskCheckRequest, max_body_bytes)
        return checker.check(request.proposal_id, caller.user_id)

    @router.post("/decision")
    def post_decision() -> dict[str, Any]:
        from functions.orchestrator.requests import DecisionRequest

        caller = authorize(router.current_event, Group.APPROVER)
        request = parse_body(router.current_event, DecisionRequest, max_body_bytes)
        decided = decide_once(command={**request.model_dump(), "actor": caller.user_id})
        return summary(proposals.require(decided["proposal_id"]))

    @router.get("/proposals/<proposal_id>")
    def get_proposal(proposal_id: str) -> dict[str, Any]:
        from functions.orchestrator.requests import RiskCheckRequest

        authorize(router.current_event, *READERS)
        RiskCheckRequest(proposal_id=proposal_id)
        return summary(proposals.require(proposal_id))

    return router

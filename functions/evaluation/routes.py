"""`POST /evaluate`, `GET /metrics`, `GET /dashboard/summary`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.evaluation.evaluate import Evaluator
from functions.evaluation.figures import Figures
from functions.shared.auth import READERS, Group, authorize
from functions.shared.clock import utc_now
from functions.shared.http import optional_body
from functions.shared.models import AsOf, RequestModel


class EvaluateRequest(RequestModel):
    as_of: AsOf = None


def evaluation_router(evaluator: Evaluator, figures: Figures, max_body_bytes: int) -> Router:
    router = Router()

    @router.post("/evaluate")
    def post_evaluate() -> dict[str, Any]:
        caller = authorize(router.current_event, Group.ANALYST)
        request = optional_body(router.current_event, EvaluateRequest, max_body_bytes)
        return evaluator.run(request.as_of or utc_now(), caller.user_id)

    @router.get("/metrics")
    def get_metrics() -> dict[str, Any]:
        authorize(router.current_event, *READERS)
        return figures.metrics()

    @router.get("/dashboard/summary")
    def get_summary() -> dict[str, Any]:
        authorize(router.current_event, *READERS)
        return figures.dashboard()

    return router

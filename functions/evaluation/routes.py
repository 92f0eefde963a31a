"""`POST /evaluate`, `GET /metrics`, `GET /dashboard/summary`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.evaluation.figures import Figures
from functions.shared.auth import READERS, Group, authorize
from functions.shared.clock import iso, utc_now
from functions.shared.http import optional_body
from functions.shared.jobs import Jobs, accepted


def evaluation_router(jobs: Jobs, figures: Figures, max_body_bytes: int) -> Router:
    router = Router()

    @router.post("/evaluate")
    def post_evaluate() -> Response:
        """A run may take longer than API Gateway waits: it is a job (202; `GET /jobs/{job_id}`)."""
        # The request model (pydantic) is loaded by the first `POST /evaluate`: `GET /metrics` and the dashboard
        # start without pydantic.
        from functions.evaluation.requests import EvaluateRequest

        caller = authorize(router.current_event, Group.ANALYST)
        request = optional_body(router.current_event, EvaluateRequest, max_body_bytes)
        payload = {"as_of": iso(request.as_of or utc_now()), "actor": caller.user_id}
        return accepted(jobs.start("evaluate", payload, caller.user_id))

    @router.get("/metrics")
    def get_metrics() -> dict[str, Any]:
        authorize(router.current_event, *READERS)
        return figures.metrics()

    @router.get("/dashboard/summary")
    def get_summary() -> dict[str, Any]:
        authorize(router.current_event, *READERS)
        return figures.dashboard()

    return router

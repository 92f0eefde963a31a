"""`POST /evaluate`, `GET /metrics`, `GET /dashboard/summary`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import AwareDatetime, field_validator

from functions.evaluation.evaluate import Evaluator
from functions.evaluation.figures import Figures
from functions.shared.auth import READERS, Group, authorize
from functions.shared.clock import utc_now
from functions.shared.http import optional_body
from functions.shared.models import RequestModel


class EvaluateRequest(RequestModel):
    as_of: AwareDatetime | None = None

    @field_validator("as_of")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > utc_now() + timedelta(minutes=5):
            raise ValueError("as_of must not be in the future")
        return value


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

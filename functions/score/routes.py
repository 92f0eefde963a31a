"""`POST /score`: score given text on demand (nothing is stored)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.score.scoring import Scorer
from functions.shared.auth import Group, authorize
from functions.shared.http import parse_body


def score_router(scorer: Scorer, max_body_bytes: int) -> Router:
    router = Router()

    @router.post("/score")
    def post_score() -> dict[str, Any]:
        # The request model (pydantic) is loaded by the first `POST /score`: the queue's path starts without it.
        from functions.score.requests import ScoreRequest

        authorize(router.current_event, Group.ANALYST)
        request = parse_body(router.current_event, ScoreRequest, max_body_bytes)
        analysis = scorer.analyse(request.title, request.text)
        entities = [{"entity_id": k, "mentions": v} for k, v in analysis["entities"].items()]
        return {"sentiment": analysis["sentiment"], "entities": entities, "model": analysis["model"]}

    return router

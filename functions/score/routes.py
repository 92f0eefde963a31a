"""`POST /score`: score given text on demand (nothing is stored)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import Field

from functions.score.scoring import Scorer
from functions.shared.auth import Group, authorize
from functions.shared.http import parse_body
from functions.shared.models import RequestModel


class ScoreRequest(RequestModel):
    title: str = Field(default="", max_length=1000)
    text: str = Field(min_length=1, max_length=20_000)


def score_router(scorer: Scorer, max_body_bytes: int) -> Router:
    router = Router()

    @router.post("/score")
    def post_score() -> dict[str, Any]:
        authorize(router.current_event, Group.ANALYST)
        request = parse_body(router.current_event, ScoreRequest, max_body_bytes)
        analysis = scorer.analyse(request.title, request.text)
        entities = [{"entity_id": k, "mentions": v} for k, v in analysis["entities"].items()]
        return {"sentiment": analysis["sentiment"], "entities": entities, "model": analysis["model"]}

    return router

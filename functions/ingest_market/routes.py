"""`POST /market/backfill`: an admin asks for the closes of a date range (202, a job)."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.ingest_market.job_kind import KIND
from functions.shared.auth import Group, authorize
from functions.shared.errors import BadRequest
from functions.shared.http import parse_body
from functions.shared.jobs import Jobs, accepted


def market_router(jobs: Jobs, tracked: Callable[[], list[str]], max_body_bytes: int) -> Router:
    router = Router()

    @router.post("/market/backfill")
    def post_backfill() -> Response:
        # The request model (pydantic) is loaded by the first backfill request, not at cold start.
        from functions.ingest_market.requests import BackfillRequest

        caller = authorize(router.current_event, Group.ADMIN)
        request = parse_body(router.current_event, BackfillRequest, max_body_bytes)
        known = tracked()
        symbols = list(dict.fromkeys(request.symbols)) if request.symbols else known
        unknown = [s for s in symbols if s not in known]
        if unknown:
            raise BadRequest(f"not tracked (no entity's symbol, no agent's benchmark): {', '.join(unknown[:10])}")
        if not symbols:
            raise BadRequest("no symbols are tracked yet: add tracked entities first")
        payload = {"symbols": symbols, "start": request.start.isoformat(), "end": request.end.isoformat()}
        return accepted(jobs.start(KIND, payload, caller.user_id))

    return router

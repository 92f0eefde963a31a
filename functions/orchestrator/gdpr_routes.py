"""`POST /gdpr/erase` (admin only): erase a source author's data or pseudonymise a user."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.shared.auth import authorize
from functions.shared.http import parse_body
from functions.shared.jobs import Jobs, accepted


def gdpr_router(jobs: Jobs, max_body_bytes: int) -> Router:
    """Erasure may take longer than API Gateway waits: it is a job (202; `GET /jobs/{job_id}`)."""
    router = Router()

    @router.post("/gdpr/erase")
    def post_erase() -> Response:
        # The request model (pydantic) is loaded by the first erasure request, not at cold start.
        from functions.orchestrator.gdpr_requests import EraseRequest

        caller = authorize(router.current_event)  # admin only
        request = parse_body(router.current_event, EraseRequest, max_body_bytes)
        if request.author_id is not None:
            return accepted(jobs.start("erase_author", {"author_ids": request.author_ids}, caller.user_id))
        return accepted(jobs.start("erase_user", {"user_id": request.user_id}, caller.user_id))

    return router

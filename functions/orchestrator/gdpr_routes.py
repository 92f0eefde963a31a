"""`POST /gdpr/erase` (admin only): erase a source author's data or pseudonymise a user."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import Field, model_validator

from functions.shared.auth import authorize
from functions.shared.http import parse_body
from functions.shared.ingestion.normalize import author_id
from functions.shared.jobs import Jobs, accepted
from functions.shared.models import RequestModel


class EraseRequest(RequestModel):
    author_id: str | None = Field(default=None, min_length=3, max_length=400, pattern=r"^[^:]+:.+$")
    """A source author as stored on signals, `<source>:<author>` (e.g. `reddit:some_user`)."""
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    """A Cognito user's `sub`."""

    @model_validator(mode="after")
    def _exactly_one(self) -> EraseRequest:
        if (self.author_id is None) == (self.user_id is None):
            raise ValueError("give exactly one of author_id or user_id")
        return self


def gdpr_router(jobs: Jobs, max_body_bytes: int) -> Router:
    """Erasure may take longer than API Gateway waits: it is a job (202; `GET /jobs/{job_id}`)."""
    router = Router()

    @router.post("/gdpr/erase")
    def post_erase() -> Response:
        caller = authorize(router.current_event)  # admin only
        request = parse_body(router.current_event, EraseRequest, max_body_bytes)
        if request.author_id is not None:
            source, _, author = request.author_id.partition(":")
            # the id as ingestion stores it (`reddit:Mallory_X` is kept as `reddit:mallory_x`)
            stored = author_id(source.casefold(), author)
            return accepted(jobs.start("erase_author", {"author_id": stored}, caller.user_id))
        return accepted(jobs.start("erase_user", {"user_id": request.user_id}, caller.user_id))

    return router

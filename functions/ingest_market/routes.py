"""`POST /market/backfill`: an admin asks for the closes of a date range (202, a job)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Self

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import Field, StringConstraints, model_validator

from functions.ingest_market.work import KIND
from functions.shared.auth import Group, authorize
from functions.shared.clock import utc_now
from functions.shared.errors import BadRequest
from functions.shared.http import parse_body
from functions.shared.jobs import Jobs, accepted
from functions.shared.market import SYMBOL_PATTERN
from functions.shared.models import Day, RequestModel
from functions.shared.trading_days import exchange_date

MAX_BACKFILL_DAYS = 366 * 20
MAX_SYMBOLS = 500

Symbol = Annotated[str, StringConstraints(pattern=SYMBOL_PATTERN)]


class BackfillRequest(RequestModel):
    start: Day
    end: Day
    symbols: tuple[Symbol, ...] | None = Field(default=None, min_length=1, max_length=MAX_SYMBOLS)
    """Default: every symbol the system tracks."""

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.start > self.end:
            raise ValueError("start must not be after end")
        if self.end > exchange_date(utc_now()):
            raise ValueError("end must not be in the future")
        if self.end - self.start > timedelta(days=MAX_BACKFILL_DAYS):
            raise ValueError(f"a backfill covers at most {MAX_BACKFILL_DAYS} days; split the range")
        return self


def market_router(jobs: Jobs, tracked: Callable[[], list[str]], max_body_bytes: int) -> Router:
    router = Router()

    @router.post("/market/backfill")
    def post_backfill() -> Response:
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

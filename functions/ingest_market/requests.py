"""The body of `POST /market/backfill` (a pydantic model: the route imports this module on its first request)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Self

from pydantic import Field, StringConstraints, model_validator

from functions.shared.clock import utc_now
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

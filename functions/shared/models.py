"""The base of every request model (unknown fields and non-finite numbers are refused) and the
field types several requests share."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

from functions.shared.clock import utc_now

# Clocks of callers may run a little ahead.
CLOCK_SKEW = timedelta(minutes=5)


def _not_in_future(value: datetime | None) -> datetime | None:
    if value is not None and value > utc_now() + CLOCK_SKEW:
        raise ValueError("as_of must not be in the future")
    return value


AsOf = Annotated[AwareDatetime | None, AfterValidator(_not_in_future)]
"""A point in time to compute as of; defaults to now where it is used."""


class RequestModel(BaseModel):
    # defer_build: a model's validator is built on its first use, not at import, so a cold start builds only
    # the models of the route it serves.
    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, str_strip_whitespace=True, frozen=True, defer_build=True
    )

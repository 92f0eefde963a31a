"""The base of every request model (unknown fields and non-finite numbers are refused) and the
field types several requests share."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainValidator, WithJsonSchema

from functions.shared.clock import checked, parse_day, parse_instant, utc_now

# Clocks of callers may run a little ahead.
CLOCK_SKEW = timedelta(minutes=5)


def _instant(value: Any) -> datetime:
    """Every time a request carries: an RFC 3339 string with its offset, within the clock's bounds, in UTC
    (a datetime built by a source parser passes the same check)."""
    if isinstance(value, datetime):
        return checked(value)
    return parse_instant(value)


Instant = Annotated[
    datetime, PlainValidator(_instant), WithJsonSchema({"type": "string", "format": "date-time"})
]
"""A point in time within `clock.EARLIEST` and `clock.LATEST`, in UTC; a 400 naming the field otherwise."""

Day = Annotated[date, PlainValidator(parse_day), WithJsonSchema({"type": "string", "format": "date"})]
"""A calendar day, `YYYY-MM-DD`, within the days of the clock's bounds."""


def _not_in_future(value: datetime | None) -> datetime | None:
    if value is not None and value > utc_now() + CLOCK_SKEW:
        raise ValueError("as_of must not be in the future")
    return value


AsOf = Annotated[Instant | None, AfterValidator(_not_in_future)]
"""A point in time to compute as of; defaults to now where it is used."""


class RequestModel(BaseModel):
    # defer_build: a model's validator is built on its first use, not at import, so a cold start builds only
    # the models of the route it serves.
    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, str_strip_whitespace=True, frozen=True, defer_build=True
    )

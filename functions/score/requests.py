"""The body of `POST /score` (a pydantic model: the route imports this module on its first request)."""

from __future__ import annotations

from pydantic import Field

from functions.shared.models import RequestModel


class ScoreRequest(RequestModel):
    title: str = Field(default="", max_length=1000)
    text: str = Field(min_length=1, max_length=20_000)

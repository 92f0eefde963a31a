"""The body of `POST /evaluate`."""

from __future__ import annotations

from functions.shared.models import AsOf, RequestModel


class EvaluateRequest(RequestModel):
    as_of: AsOf = None

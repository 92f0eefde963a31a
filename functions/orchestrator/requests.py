"""The bodies of `POST /propose`, `POST /risk/check` and `POST /decision`, and the proposal id of
`GET /proposals/<id>` (pydantic models: each route imports this module where it parses a request)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from functions.shared.models import AsOf, RequestModel

PROPOSAL_ID = r"^[0-9a-f]{32}$"


class ProposeRequest(RequestModel):
    agent_id: str | None = Field(default=None, min_length=1, max_length=64)
    as_of: AsOf = None


class RiskCheckRequest(RequestModel):
    proposal_id: str = Field(pattern=PROPOSAL_ID)


class DecisionRequest(RequestModel):
    proposal_id: str = Field(pattern=PROPOSAL_ID)
    decision: Literal["approve", "reject"]
    comment: str | None = Field(default=None, max_length=2000)

"""The path of `GET /jobs/{job_id}` as a request model: a malformed id is a 400 naming `job_id`."""

from __future__ import annotations

from pydantic import Field

from functions.shared.jobs import JOB_ID
from functions.shared.models import RequestModel


class JobId(RequestModel):
    job_id: str = Field(pattern=JOB_ID)

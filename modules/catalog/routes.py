"""The REST routes of the API and the function behind each, as plain data.

Read from the handlers' routers (`functions/*/routes.py`, `functions/shared/health.py`, ...): a route
added to a function is added here too, or the API answers it with 403 Missing Authentication Token.
`modules.catalog.openapi` renders these into the OpenAPI document that defines the REST API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from modules.catalog import functions as fn


class Access(StrEnum):
    PUBLIC = "public"
    """No authorizer and no API key: liveness probes only; the handler touches no data."""
    USER = "user"
    """Cognito user-pool token and API key; the function checks the caller's groups."""


@dataclass(frozen=True)
class Route:
    method: str
    """HTTP method in upper case."""
    path: str
    """OpenAPI path; parameters as `{name}`."""
    function: str
    """Catalog name of the function that serves it."""
    summary: str
    access: Access = Access.USER
    body: bool = False
    """Requires a JSON object body (validated by API Gateway before the function runs)."""
    job: bool = False
    """Starts a job (`functions/shared/jobs.py`): answers 202 with a Location to read it at."""

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(part[1:-1] for part in self.path.split("/") if part.startswith("{"))

    @property
    def source_path(self) -> str:
        """The path as it appears in an execute-api source ARN (parameters become `*`)."""
        return "/".join("*" if part.startswith("{") else part for part in self.path.split("/"))


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", fn.ORCHESTRATOR.name, "Liveness of the API", access=Access.PUBLIC),
    Route("GET", "/metrics", fn.EVALUATION.name, "System figures"),
    Route("POST", "/ingest/social", fn.INGEST_SOCIAL.name, "Ingest social media posts", body=True),
    Route("POST", "/ingest/news", fn.INGEST_NEWS.name, "Ingest news articles", body=True),
    Route("POST", "/score", fn.SCORE.name, "Score documents", body=True),
    Route("POST", "/propose", fn.ORCHESTRATOR.name, "Create investment proposals"),
    Route("POST", "/risk/check", fn.ORCHESTRATOR.name, "Risk-check a proposal", body=True),
    Route("POST", "/decision", fn.ORCHESTRATOR.name, "Approve or reject a proposal", body=True),
    Route("GET", "/proposals/{proposal_id}", fn.ORCHESTRATOR.name, "One proposal"),
    Route("POST", "/gdpr/erase", fn.ORCHESTRATOR.name, "Start erasing a source author's or a user's data (202, job)",
          body=True, job=True),
    Route("POST", "/evaluate", fn.EVALUATION.name, "Start evaluating decided proposals (202, job)", job=True),
    Route("POST", "/market/backfill", fn.INGEST_MARKET.name,
          "Start ingesting daily closes for a date range (202, job)", body=True, job=True),
    Route("GET", "/jobs/{job_id}", fn.ORCHESTRATOR.name, "State and result of a job"),
    Route("GET", "/dashboard/summary", fn.EVALUATION.name, "Dashboard summary"),
)

CORS_ORIGINS_VARIABLE = "CORS_ALLOWED_ORIGINS"
"""Carries the environment's `cors_origins` to every function behind a REST route (`functions/shared/cors.py`)."""

# The WebSocket API: route keys served by the streaming function; `action` in the message selects one.
WEBSOCKET_ROUTE_SELECTION = "$request.body.action"
WEBSOCKET_ROUTES: tuple[str, ...] = ("$connect", "$disconnect", "subscribe")
WEBSOCKET_FUNCTION = fn.STREAMING.name
WEBSOCKET_TOKEN_QUERY_PARAMETER = "token"
"""Browsers cannot set headers on a WebSocket upgrade: the Cognito token travels in the query string."""


def rest_functions() -> tuple[str, ...]:
    """Functions behind at least one REST route, in catalog order."""
    used = {r.function for r in ROUTES}
    return tuple(name for name in fn.FUNCTION_NAMES if name in used)
WEBSOCKET_AUTHORIZER_FUNCTION = "ws-authorizer"
"""The Lambda REQUEST authorizer of $connect (`functions/authorizer`): verifies the Cognito token."""

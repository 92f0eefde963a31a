"""CORS on the functions' own REST responses.

With Lambda proxy integrations API Gateway passes the function's response through untouched: only the
preflight (a mock integration in the OpenAPI document) and the gateway's own errors get CORS headers
from the API. Every response of the functions therefore carries them itself: `Access-Control-Allow-Origin`
naming the request's origin when it is one of the environment's origins (`CORS_ALLOWED_ORIGINS`, set by
the compute stack from the same setting that builds the preflight), nothing for any other origin, and
`Vary: Origin` always, so that no cache hands one origin's answer to another.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig

from functions.shared import settings as env

# The preflight allows the same request headers (modules/catalog/openapi.py, CORS_ALLOW_HEADERS).
MAX_AGE_SECONDS = 600


def allowed_origins() -> tuple[str, ...]:
    origins = env.require_list("CORS_ALLOWED_ORIGINS")
    if "*" in origins:
        raise env.SettingError("environment variable CORS_ALLOWED_ORIGINS must name origins, not '*'")
    return origins


class CorsRestResolver(APIGatewayRestResolver):
    """The REST resolver with the environment's origins; adds `Vary: Origin` to every response."""

    def __init__(self, *, origins: tuple[str, ...], **kwargs: Any) -> None:
        first, *extra = origins
        super().__init__(cors=CORSConfig(allow_origin=first, extra_origins=extra, max_age=MAX_AGE_SECONDS), **kwargs)

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = super().resolve(event, context)
        headers = response.get("multiValueHeaders")
        if headers is not None:
            headers["Vary"] = [*headers.get("Vary", []), "Origin"]
        else:
            response.setdefault("headers", {})["Vary"] = "Origin"
        return response


def rest_resolver(**kwargs: Any) -> CorsRestResolver:
    return CorsRestResolver(origins=allowed_origins(), **kwargs)

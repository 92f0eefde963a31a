"""Browsers can read every REST answer from an allowed origin and nothing from any other.

API Gateway's proxy integrations pass the functions' responses through untouched, so the handlers set
the CORS headers themselves, from the origins the compute stack gives them (the environment's
`cors_origins`, which also build the preflight).
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.event_handler.api_gateway import Router
from conftest import handler_module
from fn_events import rest

from functions.shared.cors import MAX_AGE_SECONDS, CorsRestResolver
from functions.shared.http import build_resolver
from modules.catalog.functions import FUNCTIONS
from modules.catalog.openapi import CORS_ALLOW_HEADERS, CORS_MAX_AGE_SECONDS
from modules.catalog.routes import ROUTES
from modules.config import load_environment

PACKAGES = {spec.name: spec.package for spec in FUNCTIONS}
ALLOWED = load_environment("dev", env={}).cors_origins[0]
# Bodies that reach the function (API Gateway has validated that they are JSON objects).
BODY = "{}"


def _request(route_method: str, path: str, origin: str | None, body: str | None = None) -> dict[str, Any]:
    event = rest(route_method, path, raw=body)
    if origin is not None:
        event["headers"]["Origin"] = origin
        event["multiValueHeaders"]["Origin"] = [origin]
    return event


def _headers(response: dict[str, Any]) -> dict[str, list[str]]:
    return {k.lower(): v for k, v in response["multiValueHeaders"].items()}


def _concrete(path: str) -> str:
    return path.replace("{proposal_id}", "0123456789abcdef0123456789abcdef")


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
def test_every_route_answers_an_allowed_origin_with_cors_headers_and_others_without(
        seeded, context, route) -> None:
    module = handler_module(PACKAGES[route.function])
    body = BODY if route.body else None
    allowed = _headers(module.handler(_request(route.method, _concrete(route.path), ALLOWED, body), context))
    assert allowed["access-control-allow-origin"] == [ALLOWED]
    assert "Origin" in allowed["vary"]
    # The answer agrees with the preflight that API Gateway gives for the same path.
    assert set(allowed["access-control-allow-headers"][0].split(",")) == set(CORS_ALLOW_HEADERS)
    assert allowed["access-control-max-age"] == [str(CORS_MAX_AGE_SECONDS)] == [str(MAX_AGE_SECONDS)]

    for origin in ("https://evil.example", ALLOWED + ".evil.example", None):
        other = _headers(module.handler(_request(route.method, _concrete(route.path), origin, body), context))
        assert not [h for h in other if h.startswith("access-control-")], origin
        assert "Origin" in other["vary"]


@pytest.mark.parametrize("package", sorted({PACKAGES[r.function] for r in ROUTES}))
def test_an_unknown_route_answers_with_the_same_headers(seeded, context, package: str) -> None:
    module = handler_module(package)
    missing = module.handler(_request("GET", "/no/such/route", ALLOWED), context)
    assert missing["statusCode"] == 404
    assert _headers(missing)["access-control-allow-origin"] == [ALLOWED]


def test_with_several_origins_each_gets_its_own_name_back_and_only_its_own(environment) -> None:
    router = Router()

    @router.get("/thing")
    def thing() -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/broken")
    def broken() -> dict[str, str]:
        raise RuntimeError("boom")

    app = build_resolver(router)
    assert isinstance(app, CorsRestResolver)
    several = CorsRestResolver(origins=("https://a.example", "https://b.example"))
    several.include_router(router)
    for origin in ("https://a.example", "https://b.example"):
        answer = _headers(several.resolve(_request("GET", "/thing", origin), {}))
        assert answer["access-control-allow-origin"] == [origin]
    refused = _headers(several.resolve(_request("GET", "/thing", "https://c.example"), {}))
    assert "access-control-allow-origin" not in refused and refused["vary"] == ["Origin"]
    failed = app.resolve(_request("GET", "/broken", ALLOWED), {})
    assert failed["statusCode"] == 500 and _headers(failed)["access-control-allow-origin"] == [ALLOWED]

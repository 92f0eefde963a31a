"""The OpenAPI builder on its own: the rules it enforces whatever the environment says."""

from __future__ import annotations

import json

import pytest

from modules.catalog.openapi import openapi_document, render
from modules.catalog.routes import ROUTES, rest_functions

ARNS = {name: f"arn:invoke:{name}" for name in rest_functions()}


def build(origins: tuple[str, ...]) -> dict:
    return openapi_document(title="t", invoke_arns=ARNS, user_pool_arn="arn:pool", cors_origins=origins)


@pytest.mark.parametrize("origins", [(), ("*",), ("https://a.example", "*")])
def test_cors_needs_an_explicit_origin_list(origins) -> None:
    with pytest.raises(ValueError, match="explicit list of origins"):
        build(origins)


def test_every_route_needs_its_function() -> None:
    missing = dict(ARNS)
    missing.pop(ROUTES[0].function)
    with pytest.raises(ValueError, match=ROUTES[0].function):
        openapi_document(title="t", invoke_arns=missing, user_pool_arn="arn:pool", cors_origins=("https://a",))


def test_several_origins_are_echoed_only_when_listed() -> None:
    doc = build(("https://a.example", "https://b.example"))
    response = doc["paths"]["/score"]["options"]["x-amazon-apigateway-integration"]["responses"]["default"]
    assert "method.response.header.Access-Control-Allow-Origin" not in response["responseParameters"]
    template = response["responseTemplates"]["application/json"]
    assert '$origin == "https://a.example" || $origin == "https://b.example"' in template
    assert doc["x-amazon-apigateway-gateway-responses"] == {}


def test_rendering_is_stable() -> None:
    doc = build(("https://a.example",))
    assert render(doc) == render(json.loads(render(doc)))
    assert len({op["operationId"] for ops in doc["paths"].values() for op in ops.values()}) == sum(
        len(ops) for ops in doc["paths"].values())


def test_the_market_backfill_route_is_an_authenticated_post_with_a_body() -> None:
    operation = build(("https://a.example",))["paths"]["/market/backfill"]["post"]
    assert operation["operationId"] == "postMarketBackfill"
    assert operation["x-amazon-apigateway-integration"]["uri"] == "arn:invoke:ingest-market"
    assert operation["requestBody"]["required"] is True and operation["security"]


def test_routes_that_start_a_job_document_202_with_the_location_to_read_it() -> None:
    doc = build(("https://a.example",))
    jobs = {(r.method.lower(), r.path) for r in ROUTES if r.job}
    assert jobs == {("post", "/gdpr/erase"), ("post", "/evaluate"), ("post", "/market/backfill")}
    for method, path in jobs:
        responses = doc["paths"][path][method]["responses"]
        assert set(responses) == {"202"} and "Location" in responses["202"]["headers"]
    assert doc["paths"]["/metrics"]["get"]["responses"] == {"200": {"description": "Success"}}

"""A bounded schemathesis run against the project's own OpenAPI document, through the local gateway
(fn_gateway): whatever it sends to any route, no function answers with a 5xx."""

from __future__ import annotations

import schemathesis
from fn_gateway import gateway
from hypothesis import HealthCheck, settings

schema = schemathesis.openapi.from_wsgi("/openapi.json", gateway)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_route_answers_5xx(case, seeded):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"

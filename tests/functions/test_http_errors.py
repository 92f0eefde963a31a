"""The resolver's error mapping (functions/shared/http.py): pydantic's ValidationError is recognised through
its base class, ValueError, so the cold start need not load pydantic_core; any other ValueError stays an
unexpected error (500, logged), as it was when the handler was registered for ValidationError itself."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from conftest import FakeContext
from fn_events import rest


def _resolver() -> Any:
    from functions.shared.errors import BadRequest
    from functions.shared.http import build_resolver, parse_body
    from functions.shared.models import RequestModel

    class Body(RequestModel):
        count: int

    router = Router()

    @router.post("/invalid")
    def invalid() -> dict[str, Any]:
        return {"count": parse_body(router.current_event, Body).count}

    @router.post("/value-error")
    def value_error() -> dict[str, Any]:
        raise ValueError("a bug, not a bad request")

    @router.post("/bad-request")
    def bad_request() -> dict[str, Any]:
        raise BadRequest("name the field")

    return build_resolver(router)


def _call(path: str, body: Any) -> tuple[int, dict[str, Any]]:
    response = _resolver().resolve(rest("POST", path, body), FakeContext())
    return response["statusCode"], json.loads(response["body"])


def test_a_validation_error_is_a_400_naming_the_field(environment):
    status, body = _call("/invalid", {"count": "many"})
    assert status == 400
    assert body["error"] == "validation_error"
    assert [d["field"] for d in body["details"]] == ["count"]


def test_any_other_value_error_is_an_unexpected_500(environment, caplog):
    status, body = _call("/value-error", {})
    assert status == 500
    assert body["error"] == "internal_error"
    assert "a bug" not in json.dumps(body)


def test_an_api_error_keeps_its_own_status(environment):
    status, body = _call("/bad-request", {})
    assert (status, body["error"], body["message"]) == (400, "bad_request", "name the field")

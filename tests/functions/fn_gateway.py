"""A small local stand-in for API Gateway's REST API: a WSGI app that serves the project's OpenAPI
document and turns each request into the Lambda proxy event of the function behind its route (catalog
routes; Cognito claims of a signed-in admin), then the function's answer into the HTTP response."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from conftest import FakeContext, handler_module
from fn_events import load

from modules.catalog.functions import FUNCTIONS
from modules.catalog.openapi import openapi_document
from modules.catalog.routes import ROUTES, Route, rest_functions

PACKAGES = {spec.name: spec.package for spec in FUNCTIONS}
ADMIN = "44444444-5555-6666-7777-888888888888"
STATUS_TEXT = {200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}


def document() -> dict[str, Any]:
    """The deployed document, without the preflights (mock integrations that no function serves)."""
    doc = openapi_document(
        title="local", invoke_arns={name: name for name in rest_functions()},
        user_pool_arn="arn:aws:cognito-idp:eu-central-1:123456789012:userpool/local",
        cors_origins=["https://app.example.com"],
    )
    for operations in doc["paths"].values():
        operations.pop("options", None)
    return doc


def _pattern(route: Route) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route.path))
    return re.compile(f"^{regex}$")


ROUTE_PATTERNS = [(route, _pattern(route)) for route in ROUTES]


def proxy_event(route: Route, method: str, path: str, parameters: dict[str, str], query: str, body: bytes,
                headers: dict[str, str]) -> dict[str, Any]:
    event = load("rest_request.json")
    event.update({
        "resource": route.path, "path": path, "httpMethod": method, "headers": headers,
        "pathParameters": parameters or None,
        "body": body.decode("utf-8", errors="surrogateescape") if body else None,
        "queryStringParameters": dict(p.split("=", 1) for p in query.split("&") if "=" in p) or None,
    })
    event["requestContext"].update({"httpMethod": method, "resourcePath": route.path, "requestId": str(uuid.uuid4())})
    event["requestContext"]["authorizer"]["claims"].update({"sub": ADMIN, "cognito:groups": "admin"})
    return event


def gateway(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
    if path == "/openapi.json":
        return _answer(start_response, 200, json.dumps(document()).encode(), {})
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
    for route, pattern in ROUTE_PATTERNS:
        match = pattern.match(path)
        if match and route.method == method:
            event = proxy_event(route, method, path, match.groupdict(), environ.get("QUERY_STRING", ""), body,
                                headers)
            response = handler_module(PACKAGES[route.function]).handler(event, FakeContext())
            answer = (response.get("body") or "").encode("utf-8", errors="surrogateescape")
            return _answer(start_response, response["statusCode"], answer, {})
    # API Gateway's answer for a method or path that no route serves
    return _answer(start_response, 403, b'{"message": "Missing Authentication Token"}', {})


def _answer(start_response: Callable[..., Any], status: int, body: bytes, headers: dict[str, str]) -> list[bytes]:
    start_response(f"{status} {STATUS_TEXT.get(status, 'Status')}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers.items()])
    return [body]

"""The OpenAPI 3 document that defines the REST API, with API Gateway's extensions.

One document carries routes, integrations, authorizers, request validation and CORS, so that what
the API does is reviewable in one place and the tests read the same document that is deployed.
Plain Python: ARNs come in as strings (Terraform references at synthesis time).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from modules.catalog.routes import ROUTES, Access, Route

COGNITO = "CognitoUserPool"
API_KEY = "ApiKey"
VALIDATOR = "body-and-parameters"
JSON_OBJECT = "JsonObject"
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "X-Api-Key")
CORS_MAX_AGE_SECONDS = 600
# API Gateway's own limit for Lambda integrations; the functions' own timeouts are shorter or equal.
INTEGRATION_TIMEOUT_MS = 29_000


def openapi_document(*, title: str, invoke_arns: Mapping[str, str], user_pool_arn: str,
                     cors_origins: Sequence[str], routes: Sequence[Route] = ROUTES) -> dict[str, Any]:
    """The REST API definition: every route proxies to its function's `invoke_arns[name]`."""
    if not cors_origins or "*" in cors_origins:
        raise ValueError("CORS needs an explicit list of origins; '*' is not allowed")
    missing = sorted({r.function for r in routes} - set(invoke_arns))
    if missing:
        raise ValueError(f"no invoke ARN for functions {', '.join(missing)}")
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, invoke_arns[route.function])
    for path, operations in paths.items():
        methods = sorted({m.upper() for m in operations} | {"OPTIONS"})
        operations["options"] = _preflight(path, methods, cors_origins)
    return {
        "openapi": "3.0.1",
        "info": {"title": title, "version": "1.0"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                COGNITO: {
                    "type": "apiKey", "name": "Authorization", "in": "header",
                    "x-amazon-apigateway-authtype": "cognito_user_pools",
                    "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools",
                                                       "providerARNs": [user_pool_arn]},
                },
                API_KEY: {"type": "apiKey", "name": "x-api-key", "in": "header"},
            },
            "schemas": {JSON_OBJECT: {"type": "object"}},
        },
        "x-amazon-apigateway-api-key-source": "HEADER",
        "x-amazon-apigateway-request-validators": {
            VALIDATOR: {"validateRequestBody": True, "validateRequestParameters": True},
        },
        "x-amazon-apigateway-request-validator": VALIDATOR,
        "x-amazon-apigateway-gateway-responses": _gateway_responses(cors_origins),
    }


def render(document: Mapping[str, Any]) -> str:
    """Stable JSON text: the same definition always gives the same bytes (and the same deployment hash)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def _operation(route: Route, invoke_arn: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": _operation_id(route),
        "summary": route.summary,
        "responses": _JOB_RESPONSES if route.job else {"200": {"description": "Success"}},
        # Every method is authenticated and metered, except the liveness probe.
        "security": [] if route.access is Access.PUBLIC else [{COGNITO: [], API_KEY: []}],
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": invoke_arn,
            "passthroughBehavior": "when_no_match", "timeoutInMillis": INTEGRATION_TIMEOUT_MS,
        },
    }
    if route.path_parameters:
        operation["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                                   for p in route.path_parameters]
    if route.body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{JSON_OBJECT}"}}}}
    return operation


_JOB_RESPONSES = {"202": {
    "description": "Accepted: the job's state and result are read at the Location (GET /jobs/{job_id})",
    "headers": {"Location": {"schema": {"type": "string"}, "description": "/jobs/{job_id}"}},
}}


def _operation_id(route: Route) -> str:
    words = [w.strip("{}") for w in route.path.replace("-", "/").replace("_", "/").split("/") if w]
    return route.method.lower() + "".join(w[:1].upper() + w[1:] for w in words)


def _preflight(path: str, methods: list[str], origins: Sequence[str]) -> dict[str, Any]:
    """CORS preflight: a mock integration, unauthenticated (browsers send no credentials with it)."""
    headers = {
        "Access-Control-Allow-Headers": f"'{','.join(CORS_ALLOW_HEADERS)}'",
        "Access-Control-Allow-Methods": f"'{','.join(methods)}'",
        "Access-Control-Max-Age": f"'{CORS_MAX_AGE_SECONDS}'",
        "Vary": "'Origin'",
    }
    response: dict[str, Any] = {"statusCode": "200"}
    if len(origins) == 1:
        headers["Access-Control-Allow-Origin"] = f"'{origins[0]}'"
    else:
        # Several origins: echo the request's Origin only when it is on the list.
        allowed = " || ".join(f'$origin == "{o}"' for o in origins)
        response["responseTemplates"] = {"application/json": (
            '#set($origin = $input.params().header.get("Origin"))\n'
            f"#if({allowed})\n"
            "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end\n")}
    response["responseParameters"] = {f"method.response.header.{k}": v for k, v in headers.items()}
    return {
        "operationId": "preflight" + _operation_id(Route("GET", path, "", ""))[3:],
        "summary": "CORS preflight",
        "security": [],
        "responses": {"200": {"description": "CORS preflight", "headers": {
            name: {"schema": {"type": "string"}} for name in [*headers, "Access-Control-Allow-Origin"]}}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "when_no_match",
            "responses": {"default": response},
        },
    }


def _gateway_responses(origins: Sequence[str]) -> dict[str, Any]:
    """Errors produced by API Gateway itself (401 from the authorizer, 429 from throttling) carry CORS
    headers too, so browsers show the real status instead of a CORS failure. A static header can name
    one origin only; with several, these responses go without it."""
    if len(origins) != 1:
        return {}
    parameters = {"gatewayresponse.header.Access-Control-Allow-Origin": f"'{origins[0]}'",
                  "gatewayresponse.header.Vary": "'Origin'"}
    return {kind: {"responseParameters": parameters} for kind in ("DEFAULT_4XX", "DEFAULT_5XX")}

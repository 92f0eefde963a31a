"""Properties of the API stack in every environment, read from the synthesized Terraform JSON."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from modules.catalog.functions import INGEST_MARKET
from modules.catalog.openapi import API_KEY, COGNITO, VALIDATOR
from modules.catalog.routes import CORS_ORIGINS_VARIABLE, ROUTES, WEBSOCKET_ROUTES, Access
from modules.config import ENVIRONMENT_NAMES, load_environment
from tests.support.iam import role_policies
from tests.support.synthesized import resources, stack_json

HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head"}


def one(stack: dict[str, Any], rtype: str) -> tuple[str, dict[str, Any]]:
    (item,) = resources(stack, rtype).items()
    return item


def ref(rtype: str, address: str, attribute: str) -> str:
    return f"${{{rtype}.{address}.{attribute}}}"


@pytest.fixture(scope="module", params=ENVIRONMENT_NAMES)
def env(request, synth_root) -> tuple[str, dict[str, Any]]:
    return request.param, stack_json(request.param, "api")


def document(stack: dict[str, Any]) -> dict[str, Any]:
    _, api = one(stack, "aws_api_gateway_rest_api")
    return json.loads(api["body"])


def test_the_document_serves_every_catalog_route_through_its_function(env) -> None:
    _, stack = env
    paths = document(stack)["paths"]
    for route in ROUTES:
        operation = paths[route.path][route.method.lower()]
        integration = operation["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy" and integration["httpMethod"] == "POST"
        assert f"Function-{route.function}_" in integration["uri"] and integration["uri"].endswith("invoke_arn}")
    served = {(p, m.upper()) for p, ops in paths.items() for m in ops if m in HTTP_METHODS}
    assert served == {(r.path, r.method) for r in ROUTES}


def test_every_method_but_health_and_preflight_needs_a_cognito_token_and_the_api_key(env) -> None:
    _, stack = env
    doc = document(stack)
    schemes = doc["components"]["securitySchemes"]
    assert schemes[COGNITO]["x-amazon-apigateway-authorizer"]["type"] == "cognito_user_pools"
    (pool_arn,) = schemes[COGNITO]["x-amazon-apigateway-authorizer"]["providerARNs"]
    assert "cognito_user_pool" in pool_arn and "remote_state" in pool_arn
    assert schemes[API_KEY] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert doc["x-amazon-apigateway-api-key-source"] == "HEADER"
    public = {(r.path, r.method.lower()) for r in ROUTES if r.access is Access.PUBLIC}
    assert public == {("/health", "get")}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method == "options" or (path, method) in public:
                assert operation["security"] == [], f"{method} {path}"
            else:
                assert operation["security"] == [{COGNITO: [], API_KEY: []}], f"{method} {path}"


def test_requests_are_validated_and_bodies_must_be_json_objects(env) -> None:
    _, stack = env
    doc = document(stack)
    assert doc["x-amazon-apigateway-request-validator"] == VALIDATOR
    assert doc["x-amazon-apigateway-request-validators"][VALIDATOR] == {
        "validateRequestBody": True, "validateRequestParameters": True}
    for route in ROUTES:
        operation = doc["paths"][route.path][route.method.lower()]
        body = operation.get("requestBody")
        assert (body is not None and body["required"] is True) is route.body, route.path
        for parameter in route.path_parameters:
            assert {"name": parameter, "in": "path", "required": True, "schema": {"type": "string"}} in (
                operation["parameters"])


def test_cors_allows_exactly_the_environment_origins(env) -> None:
    env_name, stack = env
    origins = load_environment(env_name, env={}).cors_origins
    assert origins and "*" not in origins
    doc = document(stack)
    for path, operations in doc["paths"].items():
        preflight = operations["options"]
        assert preflight["x-amazon-apigateway-integration"]["type"] == "mock"
        headers = preflight["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == f"'{origins[0]}'", path
        methods = headers["method.response.header.Access-Control-Allow-Methods"].strip("'").split(",")
        assert set(methods) == {m.upper() for m in operations}, path
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        parameters = doc["x-amazon-apigateway-gateway-responses"][kind]["responseParameters"]
        assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == f"'{origins[0]}'"
    assert "'*'" not in json.dumps(doc)


def test_a_change_of_the_definition_redeploys_and_only_then(env) -> None:
    _, stack = env
    api_address, _ = one(stack, "aws_api_gateway_rest_api")
    _, deployment = one(stack, "aws_api_gateway_deployment")
    assert deployment["triggers"] == {"definition": f"${{sha1(aws_api_gateway_rest_api.{api_address}.body)}}"}
    assert deployment["lifecycle"]["create_before_destroy"] is True


def test_the_usage_plan_meters_the_key_with_the_environment_limits(env) -> None:
    env_name, stack = env
    throttle = load_environment(env_name, env={}).api_throttle
    plan_address, plan = one(stack, "aws_api_gateway_usage_plan")
    stage_address, _ = one(stack, "aws_api_gateway_stage")
    assert plan["throttle_settings"] == {"rate_limit": throttle.rate_limit, "burst_limit": throttle.burst_limit}
    assert plan["quota_settings"] == {"limit": throttle.quota_per_day, "period": "DAY"}
    assert plan["api_stages"] == [{"api_id": ref("aws_api_gateway_rest_api", one(stack, "aws_api_gateway_rest_api")[0],
                                                 "id"),
                                   "stage": ref("aws_api_gateway_stage", stage_address, "stage_name")}]
    key_address, key = one(stack, "aws_api_gateway_api_key")
    assert key["enabled"] is True and "value" not in key
    _, link = one(stack, "aws_api_gateway_usage_plan_key")
    assert link == {**link, "key_id": ref("aws_api_gateway_api_key", key_address, "id"), "key_type": "API_KEY",
                    "usage_plan_id": ref("aws_api_gateway_usage_plan", plan_address, "id")}


def test_the_stage_logs_traces_and_throttles_every_method(env) -> None:
    env_name, stack = env
    config = load_environment(env_name, env={})
    _, stage = one(stack, "aws_api_gateway_stage")
    assert stage["xray_tracing_enabled"] is True
    assert stage["stage_name"] == env_name
    _, settings = one(stack, "aws_api_gateway_method_settings")
    assert settings["method_path"] == "*/*"
    assert settings["settings"] == {
        "logging_level": "ERROR" if config.is_production else "INFO", "metrics_enabled": True,
        "data_trace_enabled": False, "throttling_rate_limit": config.api_throttle.rate_limit,
        "throttling_burst_limit": config.api_throttle.burst_limit}
    _, ws_stage = one(stack, "aws_apigatewayv2_stage")
    route_settings = ws_stage["default_route_settings"]
    assert route_settings["data_trace_enabled"] is False and route_settings["logging_level"] in ("ERROR", "INFO")
    assert route_settings["throttling_rate_limit"] == config.api_throttle.rate_limit
    assert route_settings["throttling_burst_limit"] == config.api_throttle.burst_limit


def test_access_logs_are_json_into_retained_encrypted_log_groups(env) -> None:
    env_name, stack = env
    retention = load_environment(env_name, env={}).log_retention_days
    assert retention == 30
    groups = resources(stack, "aws_cloudwatch_log_group")
    for group in groups.values():
        assert group["retention_in_days"] == retention
        assert "kms_key" in group["kms_key_id"] and "remote_state" in group["kms_key_id"]
    by_arn = {ref("aws_cloudwatch_log_group", address, "arn"): g for address, g in groups.items()}
    for rtype in ("aws_api_gateway_stage", "aws_apigatewayv2_stage"):
        _, stage = one(stack, rtype)
        settings = stage["access_log_settings"]
        assert settings["destination_arn"] in by_arn, rtype
        fields = json.loads(settings["format"])
        assert fields["requestId"] == "$context.requestId" and "status" in fields
        assert not [v for v in fields.values() if "querystring" in v.lower() or "header" in v.lower()]
    names = {g["name"] for g in groups.values()}
    rest_address, _ = one(stack, "aws_api_gateway_rest_api")
    assert f"API-Gateway-Execution-Logs_${{aws_api_gateway_rest_api.{rest_address}.id}}/{env_name}" in names
    ws_address, _ = one(stack, "aws_apigatewayv2_api")
    assert f"/aws/apigateway/${{aws_apigatewayv2_api.{ws_address}.id}}/{env_name}" in names


def test_no_environment_manages_the_account_level_api_gateway_setting(env) -> None:
    """One value per account and region, owned by `aiinv bootstrap`."""
    _env_name, stack = env
    assert not resources(stack, "aws_api_gateway_account")
    assert not resources(stack, "aws_iam_role")


def test_api_gateway_may_invoke_functions_only_from_this_api_and_stage(env) -> None:
    env_name, stack = env
    rest_address, _ = one(stack, "aws_api_gateway_rest_api")
    ws_address, _ = one(stack, "aws_apigatewayv2_api")
    rest_arn = ref("aws_api_gateway_rest_api", rest_address, "execution_arn")
    ws_arn = ref("aws_apigatewayv2_api", ws_address, "execution_arn")
    permissions = resources(stack, "aws_lambda_permission").values()
    sources = set()
    for permission in permissions:
        assert permission["principal"] == "apigateway.amazonaws.com"
        assert permission["action"] == "lambda:InvokeFunction"
        sources.add(permission["source_arn"])
    expected = {f"{rest_arn}/{env_name}/{r.method}{r.source_path}" for r in ROUTES}
    authorizer_address, _ = one(stack, "aws_apigatewayv2_authorizer")
    expected |= {f"{ws_arn}/{env_name}/*",
                 f"{ws_arn}/authorizers/{ref('aws_apigatewayv2_authorizer', authorizer_address, 'id')}"}
    assert sources == expected


def test_the_market_backfill_route_reaches_ingest_market_from_that_route_only(env) -> None:
    env_name, stack = env
    operation = document(stack)["paths"]["/market/backfill"]["post"]
    assert f"Function-{INGEST_MARKET.name}_" in operation["x-amazon-apigateway-integration"]["uri"]
    assert operation["requestBody"]["required"] is True
    assert operation["security"] == [{COGNITO: [], API_KEY: []}]
    rest_address, _ = one(stack, "aws_api_gateway_rest_api")
    sources = [p["source_arn"] for p in resources(stack, "aws_lambda_permission").values()
               if f"Function-{INGEST_MARKET.name}_" in p["function_name"]]
    execution_arn = ref("aws_api_gateway_rest_api", rest_address, "execution_arn")
    assert sources == [f"{execution_arn}/{env_name}/POST/market/backfill"]


def test_the_websocket_api_authorizes_connect_with_a_lambda_request_authorizer(env) -> None:
    _, stack = env
    _, api = one(stack, "aws_apigatewayv2_api")
    assert api["protocol_type"] == "WEBSOCKET"
    authorizer_address, authorizer = one(stack, "aws_apigatewayv2_authorizer")
    assert authorizer["authorizer_type"] == "REQUEST"
    assert authorizer["identity_sources"] == ["route.request.querystring.token"]
    assert "ws-authorizer" in authorizer["authorizer_uri"]
    routes = {r["route_key"]: r for r in resources(stack, "aws_apigatewayv2_route").values()}
    assert set(routes) == set(WEBSOCKET_ROUTES)
    assert routes["$connect"]["authorization_type"] == "CUSTOM"
    assert routes["$connect"]["authorizer_id"] == ref("aws_apigatewayv2_authorizer", authorizer_address, "id")


def test_the_streaming_function_may_manage_only_this_stage_connections(env) -> None:
    env_name, stack = env
    ws_address, _ = one(stack, "aws_apigatewayv2_api")
    (policy,) = role_policies({"api": stack})
    assert policy.role == f"ai-investment-streaming-role-{env_name}" and policy.managed
    (statement,) = policy.document["Statement"]
    assert statement["Action"] == ["execute-api:ManageConnections"]
    base = f"{ref('aws_apigatewayv2_api', ws_address, 'execution_arn')}/{env_name}"
    # It only posts to connections (tests/infra/test_grants_oracle.py records what it calls).
    assert statement["Resource"] == f"{base}/POST/@connections/*"


def _preflight_origins(preflight: dict[str, Any]) -> set[str]:
    response = preflight["x-amazon-apigateway-integration"]["responses"]["default"]
    static = response["responseParameters"].get("method.response.header.Access-Control-Allow-Origin")
    if static is not None:
        return {static.strip("'")}
    return set(re.findall(r'\$origin == "([^"]+)"', response["responseTemplates"]["application/json"]))


def test_preflight_and_every_function_behind_a_route_allow_exactly_the_environment_origins(env) -> None:
    """What the preflight promises, the functions' own answers keep (proxy integrations add no headers)."""
    env_name, stack = env
    origins = set(load_environment(env_name, env={}).cors_origins)
    for path, operations in document(stack)["paths"].items():
        assert _preflight_origins(operations["options"]) == origins, path
    compute = stack_json(env_name, "compute")
    behind_routes = {f"Function-{r.function}_" for r in ROUTES}
    for address, function in resources(compute, "aws_lambda_function").items():
        variables = function["environment"]["variables"]
        if any(address.startswith(prefix) for prefix in behind_routes):
            assert set(variables[CORS_ORIGINS_VARIABLE].split(",")) == origins, address
        else:
            assert CORS_ORIGINS_VARIABLE not in variables, address

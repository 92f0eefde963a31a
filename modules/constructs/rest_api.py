"""A REST API defined by one OpenAPI document, with its stage, logging, throttling and metering.

- The document (`modules.catalog.openapi`) carries routes, Lambda proxy integrations, the Cognito
  authorizer, API-key requirement, request validation and CORS.
- Redeployment is triggered by a hash of the document as Terraform resolves it, so an unchanged API
  plans clean and any change to it deploys.
- The stage writes JSON access logs and execution logs into log groups created here (retention and
  the customer key), traces with X-Ray and throttles every method; a usage plan meters one API key
  with the environment's throttle and daily quota.
- API Gateway may invoke each function only for the routes that function serves on this stage.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from cdktf import Fn, ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.api_gateway_api_key import ApiGatewayApiKey
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_method_settings import (
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
)
from cdktf_cdktf_provider_aws.api_gateway_rest_api import (
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
)
from cdktf_cdktf_provider_aws.api_gateway_stage import ApiGatewayStage, ApiGatewayStageAccessLogSettings
from cdktf_cdktf_provider_aws.api_gateway_usage_plan import (
    ApiGatewayUsagePlan,
    ApiGatewayUsagePlanApiStages,
    ApiGatewayUsagePlanQuotaSettings,
    ApiGatewayUsagePlanThrottleSettings,
)
from cdktf_cdktf_provider_aws.api_gateway_usage_plan_key import ApiGatewayUsagePlanKey
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from modules.catalog.openapi import openapi_document, render
from modules.catalog.routes import ROUTES
from modules.config.settings import ApiThrottle
from modules.constructs.encrypted_log_group import EncryptedLogGroup
from modules.constructs.function_ref import FunctionRef
from modules.constructs.kms_key import CustomerKey

# One JSON object per request. No query string and no headers: WebSocket tokens travel in the query
# string and REST tokens in headers, and neither belongs in logs.
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "user": "$context.authorizer.claims.sub",
    "apiKeyId": "$context.identity.apiKeyId",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integration.status",
    "errorMessage": "$context.error.message",
    "xrayTraceId": "$context.xrayTraceId",
}, separators=(",", ":"))


@dataclass(frozen=True)
class RestApiProps:
    name: str
    stage_name: str
    functions: Mapping[str, FunctionRef]
    """Catalog name -> function, for every function behind a route."""
    user_pool_arn: str
    cors_origins: tuple[str, ...]
    throttle: ApiThrottle
    key: CustomerKey
    log_retention_days: int
    access_log_group_name: str
    logging_level: str = "INFO"
    """Execution log level: INFO or ERROR. Request and response bodies are never logged."""


class RestApi(Construct):
    def __init__(self, scope: Construct, id_: str, props: RestApiProps, *,
                 depends_on: list[ITerraformDependable]) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.document = openapi_document(
            title=props.name, user_pool_arn=props.user_pool_arn, cors_origins=props.cors_origins,
            invoke_arns={name: function.invoke_arn for name, function in props.functions.items()},
        )
        self.api = ApiGatewayRestApi(
            self, "Api", name=props.name, body=render(self.document),
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.deployment = ApiGatewayDeployment(
            self, "Deployment", rest_api_id=self.api.id,
            triggers={"definition": Fn.sha1(self.api.body)},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.access_logs = EncryptedLogGroup(self, "AccessLogs", name=props.access_log_group_name,
                                             retention_days=props.log_retention_days, key=props.key)
        # API Gateway writes execution logs to exactly this group; created first so it is bounded.
        self.execution_logs = EncryptedLogGroup(
            self, "ExecutionLogs", name=f"API-Gateway-Execution-Logs_{self.api.id}/{props.stage_name}",
            retention_days=props.log_retention_days, key=props.key)
        self.stage = ApiGatewayStage(
            self, "Stage", rest_api_id=self.api.id, deployment_id=self.deployment.id,
            stage_name=props.stage_name, xray_tracing_enabled=True,
            access_log_settings=ApiGatewayStageAccessLogSettings(destination_arn=self.access_logs.arn,
                                                                 format=ACCESS_LOG_FORMAT),
            depends_on=[*depends_on, self.execution_logs.resource],
        )
        self.method_settings = ApiGatewayMethodSettings(
            self, "MethodSettings", rest_api_id=self.api.id, stage_name=self.stage.stage_name, method_path="*/*",
            settings=ApiGatewayMethodSettingsSettings(
                logging_level=props.logging_level, metrics_enabled=True, data_trace_enabled=False,
                throttling_rate_limit=props.throttle.rate_limit, throttling_burst_limit=props.throttle.burst_limit,
            ),
        )
        self._usage_plan()
        self._invoke_permissions()

    @property
    def execution_arn(self) -> str:
        return self.api.execution_arn

    def _usage_plan(self) -> None:
        t = self.props.throttle
        self.api_key = ApiGatewayApiKey(self, "ApiKey", name=f"{self.props.name}-key", enabled=True,
                                        description="Client key of the dashboard; metering, not authorization")
        self.usage_plan = ApiGatewayUsagePlan(
            self, "UsagePlan", name=f"{self.props.name}-plan",
            api_stages=[ApiGatewayUsagePlanApiStages(api_id=self.api.id, stage=self.stage.stage_name)],
            throttle_settings=ApiGatewayUsagePlanThrottleSettings(rate_limit=t.rate_limit, burst_limit=t.burst_limit),
            quota_settings=ApiGatewayUsagePlanQuotaSettings(limit=t.quota_per_day, period="DAY"),
        )
        ApiGatewayUsagePlanKey(self, "UsagePlanKey", key_id=self.api_key.id, key_type="API_KEY",
                               usage_plan_id=self.usage_plan.id)

    def _invoke_permissions(self) -> None:
        """One permission per route: the function may be invoked for that method and path on this stage."""
        for route in ROUTES:
            function = self.props.functions[route.function]
            slug = f"{route.method}{route.source_path}".replace("/", "-").replace("*", "param")
            LambdaPermission(
                self, f"Invoke{slug}", function_name=function.function_name, action="lambda:InvokeFunction",
                principal="apigateway.amazonaws.com", statement_id=f"rest-{self.props.stage_name}-{slug}",
                source_arn=f"{self.api.execution_arn}/{self.props.stage_name}/{route.method}{route.source_path}",
            )

"""A WebSocket API whose routes all go to one function, with a Lambda REQUEST authorizer on $connect.

WebSocket APIs accept no Cognito authorizer: the authorizer function verifies the Cognito token that
the browser passes in the query string (browsers cannot set headers on the upgrade request). Only
$connect can carry an authorizer; later messages ride on the authorized connection.
The stage logs access as JSON (without the query string, so the token is never logged), logs
execution errors, throttles every route and auto-deploys route changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Fn, ITerraformDependable
from cdktf_cdktf_provider_aws.apigatewayv2_api import Apigatewayv2Api
from cdktf_cdktf_provider_aws.apigatewayv2_authorizer import Apigatewayv2Authorizer
from cdktf_cdktf_provider_aws.apigatewayv2_integration import Apigatewayv2Integration
from cdktf_cdktf_provider_aws.apigatewayv2_route import Apigatewayv2Route
from cdktf_cdktf_provider_aws.apigatewayv2_stage import (
    Apigatewayv2Stage,
    Apigatewayv2StageAccessLogSettings,
    Apigatewayv2StageDefaultRouteSettings,
)
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from modules.config.settings import ApiThrottle
from modules.constructs import perms
from modules.constructs.encrypted_log_group import EncryptedLogGroup
from modules.constructs.function_ref import FunctionRef
from modules.constructs.grants import Grantee, Statement
from modules.constructs.kms_key import CustomerKey

CONNECT = "$connect"

ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "connectionId": "$context.connectionId",
    "eventType": "$context.eventType",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "user": "$context.authorizer.principalId",
    "authorizerError": "$context.authorizer.error",
    "integrationError": "$context.integrationErrorMessage",
    "errorMessage": "$context.error.message",
}, separators=(",", ":"))


@dataclass(frozen=True)
class WebSocketApiProps:
    name: str
    stage_name: str
    handler: FunctionRef
    """Serves every route."""
    authorizer: FunctionRef
    """Lambda REQUEST authorizer of $connect."""
    routes: tuple[str, ...]
    route_selection_expression: str
    token_query_parameter: str
    throttle: ApiThrottle
    key: CustomerKey
    log_retention_days: int
    access_log_group_name: str


class WebSocketApi(Construct):
    def __init__(self, scope: Construct, id_: str, props: WebSocketApiProps, *,
                 depends_on: Sequence[ITerraformDependable]) -> None:
        super().__init__(scope, id_)
        if CONNECT not in props.routes:
            raise ValueError(f"a WebSocket API needs a {CONNECT} route to carry its authorizer")
        self.props = props
        self.api = Apigatewayv2Api(self, "Api", name=props.name, protocol_type="WEBSOCKET",
                                   route_selection_expression=props.route_selection_expression)
        self.authorizer = Apigatewayv2Authorizer(
            self, "Authorizer", api_id=self.api.id, name=f"{props.name}-connect", authorizer_type="REQUEST",
            authorizer_uri=props.authorizer.invoke_arn,
            identity_sources=[f"route.request.querystring.{props.token_query_parameter}"],
        )
        integration = Apigatewayv2Integration(
            self, "Integration", api_id=self.api.id, integration_type="AWS_PROXY",
            integration_uri=props.handler.invoke_arn, integration_method="POST",
        )
        self.routes = {
            key: Apigatewayv2Route(
                self, f"Route-{key.lstrip('$')}", api_id=self.api.id, route_key=key,
                target=f"integrations/{integration.id}",
                authorization_type="CUSTOM" if key == CONNECT else "NONE",
                authorizer_id=self.authorizer.id if key == CONNECT else None,
            )
            for key in props.routes
        }
        self.access_logs = EncryptedLogGroup(self, "AccessLogs", name=props.access_log_group_name,
                                             retention_days=props.log_retention_days, key=props.key)
        self.execution_logs = EncryptedLogGroup(
            self, "ExecutionLogs", name=f"/aws/apigateway/{self.api.id}/{props.stage_name}",
            retention_days=props.log_retention_days, key=props.key)
        self.stage = Apigatewayv2Stage(
            self, "Stage", api_id=self.api.id, name=props.stage_name, auto_deploy=True,
            access_log_settings=Apigatewayv2StageAccessLogSettings(destination_arn=self.access_logs.arn,
                                                                   format=ACCESS_LOG_FORMAT),
            # ERROR, not INFO: INFO execution logs of $connect would record the authorizer's input.
            default_route_settings=Apigatewayv2StageDefaultRouteSettings(
                logging_level="ERROR", data_trace_enabled=False, detailed_metrics_enabled=True,
                throttling_rate_limit=props.throttle.rate_limit, throttling_burst_limit=props.throttle.burst_limit,
            ),
            depends_on=[*depends_on, self.execution_logs.resource, *self.routes.values()],
        )
        LambdaPermission(
            self, "InvokeHandler", function_name=props.handler.function_name, action="lambda:InvokeFunction",
            principal="apigateway.amazonaws.com", statement_id=f"websocket-{props.stage_name}",
            source_arn=f"{self.api.execution_arn}/{props.stage_name}/*",
        )
        LambdaPermission(
            self, "InvokeAuthorizer", function_name=props.authorizer.function_name, action="lambda:InvokeFunction",
            principal="apigateway.amazonaws.com", statement_id=f"websocket-{props.stage_name}-authorizer",
            source_arn=f"{self.api.execution_arn}/authorizers/{self.authorizer.id}",
        )

    @property
    def url(self) -> str:
        """What clients connect to: `wss://<api>.execute-api.<region>.amazonaws.com/<stage>`."""
        return self.stage.invoke_url

    @property
    def management_endpoint(self) -> str:
        """The @connections API for pushes: `https://<api>.execute-api.<region>.amazonaws.com/<stage>`."""
        return Fn.replace(self.stage.invoke_url, "wss://", "https://")

    def grant_manage_connections(self, grantee: Grantee, name: str) -> None:
        """Push to, inspect and close this stage's connections, and nothing else."""
        base = f"{self.api.execution_arn}/{self.props.stage_name}"
        grantee.grant(name, [Statement(
            "ManageDashboardConnections", perms.MANAGE_CONNECTIONS_ACTIONS,
            tuple(f"{base}/{method}/@connections/*" for method in perms.MANAGE_CONNECTIONS_METHODS),
        )])

"""ApiStack: the REST API of the seed's routes and the dashboard's WebSocket API.

Everything that lets API Gateway reach a function lives here (invoke permissions scoped to this API's
execution ARN, the streaming function's right to push to its connections), so the compute stack does
not depend on this one. The account-level CloudWatch role that stage logging needs is not managed here:
it exists once per account and region, and `aiinv bootstrap` owns it (`cli/aws/account.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from cdktf import TerraformOutput
from constructs import Construct

from modules.catalog import entry_points
from modules.catalog import routes as rt
from modules.config import EnvironmentConfig
from modules.constructs.function_ref import FunctionRef
from modules.constructs.grants import RoleGrantee
from modules.constructs.kms_key import CustomerKey
from modules.constructs.rest_api import RestApi, RestApiProps
from modules.constructs.websocket_api import WebSocketApi, WebSocketApiProps
from modules.stacks.base import BaseStack


class UserPoolRef(Protocol):
    """The one attribute of the Cognito user pool that the REST authorizer needs."""

    @property
    def arn(self) -> str: ...


class ApiStack(BaseStack):
    kind = "api"

    def __init__(self, scope: Construct, config: EnvironmentConfig, *, functions: Mapping[str, FunctionRef],
                 user_pool: UserPoolRef, key: CustomerKey) -> None:
        super().__init__(scope, config)
        n = self.naming
        self.stage_name = config.name
        self.rest = RestApi(self, "Rest", RestApiProps(
            name=n.resource("api"), stage_name=self.stage_name,
            functions={name: functions[name] for name in rt.rest_functions()},
            user_pool_arn=user_pool.arn, cors_origins=config.cors_origins, throttle=config.api_throttle,
            key=key, log_retention_days=config.log_retention_days,
            access_log_group_name=f"/aws/apigateway/{n.resource('api')}/access",
            # Production logs errors only: cheaper, and fewer request details kept.
            logging_level="ERROR" if config.is_production else "INFO",
        ), depends_on=[])
        streaming = functions[rt.WEBSOCKET_FUNCTION]
        self.websocket = WebSocketApi(self, "WebSocket", WebSocketApiProps(
            name=n.resource("stream"), stage_name=self.stage_name, handler=streaming,
            authorizer=functions[rt.WEBSOCKET_AUTHORIZER_FUNCTION],
            routes=rt.WEBSOCKET_ROUTES, route_selection_expression=rt.WEBSOCKET_ROUTE_SELECTION,
            token_query_parameter=rt.WEBSOCKET_TOKEN_QUERY_PARAMETER, throttle=config.api_throttle, key=key,
            log_retention_days=config.log_retention_days,
            access_log_group_name=f"/aws/apigateway/{n.resource('stream')}/access",
        ), depends_on=[])
        # The streaming function's role lives in the security stack; its name is deterministic.
        streaming_role = RoleGrantee(self, "StreamingRole", role_name=n.resource(f"{rt.WEBSOCKET_FUNCTION}-role"))
        self.websocket.grant_manage_connections(streaming_role, "manage-dashboard-connections")

        TerraformOutput(self, "rest_api_id", value=self.rest.api.id)
        TerraformOutput(self, "rest_api_name", value=self.rest.api.name)
        TerraformOutput(self, "rest_api_url", value=self.rest.stage.invoke_url,
                        description=entry_points.describe("REST API"))
        TerraformOutput(self, "rest_api_stage", value=self.rest.stage.stage_name)
        TerraformOutput(self, "api_key_id", value=self.rest.api_key.id,
                        description="Value: aws apigateway get-api-key --include-value --api-key <id>")
        TerraformOutput(self, "websocket_api_id", value=self.websocket.api.id)
        TerraformOutput(self, "websocket_url", value=self.websocket.url,
                        description=entry_points.describe("WebSocket API (dashboard stream)"))
        TerraformOutput(self, "websocket_management_endpoint", value=self.websocket.management_endpoint)

    @property
    def rest_api_name(self) -> str:
        return self.rest.api.name

    @property
    def websocket_api_id(self) -> str:
        return self.websocket.api.id

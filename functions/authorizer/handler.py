"""authorizer: verifies the Cognito JWT that dashboard clients pass as `?token=` on `$connect`.

Allowed connections carry `user_id` and `groups` in the authorizer context, where the streaming
function's `$connect` route reads them.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponseWebSocket,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.authorizer.jwks import JwksCache
from functions.authorizer.settings import load
from functions.authorizer.tokens import InvalidToken, verify
from functions.shared.auth import parse_groups

logger = Logger()
tracer = Tracer()

SETTINGS = load()
KEYS = JwksCache(SETTINGS.issuer, SETTINGS.jwks_cache_seconds)


def decide(event: dict[str, Any]) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token", "")
    try:
        claims = verify(token, KEYS.key, SETTINGS.issuer, SETTINGS.client_ids)
    except (InvalidToken, OSError, ValueError) as exc:
        logger.info("connection refused", extra={"reason": str(exc)})
        policy = APIGatewayAuthorizerResponseWebSocket.from_route_arn(event["methodArn"], principal_id="anonymous")
        policy.deny_all_routes()
        return policy.asdict()
    groups = ",".join(sorted(parse_groups(claims.get("cognito:groups"))))
    policy = APIGatewayAuthorizerResponseWebSocket.from_route_arn(
        event["methodArn"], principal_id=claims["sub"], context={"user_id": claims["sub"], "groups": groups}
    )
    policy.allow_all_routes()
    return policy.asdict()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return decide(event)

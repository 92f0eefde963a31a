"""authorizer: verifies the Cognito JWT that dashboard clients pass as `?token=` on `$connect`.

Allowed connections carry `user_id` and `groups` in the authorizer context, where the streaming
function's `$connect` route reads them. Anything malformed (token, query, method ARN) is a deny.
"""

from __future__ import annotations

# First: the garbage collector is held off until the end of this module (functions/shared/cold_start.py).
from functions.shared import cold_start  # isort: split

import re
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponseWebSocket,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.authorizer.jwks import jwks_client
from functions.authorizer.settings import load
from functions.authorizer.tokens import InvalidToken, verify
from functions.shared.auth import parse_groups

logger = Logger()
# Tracing stays on (the handler's subsegment, cold start, errors). Nothing is patched: the authorizer never
# calls AWS, and patching http.client for the key set's one fetch per container imports urllib3 at every cold start.
tracer = Tracer(auto_patch=False)

SETTINGS = load()
KEYS = jwks_client(SETTINGS.issuer, SETTINGS.jwks_cache_seconds)
# arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<route key>
_METHOD_ARN = re.compile(r"^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+/[^/]+/.+$")
DENY_EVERYTHING = {
    "principalId": "anonymous",
    "policyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}],
    },
}


def _deny(method_arn: Any, reason: str) -> dict[str, Any]:
    logger.info("connection refused", extra={"reason": reason})
    if not isinstance(method_arn, str) or not _METHOD_ARN.match(method_arn):
        return DENY_EVERYTHING
    policy = APIGatewayAuthorizerResponseWebSocket.from_route_arn(method_arn, principal_id="anonymous")
    policy.deny_all_routes()
    return policy.asdict()


def decide(event: Any) -> dict[str, Any]:
    if not isinstance(event, dict):
        return DENY_EVERYTHING
    method_arn = event.get("methodArn")
    if not isinstance(method_arn, str) or not _METHOD_ARN.match(method_arn):
        return _deny(method_arn, "malformed methodArn")
    query = event.get("queryStringParameters")
    token = query.get("token", "") if isinstance(query, dict) else ""
    try:
        claims = verify(token, KEYS, SETTINGS.issuer, SETTINGS.client_ids)
    except InvalidToken as exc:
        return _deny(method_arn, str(exc))
    groups = ",".join(sorted(parse_groups(claims.groups)))
    policy = APIGatewayAuthorizerResponseWebSocket.from_route_arn(
        method_arn, principal_id=claims.sub, context={"user_id": claims.sub, "groups": groups}
    )
    policy.allow_all_routes()
    return policy.asdict()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return decide(event)


cold_start.initialised()

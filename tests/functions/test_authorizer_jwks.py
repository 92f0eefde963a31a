"""The `$connect` authorizer when the user pool's key set cannot be fetched: every failure of the JWKS endpoint
(refused, frozen, 500, not JSON) is a Deny within the function's timeout, never an exception (API Gateway would
answer 500) nor an Allow, and the next connection after the endpoint is back is allowed (a failure is not
cached)."""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from types import ModuleType

import pytest
from conftest import handler_module
from fn_jwt import KeySetEndpoint, key_set_endpoint, token

from functions.authorizer.jwks import TIMEOUT_SECONDS
from modules.catalog.functions import WS_AUTHORIZER

METHOD_ARN = "arn:aws:execute-api:eu-central-1:123456789012:a1b2c3d4e5/dev/$connect"


@pytest.fixture
def endpoint() -> Iterator[KeySetEndpoint]:
    with key_set_endpoint() as served:
        yield served


@pytest.fixture
def authorizer(environment, endpoint, monkeypatch) -> Iterator[ModuleType]:
    """The authorizer as a cold start with this endpoint's pool configured (it reads its settings and builds its
    key set client at import); afterwards the one of the other tests again."""
    module = handler_module("authorizer")
    with monkeypatch.context() as patched:
        patched.setenv("COGNITO_ISSUER", endpoint.issuer)
        yield importlib.reload(module)
    importlib.reload(module)


def connect(authorizer: ModuleType, endpoint: KeySetEndpoint, context) -> tuple[str, dict]:
    event = {"type": "REQUEST", "methodArn": METHOD_ARN, "queryStringParameters": {"token": token(endpoint.issuer)},
             "requestContext": {"requestId": "r-1", "routeKey": "$connect", "eventType": "CONNECT"}}
    policy = authorizer.handler(event, context)
    return policy["policyDocument"]["Statement"][0]["Effect"], policy


@pytest.mark.parametrize("failure", ["refused", KeySetEndpoint.FAILING, KeySetEndpoint.GARBLED, KeySetEndpoint.FROZEN])
def test_an_unreachable_key_set_is_a_deny_and_the_next_connection_after_it_is_back_is_allowed(
    authorizer, endpoint, context, failure
):
    # GIVEN the key set cannot be fetched at the first connection of a container
    if failure == "refused":
        endpoint.stop()
    else:
        endpoint.mode = failure
    started = time.monotonic()
    effect, policy = connect(authorizer, endpoint, context)
    took = time.monotonic() - started
    # THEN the connection is denied, in time for API Gateway to hear the answer
    assert effect == "Deny" and policy["principalId"] == "anonymous" and "context" not in policy
    assert took < WS_AUTHORIZER.timeout_seconds - 2, took
    if failure == KeySetEndpoint.FROZEN:
        assert took >= TIMEOUT_SECONDS - 0.5, took
    # and again while it stays down: each connection asks the endpoint again (nothing cached from the failure)
    if failure != KeySetEndpoint.FROZEN:  # (a frozen endpoint would only cost the same wait again)
        before = endpoint.fetches
        assert connect(authorizer, endpoint, context)[0] == "Deny"
        assert endpoint.fetches == before + (0 if failure == "refused" else 1)

    # WHEN the key set is reachable again
    if failure == "refused":
        endpoint.start()
    endpoint.mode = KeySetEndpoint.SERVING
    endpoint.thaw.set()
    # THEN the next connection is allowed, with the token's identity
    effect, policy = connect(authorizer, endpoint, context)
    assert effect == "Allow" and policy["context"]["user_id"] == "11111111-2222-3333-4444-555555555555"


def test_a_key_set_once_fetched_is_used_while_the_endpoint_is_down(authorizer, endpoint, context):
    assert connect(authorizer, endpoint, context)[0] == "Allow"
    fetched = endpoint.fetches
    endpoint.stop()
    assert connect(authorizer, endpoint, context)[0] == "Allow"
    assert endpoint.fetches == fetched == 1

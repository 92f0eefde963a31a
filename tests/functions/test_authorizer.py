"""The WebSocket `$connect` REQUEST authorizer: Cognito JWTs verified against the pool's JWKS."""

from __future__ import annotations

import time

import pytest
from conftest import handler_module
from cryptography.hazmat.primitives.asymmetric import rsa
from fn_jwt import token

METHOD_ARN = "arn:aws:execute-api:eu-central-1:123456789012:a1b2c3d4e5/dev/$connect"


def authorize(token_value: str | None, context) -> dict:
    event = {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "queryStringParameters": None if token_value is None else {"token": token_value},
        "requestContext": {"requestId": "r-1", "routeKey": "$connect", "eventType": "CONNECT"},
    }
    return handler_module("authorizer").handler(event, context)


def effect(policy: dict) -> str:
    return policy["policyDocument"]["Statement"][0]["Effect"]


def test_valid_id_token_is_allowed_with_identity_in_context(environment, issuer, context):
    policy = authorize(token(issuer), context)
    assert effect(policy) == "Allow"
    assert policy["principalId"] == "11111111-2222-3333-4444-555555555555"
    assert policy["context"] == {"user_id": "11111111-2222-3333-4444-555555555555", "groups": "analyst,viewer"}


def test_valid_access_token_is_allowed(environment, issuer, context):
    access = token(issuer, token_use="access", aud=None, client_id="test-client")
    assert effect(authorize(access, context)) == "Allow"


@pytest.mark.parametrize(
    "make",
    [
        lambda iss: None,
        lambda iss: "",
        lambda iss: "not.a.jwt",
        lambda iss: token(iss, exp=int(time.time()) - 3600),
        lambda iss: token(iss + "-other"),
        lambda iss: token(iss, aud="someone-else"),
        lambda iss: token(iss, token_use="refresh"),
        lambda iss: token(iss, kid="unknown-key"),
        lambda iss: token(iss, key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        lambda iss: token(iss).rsplit(".", 1)[0] + ".AAAA",
        lambda iss: token(iss).split(".")[0].replace("UlMyNTY", "SFMyNTY") + "." + token(iss).split(".", 1)[1],
    ],
    ids=[
        "missing",
        "empty",
        "garbage",
        "expired",
        "issuer",
        "audience",
        "token-use",
        "kid",
        "foreign-key",
        "truncated-signature",
        "alg-swapped",
    ],
)
def test_invalid_tokens_are_denied(environment, issuer, context, make):
    assert effect(authorize(make(issuer), context)) == "Deny"


def _nested_header_token(issuer: str) -> str:
    import base64

    header = base64.urlsafe_b64encode(("[" * 2500 + "]" * 2500).encode()).rstrip(b"=").decode()
    return header + "." + token(issuer).split(".", 1)[1]


@pytest.mark.parametrize(
    "make",
    [
        _nested_header_token,
        lambda iss: token(iss, exp=float("nan")),
        lambda iss: token(iss, exp=float("inf")),
        lambda iss: token(iss, exp="tomorrow"),
        lambda iss: token(iss, exp=10**400),
        lambda iss: token(iss, aud=["test-client"]),
        lambda iss: token(iss, sub=""),
        lambda iss: token(iss, alg="none"),
    ],
    ids=["nested-header", "exp-nan", "exp-infinity", "exp-text", "exp-huge", "aud-list", "no-subject", "alg-none"],
)
def test_hostile_tokens_are_denied_never_an_exception(environment, issuer, context, make):
    assert effect(authorize(make(issuer), context)) == "Deny"


@pytest.mark.parametrize("method_arn", ["", "arn:aws:execute-api", "nonsense/with/slashes", None, 42])
def test_a_malformed_method_arn_is_a_deny(environment, issuer, context, method_arn):
    event = {"type": "REQUEST", "methodArn": method_arn, "queryStringParameters": {"token": token(issuer)},
             "requestContext": {"requestId": "r-2"}}
    assert effect(handler_module("authorizer").handler(event, context)) == "Deny"


@pytest.mark.parametrize("query", [["token"], "token=x", {"token": 42}, {"token": ["a", "b"]}])
def test_a_malformed_query_is_a_deny(environment, issuer, context, query):
    event = {"type": "REQUEST", "methodArn": METHOD_ARN, "queryStringParameters": query,
             "requestContext": {"requestId": "r-3"}}
    assert effect(handler_module("authorizer").handler(event, context)) == "Deny"

"""The WebSocket `$connect` REQUEST authorizer: Cognito JWTs verified against the pool's JWKS."""

from __future__ import annotations

import time

import pytest
from conftest import handler_module
from cryptography.hazmat.primitives.asymmetric import rsa
from fn_jwt import ABSENT, CLIENT_ID, token
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

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
        lambda iss: token(iss, exp=str(int(time.time()) + 3600)),
        lambda iss: token(iss, nbf=str(int(time.time()) - 60)),
        lambda iss: token(iss, iat=[int(time.time())]),
        lambda iss: token(iss, exp=True),
        lambda iss: token(iss, exp=10**400),
        lambda iss: token(iss, aud=["test-client"]),
        lambda iss: token(iss, sub=""),
        lambda iss: token(iss, alg="none"),
    ],
    ids=["nested-header", "exp-nan", "exp-infinity", "exp-text", "exp-digits", "nbf-digits", "iat-list", "exp-bool",
         "exp-huge", "aud-list", "no-subject", "alg-none"],
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


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)


def _claims(issuer: str) -> st.SearchStrategy[dict]:
    """Every registered claim (and the ones the authorizer reads) left out, well formed, nearly well formed
    (a number as digits, a list of the right string) or any JSON value at all."""
    now = int(time.time())
    times = st.one_of(st.integers(now - 7200, now + 7200), st.floats(now - 7200.0, now + 7200.0),
                      st.integers(now - 60, now + 3600).map(str), st.sampled_from([10**30, -1, 0]))
    plausible = {
        "exp": times, "nbf": times, "iat": times,
        "aud": st.sampled_from([CLIENT_ID, [CLIENT_ID], "other-client", ""]),
        "client_id": st.sampled_from([CLIENT_ID, [CLIENT_ID], "other-client"]),
        "iss": st.sampled_from([issuer, issuer + "/", [issuer], ""]),
        "token_use": st.sampled_from(["id", "access", "refresh", ["id"], "ID"]),
        "cognito:groups": st.sampled_from([["analyst"], "analyst", ["analyst", 7], [["admin"]], [], {"admin": 1}]),
        "sub": st.sampled_from(["11111111-2222-3333-4444-555555555555", "", ["x"], 42]),
    }
    return st.fixed_dictionaries({}, optional={
        name: st.one_of(st.just(ABSENT), value, json_values) for name, value in plausible.items()})


def _well_formed(claims: dict, issuer: str, clients: list[str]) -> bool:
    """What an allowed token must hold: every time a JSON number, a string audience for its use, and so on."""
    def number(name: str, required: bool) -> bool:
        value = claims.get(name)
        if value is None:
            return not required and name not in claims
        return type(value) in (int, float) and value == value and abs(value) != float("inf")

    use = claims.get("token_use")
    audience = claims.get("aud") if use == "id" else claims.get("client_id")
    groups = claims.get("cognito:groups", [])
    return (number("exp", True) and number("nbf", False) and number("iat", False) and claims.get("iss") == issuer
            and use in ("id", "access") and isinstance(audience, str) and audience in clients
            and isinstance(claims.get("sub"), str) and claims["sub"] != ""
            and isinstance(groups, list) and all(isinstance(g, str) for g in groups))


def test_a_signed_token_with_any_value_in_any_claim_is_an_allow_or_a_deny_never_a_raise(environment, issuer,
                                                                                          context):
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(overrides=_claims(issuer))
    @example(overrides={"exp": str(int(time.time()) + 3600)})
    @example(overrides={"exp": int(time.time()) + 3600, "aud": ABSENT, "token_use": "access", "client_id": CLIENT_ID})
    def check(overrides):
        signed = token(issuer, **overrides)
        claims = {k: v for k, v in {**_defaults(issuer), **overrides}.items() if v is not ABSENT}
        policy = authorize(signed, context)
        assert effect(policy) in ("Allow", "Deny")
        if effect(policy) == "Allow":
            assert _well_formed(claims, issuer, environment["COGNITO_APP_CLIENT_IDS"].split(",")), claims
            assert policy["context"]["user_id"] == claims["sub"]

    check()


def _defaults(issuer: str) -> dict:
    import json
    from base64 import urlsafe_b64decode

    body = token(issuer).split(".")[1]
    return json.loads(urlsafe_b64decode(body + "=" * (-len(body) % 4)))

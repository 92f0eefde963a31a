"""Each function's role against what the function really does: every AWS call its handlers make in one recorded
run on the emulated account (`tests/support/recorded_run.py`), Lambda's own calls with the role and the KMS requests
services make on the caller's behalf (`tests/support/grants_oracle.py`), checked against the synthesized policies of
every environment (the run's names, account and region translated to each). Least privilege: every grant is used by
one of those, or listed with its reason (`tests/support/unexercised_grants.py`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from modules.catalog.functions import FUNCTIONS, WS_AUTHORIZER, FunctionSpec
from modules.config import ENVIRONMENT_NAMES
from tests.support.grants_oracle import Deployment, Request, unallowed, unexercised
from tests.support.recorded_run import recorded_calls
from tests.support.synthesized import stacks_by_env
from tests.support.unexercised_grants import unexplained


@pytest.fixture(scope="module")
def deployments(synth_root) -> dict[str, Deployment]:
    return {env: Deployment(stacks, env) for env, stacks in stacks_by_env().items()}


@pytest.fixture(scope="module")
def dev(deployments) -> Deployment:
    return deployments["dev"]


@pytest.fixture(scope="module")
def recorded(synth_root) -> Any:
    return recorded_calls()


def required(dev: Deployment, recorded: Any, spec: FunctionSpec) -> set[Request]:
    return dev.required(spec.name, recorded.calls.get(spec.name, set()))


def test_the_run_records_every_function_that_calls_aws_and_maps_every_call(recorded) -> None:
    assert not recorded.unmapped
    assert set(recorded.calls) == {s.name for s in FUNCTIONS} - {WS_AUTHORIZER.name}


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_every_call_a_function_makes_is_allowed_by_its_policies(deployments, recorded, env_name: str,
                                                                spec: FunctionSpec) -> None:
    deployment = deployments[env_name]
    assert unallowed(deployment.grants(spec.name), required(deployment, recorded, spec)) == []


@pytest.mark.parametrize("env_name", ENVIRONMENT_NAMES)
@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_every_grant_is_used_or_listed_with_its_reason(deployments, recorded, env_name: str,
                                                       spec: FunctionSpec) -> None:
    deployment = deployments[env_name]
    needed = required(deployment, recorded, spec)
    left = unexplained(unexercised(deployment.grants(spec.name), needed), needed)
    assert [(g.action, g.resource, g.via) for g in left] == []


def test_the_oracle_sees_a_missing_grant_and_a_superfluous_one(dev, recorded) -> None:
    """Not vacuous: without its grants on the signals table ingest-news's calls are refused; a grant on a table it
    never touches is unexplained."""
    spec = next(s for s in FUNCTIONS if s.name == "ingest-news")
    needed = required(dev, recorded, spec)
    grants = dev.grants(spec.name)
    kept = [g for g in grants if "table/ai-investment-signals-" not in g.resource]
    assert {r.action for r in unallowed(kept, needed)} >= {"dynamodb:PutItem", "dynamodb:Query"}
    foreign = replace(grants[0], action="dynamodb:GetItem", via=None, resource=(
        f"arn:aws:dynamodb:{dev.config.region}:{dev.config.account_id}:table/{dev.naming.resource('proposals')}"))
    assert unexplained(unexercised([*grants, foreign], needed), needed) == [foreign]

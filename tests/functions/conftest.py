"""Fixtures for the function tests: one emulated AWS account per test (moto, in process), tables built
from the data stack's definitions, the shipped sample documents served over local HTTP, a fake context."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from fn_jwt import CLIENT_ID, user_pool
from fn_management_api import ManagementApi, management_api
from moto import mock_aws

from cli.local.account import (
    REGION,
    SAMPLES,
    local_environment,
    provision,
    seed_samples,
    serve_directory,
)
from cli.local.pipeline import ingest_market_samples


def table_definitions() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """create_table kwargs and the env-var -> physical-name map, from the synthesized data stack."""
    from tests.support.synthesized import dynamodb_create_table_kwargs, table_env_vars

    return dynamodb_create_table_kwargs("dev"), table_env_vars("dev")


@dataclass
class FakeContext:
    function_name: str = "ai-investment-test-dev"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:ai-investment-test-dev"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/ai-investment-test-dev"
    log_stream_name: str = "2026/11/27/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture(scope="session")
def definitions() -> tuple[list[dict[str, Any]], dict[str, str]]:
    return table_definitions()


@pytest.fixture(scope="session")
def management_api_server() -> Iterator[tuple[ManagementApi, str]]:
    with management_api() as server:
        yield server


@pytest.fixture
def websocket_api(management_api_server) -> ManagementApi:
    api, _ = management_api_server
    api.reset()
    return api


@pytest.fixture(scope="session")
def issuer() -> Iterator[str]:
    with user_pool() as url:
        yield url


@pytest.fixture(scope="session")
def environment_values(definitions, management_api_server, issuer) -> Iterator[dict[str, str]]:
    """Every function's environment variables (the same for the whole session: handlers read them once)."""
    with serve_directory(SAMPLES) as base_url:
        yield {
            **local_environment(base_url, definitions[1]),
            "ENTITY_CACHE_SECONDS": "0",
            "WEBSOCKET_ENDPOINT": management_api_server[1],
            "COGNITO_ISSUER": issuer,
            "COGNITO_APP_CLIENT_IDS": f"other-client,{CLIENT_ID}",
        }


@pytest.fixture
def environment(environment_values, monkeypatch) -> dict[str, str]:
    """The variables set for one test only, so tests elsewhere never see them."""
    for name, value in environment_values.items():
        monkeypatch.setenv(name, value)
    return environment_values


@pytest.fixture
def aws(environment, definitions) -> Iterator[dict[str, str]]:
    """A fresh emulated account with every table, bucket, queue and secret (secrets cached by Powertools in an
    earlier test's account are forgotten)."""
    from aws_lambda_powertools.utilities import parameters

    with mock_aws():
        parameters.clear_caches()
        provision(definitions[0], environment)
        yield environment


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


def handler_module(package: str) -> ModuleType:
    return importlib.import_module(f"functions.{package}.handler")


@pytest.fixture
def seeded(aws) -> dict[str, str]:
    """The account with the sample tracked entities and agent configuration, and the sample market closes
    ingested through ingest-market."""
    seed_samples(aws)
    ingest_market_samples(aws)
    return aws

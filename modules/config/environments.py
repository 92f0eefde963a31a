"""dev, staging and prod: the one place where their settings are written down.

Account and region default to the values below and may be overridden, as in the seed, by
`CDK_DEFAULT_ACCOUNT` and `CDK_DEFAULT_REGION`; the project name by the cdktf context `projectName`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace

from modules.config.errors import ConfigError
from modules.config.settings import ApiThrottle, EnvironmentConfig, MarketDataStore, MfaMode

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "eu-central-1"

_ENVIRONMENTS: dict[str, EnvironmentConfig] = {
    "dev": EnvironmentConfig(
        name="dev",
        account_id=DEFAULT_ACCOUNT,
        region=DEFAULT_REGION,
        mfa=MfaMode.OPTIONAL,
        cors_origins=("http://localhost:3000",),
        oauth_callback_urls=("http://localhost:3000/callback",),
        oauth_logout_urls=("http://localhost:3000/",),
        # The seed's implicit grant, kept where nothing real is at stake.
        allow_implicit_grant=True,
        market_data_store=MarketDataStore.DYNAMODB,
        api_throttle=ApiThrottle(rate_limit=10, burst_limit=20, quota_per_day=10_000),
        monthly_budget_usd=100,
        signal_ttl_days=90,
    ),
    "staging": EnvironmentConfig(
        name="staging",
        account_id=DEFAULT_ACCOUNT,
        region=DEFAULT_REGION,
        mfa=MfaMode.ON,
        alarm_emails=("platform-alerts@example.com",),
        cors_origins=("https://staging.ai-investment.example.com",),
        oauth_callback_urls=("https://staging.ai-investment.example.com/callback",),
        oauth_logout_urls=("https://staging.ai-investment.example.com/",),
        market_data_store=MarketDataStore.DYNAMODB,
        api_throttle=ApiThrottle(rate_limit=25, burst_limit=50, quota_per_day=50_000),
        monthly_budget_usd=100,
    ),
    "prod": EnvironmentConfig(
        name="prod",
        account_id=DEFAULT_ACCOUNT,
        region=DEFAULT_REGION,
        mfa=MfaMode.ON,
        deletion_protection=True,
        alarm_emails=("platform-alerts@example.com", "oncall@example.com"),
        cors_origins=("https://ai-investment.example.com",),
        oauth_callback_urls=("https://ai-investment.example.com/callback",),
        oauth_logout_urls=("https://ai-investment.example.com/",),
        # Sized from the throttle below and each function's duration; `aiinv doctor --env prod` checks
        # that the account's concurrency quota leaves room for them (AWS keeps 100 unreserved).
        reserved_functions=("score", "orchestrator"),
        # DynamoDB: Timestream admits no new customers since 2025-06-20; set MarketDataStore.TIMESTREAM
        # only in an account that already uses it.
        market_data_store=MarketDataStore.DYNAMODB,
        api_throttle=ApiThrottle(rate_limit=50, burst_limit=100, quota_per_day=100_000),
        monthly_budget_usd=100,
    ),
}

ENVIRONMENT_NAMES: tuple[str, ...] = tuple(_ENVIRONMENTS)


def load_environment(
    name: str,
    *,
    project_name: str | None = None,
    env: Mapping[str, str] | None = None,
) -> EnvironmentConfig:
    """Return the validated settings of environment `name`.

    `env` is the process environment to read `CDK_DEFAULT_ACCOUNT` / `CDK_DEFAULT_REGION` from
    (defaults to `os.environ`); a `project_name` overrides the default prefix.
    """
    base = _ENVIRONMENTS.get(name)
    if base is None:
        raise ConfigError(f"unknown environment '{name}'; valid environments: {', '.join(ENVIRONMENT_NAMES)}")
    env = os.environ if env is None else env
    overrides: dict[str, str] = {}
    # An empty variable counts as unset, as it does for the CDK.
    if account := env.get("CDK_DEFAULT_ACCOUNT", "").strip():
        overrides["account_id"] = account
    if region := env.get("CDK_DEFAULT_REGION", "").strip():
        overrides["region"] = region
    if project_name is not None:
        overrides["project_name"] = project_name
    # replace() re-runs validation, so an override is checked like the defaults are.
    return replace(base, **overrides) if overrides else base

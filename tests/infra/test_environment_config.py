"""Environment settings: validated at construction, with messages that name the fix."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.config import ENVIRONMENT_NAMES, ConfigError, MfaMode, Naming, load_environment
from modules.config.naming import STACK_KINDS
from tests.support.aws_rules import is_valid_project_name

S3_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


def test_unknown_environment_names_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="unknown environment 'qa'; valid environments: dev, staging, prod"):
        load_environment("qa")


def test_an_empty_account_variable_means_not_set() -> None:
    """The account rule itself is judged in test_input_rules.py, by an oracle independent of the validator."""
    assert load_environment("dev", env={"CDK_DEFAULT_ACCOUNT": "  "}).account_id == load_environment(
        "dev", env={}).account_id


def test_unknown_region_is_rejected_with_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown region 'mars-1'; valid regions: af-south-1, .*eu-central-1"):
        load_environment("dev", env={"CDK_DEFAULT_REGION": "mars-1"})


def test_account_and_region_come_from_the_cdk_variables_as_in_the_seed() -> None:
    config = load_environment("staging", env={"CDK_DEFAULT_ACCOUNT": "210987654321", "CDK_DEFAULT_REGION": "eu-west-1"})
    assert (config.account_id, config.region) == ("210987654321", "eu-west-1")


@pytest.mark.parametrize(("change", "message"), [
    ({"mfa": MfaMode.OPTIONAL}, "prod requires MFA ON"),
    ({"deletion_protection": False}, "prod requires deletion protection"),
    ({"alarm_emails": ()}, "prod requires at least one alarm e-mail"),
    ({"cors_origins": ("http://localhost:3000",)}, "CORS origin 'http://localhost:3000' must use https"),
    ({"log_retention_days": 31}, "log retention 31 days is not accepted"),
    ({"private_subnet_ids": ("subnet-1",)}, "private subnets and security groups must be set together"),
    ({"reserved_functions": ("score", "score")}, "reserved functions are listed twice: score, score"),
    ({"reserved_functions": ("scorer",)}, "reserved functions scorer do not exist; valid: ingest-social"),
])
def test_contradictory_production_settings_are_refused(change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        replace(load_environment("prod", env={}), **change)


def test_implicit_grant_needs_a_callback_url() -> None:
    with pytest.raises(ConfigError, match="implicit grant is enabled but no OAuth callback URL"):
        replace(load_environment("dev", env={}), oauth_callback_urls=())


@given(project=st.from_regex(r"[a-z][a-z0-9-]{1,22}[a-z0-9]", fullmatch=True).filter(is_valid_project_name),
       env_name=st.sampled_from(ENVIRONMENT_NAMES))
def test_names_are_valid_and_unique_for_any_accepted_project_name(project: str, env_name: str) -> None:
    config = load_environment(env_name, project_name=project, env={})
    naming = Naming(config)
    stacks = [naming.stack(k) for k in STACK_KINDS]
    assert len(set(stacks)) == len(STACK_KINDS)
    try:
        bucket = naming.state_bucket()
    except ConfigError as error:
        assert "S3 allows 63" in str(error)
        return
    assert S3_NAME.match(bucket) and ".." not in bucket


def test_names_differ_between_environments_of_one_account() -> None:
    names = {env: Naming(load_environment(env, env={})) for env in ENVIRONMENT_NAMES}
    for kind in ("bucket", "resource"):
        produced = {getattr(n, kind)("signals") for n in names.values()}
        assert len(produced) == len(ENVIRONMENT_NAMES)
    assert len({n.state_bucket() for n in names.values()}) == len(ENVIRONMENT_NAMES)


@pytest.mark.parametrize(("urls", "message"), [
    ((), "at least one market source URL is required"),
    (("http://q.example/d?s={symbol}",), "market source URL 'http://q.example/d?s={symbol}': must use https"),
    (("https://q.example/d?s={symbol}&f=a,b",), "must not contain a comma (the templates reach the function"),
    (("https://q.example/{symbol}/{a.b}",), "placeholder {a.b} must be a plain name (no attributes or indexes)"),
    (("https://q.example/{symbol}/{a[0]}",), "placeholder {a[0]} must be a plain name"),
    (("https://q.example/{symbol",), "is not a valid template (expected '}' before end of string); write a literal "
                                     "brace as {{ or }}"),
    (("https://q.example/{symbol}}",), "is not a valid template (Single '}' encountered in format string)"),
    (("https://q.example/d?s=AAPL",), "names no symbol: use {symbol} or {symbol_lower}"),
    (("https://q.example/{symbol:>8}",), "placeholder {symbol:>8}: only start and end take a format"),
    (("https://q.example/{symbol}", "http://r.example/{symbol}"), "market source URL 'http://r.example/{symbol}'"),
])
def test_market_source_templates_are_checked_with_what_to_fix(urls: tuple[str, ...], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as error:
        replace(load_environment("dev", env={}), market_source_urls=urls)
    assert "\n" not in str(error.value) and str(error.value).startswith("environment 'dev': ")


def test_market_source_templates_take_dates_with_formats_and_secret_parameters() -> None:
    urls = ("https://q.example/d?s={symbol_lower}.us&d1={start:%Y%m%d}&d2={end}&k={apikey}",
            "https://r.example/q?function=TIME_SERIES_DAILY&symbol={symbol}&apikey={apikey}&x={{literal}}")
    assert replace(load_environment("prod", env={}), market_source_urls=urls).market_source_urls == urls
    assert load_environment("dev", env={}).market_source_urls  # the default is valid


@pytest.mark.parametrize("days", [0, -1, 31, 365])
def test_market_stale_trading_days_outside_1_to_30_are_refused(days: int) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"market stale trading days must be 1-30 (got {days})")) as error:
        replace(load_environment("staging", env={}), market_stale_trading_days=days)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("days", [1, 3, 30])
def test_market_stale_trading_days_inside_the_bounds_are_kept(days: int) -> None:
    config = replace(load_environment("staging", env={}), market_stale_trading_days=days)
    assert config.market_stale_trading_days == days

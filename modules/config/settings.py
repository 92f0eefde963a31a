"""Typed, validated environment settings.

Everything that differs between dev, staging and prod is a field here; stacks read these objects and
never the process environment. Validation runs at construction, so a bad setting fails before
anything is synthesized or written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlparse

from modules.config.errors import ConfigError
from modules.config.function_names import FUNCTION_NAMES
from modules.config.market_sources import market_template_problems
from modules.config.regions import AWS_REGIONS

# Explicit ASCII classes and fullmatch throughout: `\d` and `\w` accept every script's digits and letters,
# and `$` a trailing newline, none of which AWS accepts.
_ACCOUNT_RE = re.compile(r"[0-9]{12}")
_PROJECT_RE = re.compile(r"[a-z][a-z0-9-]{1,22}[a-z0-9]")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.][^@\s]*\.[^@\s]+")
_HOST_LABEL_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# Every bucket name starts with the project name, and S3 reserves these prefixes.
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
# The Cognito sign-in domain is `<project>-<env>-<account>`, and Cognito refuses a prefix containing these.
COGNITO_RESERVED_WORDS = ("aws", "amazon", "cognito")
# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                      2557, 2922, 3288, 3653)


class MfaMode(StrEnum):
    """Cognito MFA configuration: OFF, OPTIONAL (users may enrol) or ON (required)."""

    OFF = "OFF"
    OPTIONAL = "OPTIONAL"
    ON = "ON"


class MarketDataStore(StrEnum):
    """Where market prices live. Timestream for LiveAnalytics admits no new customers since
    2025-06-20, so accounts without access use a DynamoDB table with the same access pattern."""

    TIMESTREAM = "timestream"
    DYNAMODB = "dynamodb"


@dataclass(frozen=True, kw_only=True)
class ApiThrottle:
    """Usage-plan limits for the REST API key."""

    rate_limit: float = 50.0
    """Steady-state requests per second."""
    burst_limit: int = 100
    """Maximum concurrent burst."""
    quota_per_day: int = 100_000
    """Requests per API key and day."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """One deployable environment. Construct through `load_environment`, which applies overrides."""

    name: str
    """Environment name: dev, staging or prod."""
    account_id: str
    """12-digit AWS account id; the provider refuses to run against any other account."""
    region: str
    """AWS region of every regional resource."""
    project_name: str = "ai-investment"
    """Prefix of every name (cdktf context `projectName`)."""
    log_retention_days: int = 30
    """Retention of every log group; the seed asks for one month."""
    mfa: MfaMode = MfaMode.OPTIONAL
    """Cognito MFA. prod requires ON."""
    deletion_protection: bool = False
    """Deletion protection on tables, the user pool and long KMS/secret recovery windows."""
    alarm_emails: tuple[str, ...] = ()
    """E-mail addresses subscribed to the alert topic."""
    cors_origins: tuple[str, ...] = ()
    """Browser origins allowed to call the REST API (https, or http://localhost in dev)."""
    oauth_callback_urls: tuple[str, ...] = ()
    """Hosted-UI redirect targets after sign-in."""
    oauth_logout_urls: tuple[str, ...] = ()
    """Hosted-UI redirect targets after sign-out."""
    allow_implicit_grant: bool = False
    """Enable the seed's OAuth implicit grant next to code + PKCE (legacy; off by default)."""
    reserved_functions: tuple[str, ...] = ()
    """Critical functions that get reserved concurrency, sized from the API throttle and their duration
    (`modules.catalog.concurrency`); the others use the account's shared pool. Each reservation must fit
    the account's quota (`aiinv doctor --env ENV` compares)."""
    market_data_store: MarketDataStore = MarketDataStore.DYNAMODB
    """DynamoDB unless an environment explicitly enables Timestream (the seed's store), which admits no new
    customers since 2025-06-20: enable it only in an account that already uses it (`aiinv doctor` checks)."""
    private_subnet_ids: tuple[str, ...] = ()
    """Place functions in these private subnets; empty means no VPC."""
    security_group_ids: tuple[str, ...] = ()
    """Security groups for functions in private subnets; required with subnets."""
    api_throttle: ApiThrottle = field(default_factory=ApiThrottle)
    """REST API usage-plan limits."""
    monthly_budget_usd: int = 100
    """Estimated-charges alarm threshold (seed: 100 USD)."""
    signal_ttl_days: int = 365
    """Signals expire after this many days (GDPR data minimisation)."""
    news_feed_urls: tuple[str, ...] = ("https://feeds.a.dj.com/rss/RSSMarketsMain.xml",)
    """RSS/Atom feeds that ingest-news pulls on its schedule."""
    social_source_urls: tuple[str, ...] = ("https://www.reddit.com/r/stocks/new.json",)
    """Public JSON listings that ingest-social pulls on its schedule."""
    market_source_urls: tuple[str, ...] = (
        "https://stooq.com/q/d/l/?s={symbol_lower}.us&d1={start:%Y%m%d}&d2={end:%Y%m%d}&i=d",
    )
    """URL templates of daily-bar sources that ingest-market reads, tried in order per symbol: a daily-bars CSV
    (Date, ..., Close) or an Alpha Vantage TIME_SERIES_DAILY document. Placeholders: `{symbol}`,
    `{symbol_lower}`, `{start}` and `{end}` (dates, with an optional strftime format), and any other name is
    taken from the `params` object of the market source secret (e.g. `{apikey}`), so keys stay out of state."""
    market_stale_trading_days: int = 3
    """Alarm when the stalest market symbol has had no new close for this many trading days (weekends and
    exchange holidays are not counted)."""

    def __post_init__(self) -> None:
        for problem in self._problems():
            raise ConfigError(f"environment '{self.name}': {problem}")

    @property
    def is_production(self) -> bool:
        return self.name == "prod"

    @property
    def kms_deletion_window_days(self) -> int:
        return 30 if self.deletion_protection else 7

    @property
    def secret_recovery_window_days(self) -> int:
        return 30 if self.deletion_protection else 7

    def _problems(self) -> list[str]:
        problems: list[str] = []
        if not _ACCOUNT_RE.fullmatch(self.account_id):
            problems.append(f"account id '{shown(self.account_id)}' is not 12 digits (0-9)")
        if self.region not in AWS_REGIONS:
            problems.append(f"unknown region '{self.region}'; valid regions: {', '.join(sorted(AWS_REGIONS))}")
        problems += self._project_name_problems()
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            problems.append(
                f"log retention {self.log_retention_days} days is not accepted by CloudWatch Logs; "
                f"use one of {', '.join(map(str, LOG_RETENTION_DAYS))}"
            )
        problems += self._production_problems()
        problems += [f"alarm e-mail '{shown(e)}' is not an e-mail address" for e in self.alarm_emails
                     if not _EMAIL_RE.fullmatch(e)]
        for kind, urls in (("CORS origin", self.cors_origins), ("callback URL", self.oauth_callback_urls),
                           ("logout URL", self.oauth_logout_urls)):
            problems += [f"{kind} '{shown(u)}' must use https (http only for localhost outside prod)"
                         for u in urls if not self._url_allowed(u)]
        # A browser sends its Origin as scheme://host[:port]; anything more never matches one.
        problems += [f"CORS origin '{shown(u)}' must be scheme://host[:port], without a path, query or fragment"
                     for u in self.cors_origins if self._url_allowed(u) and not _is_origin(u)]
        problems += [f"{kind} '{shown(u)}' must not have a fragment (OAuth redirect URLs cannot)"
                     for kind, urls in (("callback URL", self.oauth_callback_urls),
                                        ("logout URL", self.oauth_logout_urls))
                     for u in urls if self._url_allowed(u) and "#" in u]
        if self.allow_implicit_grant and not self.oauth_callback_urls:
            problems.append("implicit grant is enabled but no OAuth callback URL is set")
        if bool(self.private_subnet_ids) != bool(self.security_group_ids):
            problems.append("private subnets and security groups must be set together")
        unknown = [f for f in self.reserved_functions if f not in FUNCTION_NAMES]
        if unknown:
            problems.append(f"reserved functions {', '.join(unknown)} do not exist; valid: {', '.join(FUNCTION_NAMES)}")
        if len(set(self.reserved_functions)) != len(self.reserved_functions):
            problems.append(f"reserved functions are listed twice: {', '.join(self.reserved_functions)}")
        if self.monthly_budget_usd <= 0:
            problems.append(f"monthly budget must be positive (got {self.monthly_budget_usd})")
        for kind, urls in (("news feed", self.news_feed_urls), ("social source", self.social_source_urls)):
            if not urls:
                problems.append(f"at least one {kind} URL is required")
            problems += [f"{kind} URL '{u}' must use https" for u in urls if not u.startswith("https://")]
        if not self.market_source_urls:
            problems.append("at least one market source URL is required")
        problems += [f"market source URL '{u}': {p}" for u in self.market_source_urls
                     for p in market_template_problems(u)]
        if not 1 <= self.market_stale_trading_days <= 30:
            problems.append(f"market stale trading days must be 1-30 (got {self.market_stale_trading_days})")
        if not 1 <= self.signal_ttl_days <= 3650:
            problems.append(f"signal TTL must be 1-3650 days (got {self.signal_ttl_days})")
        return problems

    def _project_name_problems(self) -> list[str]:
        name = shown(self.project_name)
        if not _PROJECT_RE.fullmatch(self.project_name):
            return [f"project name '{name}' must be 3-24 characters of a-z, 0-9 and '-', starting with a letter "
                    "and not ending with '-'"]
        problems = [f"project name '{name}' must not start with '{prefix}' (S3 reserves it for bucket names)"
                    for prefix in S3_RESERVED_PREFIXES if name.startswith(prefix)]
        problems += [f"project name '{name}' must not contain '{word}' (Cognito refuses it in the sign-in domain "
                     f"{name}-{self.name}-<account>)" for word in COGNITO_RESERVED_WORDS if word in name]
        return problems

    def _production_problems(self) -> list[str]:
        if not self.is_production:
            return []
        problems = []
        if self.mfa is not MfaMode.ON:
            problems.append(f"prod requires MFA ON (got {self.mfa.value})")
        if not self.deletion_protection:
            problems.append("prod requires deletion protection")
        if not self.alarm_emails:
            problems.append("prod requires at least one alarm e-mail")
        return problems

    def _url_allowed(self, url: str) -> bool:
        parsed = urlparse(url)
        if not _has_valid_host(url):
            return False
        if parsed.scheme == "https":
            return True
        local = parsed.hostname in ("localhost", "127.0.0.1")
        return parsed.scheme == "http" and local and not self.is_production


def shown(value: str) -> str:
    """`value` for a one-line message: printable ASCII as is, anything else escaped (a newline as \\n, an
    Arabic-Indic one as \\u0661), so a look-alike shows what it is."""
    return "".join(c if " " <= c <= "~" else c.encode("unicode_escape").decode() for c in value)


def _has_valid_host(url: str) -> bool:
    """An ASCII DNS name or IPv4 address, an optional port 1-65535, no credentials, no whitespace."""
    if any(c.isspace() for c in url) or not url.isascii():
        return False
    parsed = urlparse(url)
    try:
        port = parsed.port
    except ValueError:
        return False
    netloc_port = parsed.netloc.rpartition(":")[2] if ":" in parsed.netloc else None
    if netloc_port is not None and (not netloc_port or netloc_port.startswith("0") or port is None):
        return False
    host = parsed.hostname or ""
    return (bool(host) and "@" not in parsed.netloc and len(host) <= 253
            and all(_HOST_LABEL_RE.fullmatch(label) for label in host.split(".")))


def _is_origin(url: str) -> bool:
    parsed = urlparse(url)
    return not (parsed.path or parsed.params or parsed.query or parsed.fragment or url.endswith(("?", "#")))

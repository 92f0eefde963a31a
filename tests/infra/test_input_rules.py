"""User input against the rules that exist outside our code (`tests/support/aws_rules.py`, stated there
independently of the validators). The property tests generate valid and hostile inputs alike: other scripts'
digits, confusable letters, reserved prefixes and words, lengths at and past each limit, stray whitespace.
"""

from __future__ import annotations

import re
import string
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from modules.config import ConfigError, load_environment
from tests.support.aws_rules import (
    ASCII_DIGITS,
    COGNITO_RESERVED_WORDS,
    HOSTILE,
    LOWER,
    S3_RESERVED_PREFIXES,
    WHITESPACE,
    is_aws_account_id,
    is_browser_origin,
    is_valid_project_name,
)

accounts = st.one_of(
    st.text(alphabet=ASCII_DIGITS, min_size=11, max_size=13),
    st.text(alphabet=ASCII_DIGITS + HOSTILE[:24] + "x-", min_size=12, max_size=12),
    st.builds(lambda digits, space: digits + space, st.text(alphabet=ASCII_DIGITS, min_size=12, max_size=12),
              st.sampled_from(["\n", "\u00a0", "\u2028", "\x00"])),
)


@given(accounts)
@example("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662")  # Arabic-Indic
@example("123456789012\n")
@example("12345678901\uff12")  # a fullwidth 2
def test_an_account_id_is_accepted_exactly_when_aws_would_accept_it(account: str) -> None:
    base = load_environment("dev", env={})
    if is_aws_account_id(account):
        assert replace(base, account_id=account).account_id == account
    else:
        with pytest.raises(ConfigError, match="is not 12 digits"):
            replace(base, account_id=account)


def test_an_account_id_in_other_digits_never_reaches_a_bucket_name() -> None:
    arabic_indic = "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662"
    with pytest.raises(ConfigError, match="is not 12 digits"):
        load_environment("dev", env={"CDK_DEFAULT_ACCOUNT": arabic_indic})


project_names = st.one_of(
    st.text(alphabet=LOWER + ASCII_DIGITS + "-", min_size=2, max_size=25),
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(S3_RESERVED_PREFIXES),
              st.text(alphabet=LOWER + ASCII_DIGITS, min_size=1, max_size=8)),
    st.builds(lambda a, word, b: a + word + b, st.text(alphabet=LOWER, min_size=1, max_size=6),
              st.sampled_from(COGNITO_RESERVED_WORDS), st.text(alphabet=LOWER, min_size=0, max_size=6)),
    st.builds(lambda name, odd, at: name[:at] + odd + name[at:], st.text(alphabet=LOWER, min_size=3, max_size=12),
              st.sampled_from(HOSTILE + WHITESPACE + "_.A"), st.integers(min_value=0, max_value=12)),
)


@given(project_names)
@example("xn--abc")
@example("sthree-x")
@example("amzn-s3-demo-x")
@example("my-aws-app")
@example("ai-investment\n")
@example("ai-\u0456nvestment")  # a Cyrillic i
@example("abc")
@example("a" * 24)
@example("a" * 25)
def test_a_project_name_is_accepted_exactly_when_every_name_built_from_it_is(project: str) -> None:
    if is_valid_project_name(project):
        assert load_environment("dev", project_name=project, env={}).project_name == project
    else:
        with pytest.raises(ConfigError, match=r"project name '[^\n]*' must"):
            load_environment("dev", project_name=project, env={})


@pytest.mark.parametrize(("project", "fix"), [
    ("xn--abc", "must not start with 'xn--' (S3 reserves it for bucket names)"),
    ("sthree-x", "must not start with 'sthree-' (S3 reserves it for bucket names)"),
    ("my-aws-app", "must not contain 'aws' (Cognito refuses it in the sign-in domain"),
    ("amazon-x", "must not contain 'amazon' (Cognito refuses it in the sign-in domain"),
])
def test_a_reserved_project_name_is_refused_with_the_reason(project: str, fix: str) -> None:
    with pytest.raises(ConfigError, match=fix.replace("(", r"\(").replace(")", r"\)")):
        load_environment("dev", project_name=project, env={})


origins = st.one_of(
    st.sampled_from([
        "https://app.example.com", "https://app.example.com:8443", "http://localhost:3000", "http://localhost",
        "https://app.example.com/", "https://app.example.com/path", "https://app.example.com?x=1",
        "https://app.example.com#frag", "https://user@app.example.com", "https://exa mple.com",
        "https://app.example.com:99999", "https://app.example.com:", "http://app.example.com",
        "https://-bad.example.com", "https://app..example.com", "https://\u0430pp.example.com", "https://",
        "ftp://app.example.com", "https://app.example.com\n", "https://app.example.com:08443",
        "https://127.0.0.1", "javascript://app.example.com",
    ]),
    st.builds(lambda host, tail: f"https://{host}{tail}", st.text(alphabet=LOWER + "-.", min_size=1, max_size=20),
              st.sampled_from(["", "/", ":443", ":0", "/x", "\t"])),
)


@given(origins, st.sampled_from(["dev", "prod"]))
def test_a_cors_origin_is_accepted_exactly_when_a_browser_could_send_it(origin: str, env_name: str) -> None:
    base = load_environment(env_name, env={})
    if is_browser_origin(origin, production=env_name == "prod"):
        assert replace(base, cors_origins=(origin,)).cors_origins == (origin,)
    else:
        with pytest.raises(ConfigError, match="CORS origin"):
            replace(base, cors_origins=(origin,))


@given(st.one_of(
    st.sampled_from(["ops@example.com", "ops@example.com\n", "ops@example", "ops @example.com", "@example.com",
                     "ops@@example.com", "ops@exa mple.com", "ops@example.com ", "o@e.io"]),
    st.builds(lambda local, domain, tld, tail: f"{local}@{domain}.{tld}{tail}",
              st.text(alphabet=LOWER + ASCII_DIGITS + "._+-", min_size=1, max_size=10),
              st.text(alphabet=LOWER + ASCII_DIGITS + "-", min_size=1, max_size=10),
              st.text(alphabet=LOWER, min_size=2, max_size=4), st.sampled_from(["", "\n", " ", "\u2028"]))))
def test_an_alarm_email_with_stray_whitespace_is_refused(address: str) -> None:
    base = load_environment("dev", env={})
    simple = (address.count("@") == 1 and not any(c in address for c in WHITESPACE)
              and "." in address.split("@")[1] and all(address.split("@"))
              and not address.split("@")[1].startswith(".") and not address.endswith("."))
    if simple:
        assert replace(base, alarm_emails=(address,)).alarm_emails == (address,)
    else:
        with pytest.raises(ConfigError, match="is not an e-mail address"):
            replace(base, alarm_emails=(address,))


def test_callback_urls_may_carry_a_path_but_not_a_fragment() -> None:
    base = load_environment("dev", env={})
    assert replace(base, oauth_callback_urls=("https://app.example.com/callback",)).oauth_callback_urls
    fragment = "callback URL 'https://app.example.com/cb#x' must not have a fragment"
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        replace(base, oauth_callback_urls=("https://app.example.com/cb#x",))
    assert urlsplit("https://app.example.com/cb#x").fragment == "x"
    with pytest.raises(ConfigError, match=re.escape("logout URL 'https://exa mple.com/' must use https")):
        replace(base, oauth_logout_urls=("https://exa mple.com/",))


def test_the_letters_and_digits_of_the_oracles_are_ascii() -> None:
    assert set(ASCII_DIGITS) == set(string.digits) and set(LOWER) == set(string.ascii_lowercase)

"""Rules that exist outside our code, written from AWS's and the browsers' documentation, for tests to judge
our validators by. Explicit ASCII alphabets throughout: in Python `\\d` and `str.isdigit` accept every
script's digits, `\\w` every script's letters, and `$` a trailing newline; AWS accepts none of those.
"""

from __future__ import annotations

ASCII_DIGITS = "0123456789"
LOWER = "abcdefghijklmnopqrstuvwxyz"
# Look like ASCII digits or letters, are not: Arabic-Indic, Devanagari, fullwidth and mathematical digits, a
# superscript, Cyrillic a/e/o, Greek omicron, dotless i, the Kelvin sign, long s, a ligature.
HOSTILE = (
    "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f\uff10\uff11\uff12\uff13\U0001d7ce\U0001d7cf\u00b2\u0430\u0435\u043e\u03bf\u0131K\u017f\ufb01"
)
WHITESPACE = " \t\n\r\x0b\x0c\u00a0\u2028"


def is_aws_account_id(value: str) -> bool:
    """AWS: an account ID is exactly 12 digits 0-9."""
    return len(value) == 12 and all(c in ASCII_DIGITS for c in value)


# S3 bucket names may not start with these (every bucket name of ours starts with the project name).
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
# Cognito refuses a domain prefix that contains one of these words (ours is `<project>-<env>-<account>`).
COGNITO_RESERVED_WORDS = ("aws", "amazon", "cognito")


def is_valid_project_name(value: str) -> bool:
    """Our documented rule (3-24 characters of a-z, 0-9 and '-', a letter first, no '-' last), plus what
    S3 and Cognito refuse in the names built from it."""
    return (3 <= len(value) <= 24 and value[0] in LOWER and value[-1] in LOWER + ASCII_DIGITS
            and all(c in LOWER + ASCII_DIGITS + "-" for c in value)
            and not value.startswith(S3_RESERVED_PREFIXES)
            and not any(word in value for word in COGNITO_RESERVED_WORDS))


def is_browser_origin(value: str, *, production: bool) -> bool:
    """What a browser sends as `Origin`: scheme://host[:port] and nothing else; https, or http for localhost
    outside prod. The host is an ASCII DNS name (letters, digits, '-' per label, 1-63 characters each)."""
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in ("https", "http"):
        return False
    host, colon, port = rest.partition(":")
    if colon and not (port and all(c in ASCII_DIGITS for c in port) and 0 < int(port) < 65536
                      and not port.startswith("0")):
        return False
    labels = host.split(".")
    ascii_host = bool(host) and len(host) <= 253 and all(
        0 < len(label) <= 63 and all(c in LOWER + LOWER.upper() + ASCII_DIGITS + "-" for c in label)
        and not label.startswith("-") and not label.endswith("-") for label in labels)
    if not ascii_host:
        return False
    return scheme == "https" or (host == "localhost" and not production)

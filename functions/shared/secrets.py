"""Source credentials from Secrets Manager, read at run time and cached for a few minutes."""

from __future__ import annotations

import json
import time
from typing import Any

from functions.shared.aws import client

_CACHE: dict[str, tuple[float, dict[str, Any]]] = {}
_MAX_AGE_SECONDS = 300.0


def secret_json(arn: str) -> dict[str, Any]:
    """The secret's JSON object; cached per container for five minutes so rotation is picked up."""
    cached = _CACHE.get(arn)
    if cached and time.monotonic() - cached[0] < _MAX_AGE_SECONDS:
        return cached[1]
    raw = client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError(f"secret {arn} must hold a JSON object")
    _CACHE[arn] = (time.monotonic(), value)
    return value


def source_headers(arn: str) -> dict[str, str]:
    """HTTP headers for the sources, from the secret's `headers` object (e.g. User-Agent, Authorization)."""
    headers = secret_json(arn).get("headers", {})
    if not isinstance(headers, dict):
        raise ValueError(f"secret {arn}: 'headers' must be a JSON object of strings")
    return {str(k): str(v) for k, v in headers.items()}

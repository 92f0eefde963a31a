"""boto3 clients, created once per container and shared by every module of a function."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=20)


@cache
def client(service: str, endpoint_url: str | None = None) -> Any:
    """A cached boto3 client for `service` (optionally bound to a custom endpoint)."""
    return boto3.client(service, config=_CONFIG, endpoint_url=endpoint_url)

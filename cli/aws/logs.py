"""`aiinv logs`: a function's recent CloudWatch log events."""

from __future__ import annotations

import time
from collections.abc import Iterator

from cli.core.errors import AiinvError, UsageError


def log_group(config: object, function: str) -> str:
    from modules.catalog.functions import FUNCTION_NAMES
    from modules.config import Naming

    if function not in FUNCTION_NAMES:
        raise UsageError(f"unknown function '{function}'; valid functions: {', '.join(FUNCTION_NAMES)}")
    return Naming(config).log_group(function)  # type: ignore[arg-type]


def events(config: object, group: str, since_seconds: float) -> Iterator[str]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client("logs", region_name=config.region)  # type: ignore[attr-defined]
    start = int((time.time() - since_seconds) * 1000)
    try:
        for page in client.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=start):
            for event in page.get("events", []):
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(event["timestamp"] / 1000))
                yield f"{stamp} {event['message'].rstrip()}"
    except client.exceptions.ResourceNotFoundException:
        raise AiinvError(f"log group {group} does not exist; is the compute stack applied?") from None
    except (BotoCoreError, ClientError) as exc:
        raise AiinvError(f"reading {group} failed: {exc}") from exc

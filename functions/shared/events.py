"""Recognising the kinds of events a function receives, and where their correlation id lives."""

from __future__ import annotations

from typing import Any

CORRELATION_ID_PATH = "requestContext.requestId || id || Records[0].messageId || Records[0].eventID"
"""API Gateway request id, EventBridge event id, or the first SQS / stream record."""


def is_scheduled(event: Any) -> bool:
    """An EventBridge rule or Scheduler invocation (not an API request)."""
    return isinstance(event, dict) and (
        "detail-type" in event or event.get("source") in {"aws.events", "aws.scheduler"}
    )

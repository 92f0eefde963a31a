"""`GET /health`: answers without touching any data store."""

from __future__ import annotations

import os

from aws_lambda_powertools.event_handler.api_gateway import Router

router = Router()


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "service": os.environ.get("POWERTOOLS_SERVICE_NAME", "unknown")}

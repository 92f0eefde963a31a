"""What ingest-news and ingest-social share around the pipeline: the API route and the scheduled pull."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.metrics import MetricUnit

from functions.shared.auth import Group, authorize
from functions.shared.http import parse_body
from functions.shared.ingestion.fetch import DEADLINE_SECONDS, fetch
from functions.shared.ingestion.pipeline import IngestConfig, ingest, recover
from functions.shared.secrets import source_headers

if TYPE_CHECKING:  # the item models (pydantic) are loaded by the route and the parsers, not at cold start
    from functions.shared.ingestion.models import SourceItem

logger = Logger()
metrics = Metrics()

Parser = Callable[[bytes], list["SourceItem"]]

RESERVE_SECONDS = 5.0
"""Kept back at the end of a pull or an API batch for the last round's queue messages and the answer."""


class AllSourcesFailed(RuntimeError):
    """Every configured source failed: the scheduled run is reported as an error so alarms see it."""


class OutboxSweepFailed(RuntimeError):
    """Signals an earlier run left unqueued could not be queued: reported as an error so alarms see it (the
    next run tries again)."""


def ingest_router(config: IngestConfig, max_body_bytes: int) -> Router:
    """`POST /ingest/<kind>` for analysts (and admins)."""
    router = Router()

    @router.post(f"/ingest/{config.kind}")
    def post_ingest() -> dict[str, Any]:
        """Items not reached before the deadline are answered as `deferred_ids` (the last ones sent): send
        them again; nothing of them was written."""
        from functions.shared.ingestion.models import IngestBatch

        authorize(router.current_event, Group.ANALYST)
        batch = parse_body(router.current_event, IngestBatch, max_body_bytes)
        result = ingest(config, batch.source, list(batch.items), deadline_of(router.lambda_context))
        metrics.add_metric(name="SignalsAccepted", unit=MetricUnit.Count, value=len(result.accepted))
        metrics.add_metric(name="SignalsDuplicate", unit=MetricUnit.Count, value=len(result.duplicates))
        return result.as_dict()

    return router


def pull(
    config: IngestConfig,
    urls: tuple[str, ...],
    secret_arn: str,
    parse: Parser,
    source_of: Callable[[str], str],
    remaining_millis: Callable[[], int],
) -> dict[str, Any]:
    """Fetch and ingest every configured source; one failing source does not stop the others.

    The run ends before the function's timeout (`remaining_millis` is the Lambda context's clock): no
    fetch outlasts the time left and no round of writes starts in the last `RESERVE_SECONDS`; what is
    left is taken by the next scheduled run.
    """
    deadline = time.monotonic() + remaining_millis() / 1000 - RESERVE_SECONDS
    # First what earlier runs (of this kind, API batches included) stored and could not queue before dying.
    try:
        recovered: dict[str, Any] = recover(config, deadline).as_dict()
        metrics.add_metric(name="SignalsRecovered", unit=MetricUnit.Count, value=recovered["queued"])
    except Exception as exc:  # the sources are still pulled; the run then ends in an error the alarms see
        logger.exception("outbox sweep failed")
        recovered = {"error": str(exc)}
    headers = source_headers(secret_arn)
    report: list[dict[str, Any]] = []
    for url in urls:
        source = source_of(url)
        try:
            items = parse(fetch(url, headers, min(DEADLINE_SECONDS, deadline - time.monotonic())))
            result = ingest(config, source, items, deadline)
        except Exception as exc:  # a bad source must not block the others; it is logged and counted
            logger.exception("source failed", extra={"url": url})
            metrics.add_metric(name="SourceFailures", unit=MetricUnit.Count, value=1)
            report.append({"source": source, "url": url, "error": str(exc)})
            continue
        metrics.add_metric(name="SignalsAccepted", unit=MetricUnit.Count, value=len(result.accepted))
        report.append(
            {
                "source": source,
                "url": url,
                "accepted": len(result.accepted),
                "duplicates": len(result.duplicates),
                "deferred": result.deferred,
            }
        )
    if report and all("error" in entry for entry in report):
        raise AllSourcesFailed(f"all {len(report)} sources failed: {report[0]['error']}")
    if "error" in recovered:
        raise OutboxSweepFailed(f"signals left unqueued by an earlier run were not queued: {recovered['error']}")
    return {"sources": report, "recovered": recovered}


def deadline_of(context: Any) -> float | None:
    """When an API batch stops starting rounds: the invocation's end less the reserve (None without a
    Lambda context, as in a direct call)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return time.monotonic() + remaining() / 1000 - RESERVE_SECONDS if callable(remaining) else None


def host_of(url: str) -> str:
    return (urlparse(url).hostname or "unknown").lower()

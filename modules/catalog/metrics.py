"""Custom metrics that functions publish and the observability stack alarms on, named once.

The functions publish them with Powertools Metrics (EMF): the namespace is the function's
`POWERTOOLS_METRICS_NAMESPACE`, and Powertools adds the dimension `service` with its
`POWERTOOLS_SERVICE_NAME`. The compute stack sets both (`ComputeStack.published_metric`), so an alarm built
from what it reports watches exactly the series the function writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.catalog import functions as fn

NAMESPACE_VARIABLE = "POWERTOOLS_METRICS_NAMESPACE"
SERVICE_VARIABLE = "POWERTOOLS_SERVICE_NAME"
SERVICE_DIMENSION = "service"
"""The dimension Powertools adds to every metric, valued with the function's service name."""

MARKET_AGE_METRIC = "MarketDataAgeTradingDays"
"""Published by ingest-market on every scheduled run: how many trading days the stalest symbol lags behind the
last trading day whose close has passed (0: up to date). The function defines the same string; a test of the
function checks that the two agree."""
MARKET_AGE_FUNCTION = fn.INGEST_MARKET.name


@dataclass(frozen=True)
class PublishedMetric:
    """One metric series as CloudWatch stores it: namespace, name and the full set of dimensions."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]

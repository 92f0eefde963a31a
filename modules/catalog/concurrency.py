"""Reserved concurrency, sized from what may arrive (Little's law: concurrency = arrival rate x duration).

A function behind REST routes may get as many requests at once as the stage's throttle admits: the
burst limit, then the rate limit per second. At the burst, `burst x typical duration` invocations run at
the same time. An SQS consumer adds its mapping's `maximum_concurrency`, a scheduled run one more. A
reservation below that throttles traffic the API accepted, and sends innocent queue messages to the
dead-letter queue after their receives run out.

Plain data, no cdktf: the compute stack renders it and `aiinv doctor` compares it with the account's quota.
"""

from __future__ import annotations

import math

from modules.catalog.functions import FUNCTIONS, FunctionSpec
from modules.catalog.routes import rest_functions
from modules.config.settings import ApiThrottle, EnvironmentConfig

UNRESERVED_MINIMUM = 100
"""Lambda keeps this much of the account's concurrency unreserved; a reservation eating into it fails."""
SQS_MINIMUM_CONCURRENCY = 2
"""The smallest `maximum_concurrency` an SQS event source mapping accepts."""


def required_concurrency(spec: FunctionSpec, throttle: ApiThrottle) -> int:
    need = 0
    if spec.name in rest_functions():
        need += math.ceil(max(throttle.burst_limit, throttle.rate_limit) * spec.typical_duration_seconds)
    if spec.uses.consumes:
        need += spec.queue_concurrency
    if spec.uses.schedule:
        need += 1
    return max(need, 1)


def reservations(config: EnvironmentConfig) -> dict[str, int]:
    """Function name -> reserved concurrency, for the environment's critical functions."""
    by_name = {spec.name: spec for spec in FUNCTIONS}
    return {name: required_concurrency(by_name[name], config.api_throttle) for name in config.reserved_functions}

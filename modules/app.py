"""Compose the stacks of one environment into a cdktf App. Nothing synthesizes on import.

Importing this module starts the jsii kernel and loads the AWS provider bindings the stacks use (a few
seconds, see `modules.provider_bindings`): import it only on paths that
synthesize.
"""

from __future__ import annotations

import os

# Node.js 20 runs the jsii kernel here; its end-of-life banner is known and would drown CLI output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from cdktf import App

from modules.catalog.metrics import MARKET_AGE_FUNCTION, MARKET_AGE_METRIC
from modules.config import EnvironmentConfig
from modules.stacks.api import ApiStack
from modules.stacks.auth import AuthStack
from modules.stacks.base import BaseStack
from modules.stacks.compute import ComputeStack
from modules.stacks.data import DataStack
from modules.stacks.observability import ObservabilityStack
from modules.stacks.security import SecurityStack


def build_stacks(app: App, config: EnvironmentConfig) -> list[BaseStack]:
    """Instantiate every stack of `config`'s environment in deploy order; values flow as attributes."""
    security = SecurityStack(app, config)
    data = DataStack(app, config, key=security.key)
    auth = AuthStack(app, config)
    compute = ComputeStack(app, config, security=security, data=data, auth=auth)
    functions = {name: function.resource for name, function in compute.functions.items()}
    api = ApiStack(app, config, functions=functions, user_pool=auth.user_pool, key=security.key)
    observability = ObservabilityStack(
        app, config, key=security.key, functions=functions, dead_letter_queues=compute.dead_letter_queues,
        rest_api_name=api.rest_api_name, rest_api_stage=api.stage_name,
        websocket_api_id=api.websocket_api_id, websocket_stage=api.stage_name,
        market_age=compute.published_metric(MARKET_AGE_FUNCTION, MARKET_AGE_METRIC))
    return [security, data, auth, compute, api, observability]


def build_app(config: EnvironmentConfig, *, outdir: str | None = None) -> App:
    """Return an App holding every stack of one environment; call `.synth()` to write it."""
    if outdir is None:
        return _with_stacks(App(), config)
    os.makedirs(outdir, exist_ok=True)
    return _with_stacks(App(outdir=outdir), config)


def _with_stacks(app: App, config: EnvironmentConfig) -> App:
    build_stacks(app, config)
    return app

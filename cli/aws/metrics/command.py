"""`aiinv metrics`: one reading of an environment, printed once or refreshed in place until Ctrl-C."""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from cli.aws.metrics import environment, fetch, queries, report, window
from cli.aws.metrics.environment import Watched
from cli.core.errors import AiinvError, UsageError
from modules.config import Naming

REFRESH_SECONDS = 60
"""CloudWatch keeps these metrics per minute: refreshing more often shows nothing new."""
MISSING_SHOWN = 3
_MARK = "\0"


@dataclass(frozen=True)
class Reading:
    env: str
    region: str
    prefix: str
    """The project's name prefix (`ai-investment-`): every queue of the environment starts with it."""
    watched: Watched
    since_s: int
    period_s: int


def prepare(config: Any, stacks: dict, functions: Sequence[str], since: str, period: str) -> Reading:
    """What one reading watches, from the synthesized stacks; unknown functions and bad durations are usage
    errors before any AWS call."""
    since_s, period_s = window.parse(since, period)
    # What every resource name of the environment starts and ends with, from the one naming rule.
    prefix, suffix = Naming(config).resource(_MARK).split(_MARK)
    watched = environment.read(stacks, prefix=prefix, suffix=suffix)
    if not watched.functions:
        raise AiinvError(f"the synthesized stacks of '{config.name}' define no Lambda function")
    known = [f.name for f in watched.functions]
    unknown = [name for name in functions if name not in known]
    if unknown:
        raise UsageError(f"unknown function '{unknown[0]}'; valid functions: {', '.join(known)}")
    if functions:
        left_out = {(("FunctionName", f.resource),) for f in watched.functions if f.name not in functions}
        watched = replace(watched, functions=tuple(f for f in watched.functions if f.name in functions),
                          alarms=tuple(a for a in watched.alarms if a.dimensions not in left_out))
    return Reading(config.name, config.region, prefix, watched, since_s, period_s)


def read(reading: Reading) -> report.Report:
    """Check that the environment is deployed, then one GetMetricData batch."""
    cloudwatch, sqs = fetch.client("cloudwatch", reading.region), fetch.client("sqs", reading.region)
    names = [a.name for a in reading.watched.alarms]
    states = fetch.alarm_states(cloudwatch, names)
    queues = fetch.existing_queues(sqs, reading.prefix)
    _require_deployed(reading, [n for n in names if n not in states],
                      [q.resource for q in reading.watched.queues if q.resource not in queues])
    span = window.ending_now(reading.since_s, reading.period_s)
    data = fetch.metric_data(cloudwatch, queries.build(reading.watched, span), span.start, span.end)
    return report.build(reading.env, reading.watched, span, data, states)


def _require_deployed(reading: Reading, alarms: list[str], queues: list[str]) -> None:
    missing = [*(f"alarm {n}" for n in alarms), *(f"queue {n}" for n in queues)]
    if not missing:
        return
    shown = ", ".join(missing[:MISSING_SHOWN]) + (f" and {len(missing) - MISSING_SHOWN} more"
                                                  if len(missing) > MISSING_SHOWN else "")
    verb = "does" if len(missing) == 1 else "do"
    raise AiinvError(f"environment '{reading.env}' is not deployed: {shown} {verb} not exist; apply it first "
                     f"(aiinv apply --env {reading.env})")


def show(reading: Reading, *, as_json: bool, watch: bool, no_color: bool) -> int:
    from rich.console import Console

    from cli.aws.metrics import render
    from cli.core.console import use_color

    if as_json:
        sys.stdout.write(json.dumps(render.as_json(read(reading)), indent=2) + "\n")
        return 0
    terminal = sys.stdout.isatty()
    console = Console(no_color=not use_color(no_color), highlight=False, width=None if terminal else 200,
                      soft_wrap=False)
    if not (watch and terminal):
        console.print(render.as_tables(read(reading)))
        return 0
    return _watch(reading, console)


def _watch(reading: Reading, console: Any) -> int:
    """Refresh in place until Ctrl-C, which ends with 0; other stop signals keep their exit codes."""
    from rich.console import Group
    from rich.live import Live
    from rich.text import Text

    from cli.aws.metrics import render

    try:
        with Live(console=console, auto_refresh=False, screen=False) as live:
            while True:
                shown = render.as_tables(read(reading))
                footer = Text(f"refreshed {time.strftime('%H:%M:%S')}; every {REFRESH_SECONDS} s, Ctrl-C to stop",
                              style="dim")
                live.update(Group(shown, footer), refresh=True)
                time.sleep(REFRESH_SECONDS)
    except KeyboardInterrupt as exc:
        if getattr(exc, "signum", signal.SIGINT) != signal.SIGINT:
            raise
    return 0

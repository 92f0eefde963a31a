"""Figures per function and queue from the datapoints of one reading, and the alarms whose thresholds they cross.

A function's figures cover the whole window; a queue's are its latest and highest depth and the latest age of
its oldest message. An alarm counts as crossed when its own series (its statistic per its period) breached
for as many periods in a row as it needs to fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cli.aws.metrics.environment import Alarm, Watched
from cli.aws.metrics.fetch import AlarmState, Points
from cli.aws.metrics.queries import FUNCTION_FIGURES, FUNCTION_TREND, QUEUE_TRENDS, Query, figure_of
from cli.aws.metrics.window import Window


@dataclass(frozen=True)
class Crossing:
    figure: str
    alarm: Alarm
    peak: float
    """The worst value of the alarm's series in the window."""
    at: datetime


@dataclass
class Row:
    kind: str
    """`function`, `queue` or `dead-letter queue`."""
    name: str
    resource: str
    figures: dict[str, float | None]
    trend: list[float | None]
    """One value per period of the window (None: no datapoint)."""
    trend_of: str
    crossings: list[Crossing] = field(default_factory=list)

    def crossing(self, figure: str) -> Crossing | None:
        return next((c for c in self.crossings if c.figure == figure), None)


@dataclass
class Report:
    env: str
    window: Window
    functions: list[Row]
    queues: list[Row]
    alarms: list[AlarmState]


def build(env: str, watched: Watched, window: Window, data: Mapping[Query, Points],
          states: Mapping[str, AlarmState]) -> Report:
    by_subject: dict[str, dict[str, Points]] = {}
    for query, points in data.items():
        by_subject.setdefault(query.subject, {})[query.what] = points
    alarms = {a.name: a for a in watched.alarms}
    functions = []
    for function in watched.functions:
        series = by_subject.get(function.name, {})
        figures = {f.key: _latest(series.get(f.key, [])) for f in FUNCTION_FIGURES}
        invocations, errors = figures["invocations"], figures["errors"]
        figures["error_rate"] = (errors or 0) / invocations if invocations else None
        functions.append(Row("function", function.name, function.resource, figures,
                             _trend(series.get(f"trend:{FUNCTION_TREND.key}", []), window), FUNCTION_TREND.key,
                             _crossings(series, alarms)))
    queues = []
    for queue in watched.queues:
        series = by_subject.get(queue.name, {})
        visible = series.get(f"trend:{QUEUE_TRENDS[0].key}", [])
        figures = {"visible": _latest(visible), "visible_peak": max((v for _, v in visible), default=None),
                   "oldest_age_s": _latest(series.get(f"trend:{QUEUE_TRENDS[1].key}", []))}
        queues.append(Row("dead-letter queue" if queue.dead_letter else "queue", queue.name, queue.resource,
                          figures, _trend(visible, window), QUEUE_TRENDS[0].key, _crossings(series, alarms)))
    shown = sorted((states[a.name] for a in watched.alarms if a.name in states),
                   key=lambda s: (_STATE_ORDER.get(s.state, 0), s.name))
    return Report(env, window, functions, queues, shown)


_STATE_ORDER = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}


def _latest(points: Points) -> float | None:
    """The last datapoint (a whole-window figure has just one), None when nothing was recorded."""
    return points[-1][1] if points else None


def _trend(points: Points, window: Window) -> list[float | None]:
    values = {stamp.timestamp(): value for stamp, value in points}
    return [values.get(start.timestamp()) for start in window.starts]


def _crossings(series: Mapping[str, Points], alarms: Mapping[str, Alarm]) -> list[Crossing]:
    found = []
    for what, points in series.items():
        if not what.startswith("alarm:"):
            continue
        alarm = alarms[what.removeprefix("alarm:")]
        figure = figure_of(alarm)
        crossed = _breaching_run(alarm, points)
        if figure is not None and crossed:
            worst = max(crossed, key=lambda p: p[1]) if alarm.comparison.startswith("Greater") else \
                min(crossed, key=lambda p: p[1])
            found.append(Crossing(figure, alarm, worst[1], worst[0]))
    return found


def _breaching_run(alarm: Alarm, points: Points) -> Points:
    """The breaching datapoints of every run of `evaluation_periods` consecutive periods that breached."""
    found: Points = []
    run: Points = []
    for stamp, value in points:
        consecutive = run and (stamp - run[-1][0]).total_seconds() == alarm.period
        if alarm.breaches(value):
            run = [*run, (stamp, value)] if consecutive else [(stamp, value)]
            if len(run) >= alarm.evaluation_periods:
                found.extend(p for p in run if p not in found)
        else:
            run = []
    return found

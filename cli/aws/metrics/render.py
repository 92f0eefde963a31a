"""A reading as Rich tables for a person (the columns scanned first come first) or as JSON for a script.

A figure that crosses its alarm's threshold is marked ▲ and named, with the alarm, under the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from cli.aws.metrics.report import Report, Row

SPARK = "▁▂▃▄▅▆▇█"
TREND_WIDTH = 24
MARK = "▲"
REASON_WIDTH = 90


def as_json(report: Report) -> dict[str, Any]:
    return {
        "environment": report.env,
        "start": _iso(report.window.start),
        "end": _iso(report.window.end),
        "period_seconds": report.window.period,
        "periods": [_iso(s) for s in report.window.starts],
        "functions": [_row_json(r, {"function_name": r.resource}) for r in report.functions],
        "queues": [_row_json(r, {"queue_name": r.resource, "dead_letter": r.kind == "dead-letter queue"})
                   for r in report.queues],
        "alarms": [{"name": a.name, "state": a.state, "reason": a.reason, "since": _iso(a.since) if a.since else None}
                   for a in report.alarms],
    }


def _row_json(row: Row, names: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": row.name, **names, **row.figures, f"{row.trend_of}_per_period": row.trend,
        "alarms_crossed": [{"figure": c.figure, "alarm": c.alarm.name, "rule": c.alarm.rule,
                            "statistic": c.alarm.statistic, "period_seconds": c.alarm.period,
                            "comparison": c.alarm.comparison, "threshold": c.alarm.threshold, "peak": c.peak,
                            "at": _iso(c.at)} for c in row.crossings],
    }


def as_tables(report: Report) -> Group:
    w = report.window
    title = f"{report.env}: {_clock(w.start)} to {_clock(w.end)} UTC; trends: one mark per " \
        f"{_duration(w.period * _step(len(w.starts)))}"
    functions = Table(title=title, title_justify="left", header_style="bold")
    columns: Sequence[tuple[str, str, Callable[[float], str]]] = (
        ("errors", "errors", _count), ("error_rate", "err %", _percent), ("throttles", "throttles", _count),
        ("duration_p95_ms", "p95 ms", _ms), ("duration_avg_ms", "avg ms", _ms), ("duration_max_ms", "max ms", _ms),
        ("invocations", "invocations", _count), ("concurrent_max", "concurrent", _count))
    functions.add_column("function")
    for _, header, _ in columns:
        functions.add_column(header, justify="right")
    functions.add_column("invocations per period")
    for row in report.functions:
        functions.add_row(row.name, *(_cell(row, key, show) for key, _, show in columns), _spark(row.trend))

    queues = Table(header_style="bold")
    for header in ("queue", "kind"):
        queues.add_column(header)
    for header in ("visible", "peak", "oldest"):
        queues.add_column(header, justify="right")
    queues.add_column("visible per period")
    for row in report.queues:
        queues.add_row(row.name, row.kind, _cell(row, "visible", _count), _cell(row, "visible_peak", _count),
                       _cell(row, "oldest_age_s", _age), _spark(row.trend))
    return Group(functions, queues, *_crossed(report), *_alarm_lines(report))


def _cell(row: Row, key: str, show: Callable[[float], str]) -> Text:
    value = row.figures.get(key)
    text = "-" if value is None else show(value)
    if row.crossing(key) or (key == "visible_peak" and row.crossing("visible")):
        return Text(f"{text} {MARK}", style="bold red")
    return Text(text)


def _crossed(report: Report) -> list[Text]:
    lines = [Text(f"{MARK} {row.name} {c.figure}: {c.alarm.name} ({c.alarm.rule}), worst {c.peak:g} at "
                  f"{_clock(c.at)}", style="red")
             for row in (*report.functions, *report.queues) for c in row.crossings]
    return [Text("alarm thresholds crossed in this window:", style="bold"), *lines] if lines else []


def _alarm_lines(report: Report) -> list[Any]:
    counts: dict[str, int] = {}
    for alarm in report.alarms:
        counts[alarm.state] = counts.get(alarm.state, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in counts.items()) or "none"
    lines: list[Any] = [Text(f"alarms: {summary}", style="bold")]
    raised = [a for a in report.alarms if a.state != "OK"]
    if raised:
        table = Table(header_style="bold")
        for header in ("alarm", "state", "since", "reason"):
            table.add_column(header)
        for alarm in raised:
            reason = alarm.reason if len(alarm.reason) <= REASON_WIDTH else alarm.reason[:REASON_WIDTH - 1] + "…"
            table.add_row(alarm.name, Text(alarm.state, style="bold red" if alarm.state == "ALARM" else "yellow"),
                          _clock(alarm.since) if alarm.since else "-", reason)
        lines.append(table)
    return lines


def _spark(values: Sequence[float | None]) -> str:
    """One character per period (the highest of several when the window has more than TREND_WIDTH)."""
    step = _step(len(values))
    buckets = [values[i:i + step] for i in range(0, len(values), step)]
    merged = [max((v for v in b if v is not None), default=None) for b in buckets]
    top = max((v for v in merged if v is not None), default=0) or 1
    return "".join(" " if v is None else SPARK[min(int(v / top * (len(SPARK) - 1) + 0.5), len(SPARK) - 1)]
                   for v in merged)


def _step(periods: int) -> int:
    """Periods per trend mark."""
    return max(1, -(-periods // TREND_WIDTH))


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def _age(seconds: float) -> str:
    """Seconds up to two minutes, then minutes, then hours and minutes."""
    if seconds < 120:
        return f"{seconds:.0f}s"
    return f"{seconds // 60:.0f}m" if seconds < 7200 else f"{seconds // 3600:.0f}h{seconds % 3600 // 60:.0f}m"


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60}m"
    return f"{seconds // 60}m" if seconds >= 60 else f"{seconds}s"


def _clock(stamp: datetime) -> str:
    return stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _iso(stamp: datetime) -> str:
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

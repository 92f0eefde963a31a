"""The GetMetricData queries of one reading, each named by what it answers.

Per function, figures over the whole window (one datapoint each, so a p95 or an average is over the window,
not an average of averages) and one trend per period; per queue, trends of its depth and of the age of its
oldest message; per alarm on a watched function or queue, its own metric, statistic and period, so that a
threshold is judged the way CloudWatch judges it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cli.aws.metrics.environment import Alarm, Watched
from cli.aws.metrics.window import Window

LAMBDA, SQS = "AWS/Lambda", "AWS/SQS"


@dataclass(frozen=True)
class Figure:
    key: str
    metric: str
    statistic: str


FUNCTION_FIGURES = (
    Figure("invocations", "Invocations", "Sum"),
    Figure("errors", "Errors", "Sum"),
    Figure("throttles", "Throttles", "Sum"),
    Figure("duration_avg_ms", "Duration", "Average"),
    Figure("duration_p95_ms", "Duration", "p95"),
    Figure("duration_max_ms", "Duration", "Maximum"),
    Figure("concurrent_max", "ConcurrentExecutions", "Maximum"),
)
FUNCTION_TREND = Figure("invocations", "Invocations", "Sum")
QUEUE_TRENDS = (
    Figure("visible", "ApproximateNumberOfMessagesVisible", "Maximum"),
    Figure("oldest_age_s", "ApproximateAgeOfOldestMessage", "Maximum"),
)


@dataclass(frozen=True)
class Query:
    """One metric data query; `subject` is the function's or queue's short name, `what` the figure key, a
    trend key or `alarm:<name>`."""

    subject: str
    what: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    period: int

    def request(self, query_id: str) -> dict:
        metric = {"Namespace": self.namespace, "MetricName": self.metric,
                  "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions]}
        return {"Id": query_id, "MetricStat": {"Metric": metric, "Period": self.period, "Stat": self.statistic},
                "ReturnData": True}


def build(watched: Watched, window: Window) -> list[Query]:
    queries: list[Query] = []
    for function in watched.functions:
        dims = (("FunctionName", function.resource),)
        queries += [Query(function.name, f.key, LAMBDA, f.metric, dims, f.statistic, window.seconds)
                    for f in FUNCTION_FIGURES]
        queries.append(Query(function.name, f"trend:{FUNCTION_TREND.key}", LAMBDA, FUNCTION_TREND.metric, dims,
                             FUNCTION_TREND.statistic, window.period))
    for queue in watched.queues:
        dims = (("QueueName", queue.resource),)
        queries += [Query(queue.name, f"trend:{f.key}", SQS, f.metric, dims, f.statistic, window.period)
                    for f in QUEUE_TRENDS]
    subjects = subject_of(watched)
    for alarm in watched.alarms:
        if (subject := subjects.get(alarm.dimensions)) is not None:
            queries.append(Query(subject, f"alarm:{alarm.name}", alarm.namespace, alarm.metric, alarm.dimensions,
                                 alarm.statistic, alarm.period))
    return queries


def subject_of(watched: Watched) -> dict[tuple[tuple[str, str], ...], str]:
    """Alarm dimensions -> the short name of the function or queue they name."""
    found = {(("FunctionName", f.resource),): f.name for f in watched.functions}
    found.update({(("QueueName", q.resource),): q.name for q in watched.queues})
    return found


def figure_of(alarm: Alarm) -> str | None:
    """The figure of a row an alarm judges: the same metric and statistic, else the first with its metric."""
    figures = (*FUNCTION_FIGURES, *QUEUE_TRENDS) if alarm.namespace in (LAMBDA, SQS) else ()
    same = [f for f in figures if f.metric == alarm.metric]
    exact = [f for f in same if f.statistic == alarm.statistic]
    chosen = exact or same
    return chosen[0].key if chosen else None

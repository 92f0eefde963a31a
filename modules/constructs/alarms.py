"""CloudWatch metric alarms that always notify the alert topic, on alarm and on recovery.

Missing data counts as healthy unless a spec says otherwise: an idle function or an empty queue publishes no
datapoints, while a metric published on every scheduled run goes missing only when the runs stop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from constructs import Construct

FIVE_MINUTES = 300
ONE_HOUR = 3_600
ONE_DAY = 86_400
# CloudWatch bounds an alarm's evaluation range (period x evaluation periods): a day for periods under an
# hour, seven days otherwise (PutMetricAlarm).
SHORT_PERIOD_RANGE = ONE_DAY
LONG_PERIOD_RANGE = 7 * ONE_DAY


@dataclass(frozen=True)
class AlarmSpec:
    suffix: str
    """Appended to the alarm's subject name, e.g. `errors`."""
    description: str
    namespace: str
    metric: str
    threshold: float
    statistic: str | None = "Sum"
    extended_statistic: str | None = None
    """A percentile such as `p95`, instead of `statistic`."""
    period: int = FIVE_MINUTES
    evaluation_periods: int = 1
    comparison: str = "GreaterThanThreshold"
    treat_missing_data: Literal["breaching", "notBreaching", "ignore", "missing"] = "notBreaching"
    """`breaching` where a missing datapoint is itself the failure (a run that should report did not)."""

    def __post_init__(self) -> None:
        limit = SHORT_PERIOD_RANGE if self.period < ONE_HOUR else LONG_PERIOD_RANGE
        if self.period * self.evaluation_periods > limit:
            raise ValueError(f"alarm '{self.suffix}': period x evaluation periods is "
                             f"{self.period * self.evaluation_periods} s; CloudWatch allows at most {limit} s")


class Alarms(Construct):
    """A family of alarms notifying one topic."""

    def __init__(self, scope: Construct, id_: str, *, topic_arn: str) -> None:
        super().__init__(scope, id_)
        self.topic_arn = topic_arn
        self.alarms: list[CloudwatchMetricAlarm] = []

    def add(self, id_: str, *, name: str, spec: AlarmSpec, dimensions: Mapping[str, str]) -> CloudwatchMetricAlarm:
        alarm = CloudwatchMetricAlarm(
            self, id_, alarm_name=name, alarm_description=spec.description,
            namespace=spec.namespace, metric_name=spec.metric, dimensions=dict(dimensions),
            statistic=None if spec.extended_statistic else spec.statistic,
            extended_statistic=spec.extended_statistic,
            period=spec.period, evaluation_periods=spec.evaluation_periods, datapoints_to_alarm=spec.evaluation_periods,
            threshold=spec.threshold, comparison_operator=spec.comparison, treat_missing_data=spec.treat_missing_data,
            actions_enabled=True, alarm_actions=[self.topic_arn], ok_actions=[self.topic_arn],
        )
        self.alarms.append(alarm)
        return alarm

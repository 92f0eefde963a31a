"""ObservabilityStack: the alert topic, the seed's alarms, market-data staleness, the cost budget and the dashboard.

Alarms per function (errors > 5 in 5 minutes, average duration > 10 s, throttles > 1), per dead-letter
queue (from the first message), on the REST API (5xx rate, p95 latency) and the WebSocket API
(integration and execution errors), and on the age of the market data (the environment's
`market_stale_trading_days`, or a day without any report); all notify the encrypted alert topic, as does
the monthly budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from cdktf import TerraformOutput
from constructs import Construct

from modules.catalog import entry_points
from modules.catalog.metrics import PublishedMetric
from modules.config import EnvironmentConfig
from modules.config.naming import COST_ALLOCATION_TAG
from modules.constructs.alarms import ONE_DAY, Alarms, AlarmSpec
from modules.constructs.alert_topic import AlertTopic
from modules.constructs.cost_budget import CostBudget
from modules.constructs.dashboard import Dashboard, DashboardInputs
from modules.constructs.function_ref import FunctionRef
from modules.constructs.kms_key import CustomerKey
from modules.stacks.base import BaseStack

FUNCTION_ALARMS = (
    AlarmSpec("errors", "More than 5 errors in 5 minutes", "AWS/Lambda", "Errors", 5),
    AlarmSpec("duration", "Average duration above 10 seconds over 5 minutes", "AWS/Lambda", "Duration", 10_000,
              statistic="Average"),
    AlarmSpec("throttles", "More than 1 throttled invocation in 5 minutes", "AWS/Lambda", "Throttles", 1),
)
# The first dead letter is already a failure someone has to look at.
DLQ_ALARM = AlarmSpec("messages", "A message waits in the dead-letter queue", "AWS/SQS",
                      "ApproximateNumberOfMessagesVisible", 1, statistic="Maximum",
                      comparison="GreaterThanOrEqualToThreshold")
REST_ALARMS = (
    # 5XXError averages to the share of requests that failed on the server side.
    AlarmSpec("5xx-rate", "More than 5 % of requests failed with 5xx over 5 minutes", "AWS/ApiGateway",
              "5XXError", 0.05, statistic="Average"),
    # Three periods in a row, so that one cold start does not page anyone.
    AlarmSpec("latency", "p95 latency above 5 seconds for 15 minutes", "AWS/ApiGateway", "Latency", 5_000,
              statistic=None, extended_statistic="p95", evaluation_periods=3),
)
WEBSOCKET_ALARMS = (
    AlarmSpec("integration-errors", "More than 5 WebSocket integration errors in 5 minutes", "AWS/ApiGateway",
              "IntegrationError", 5),
    AlarmSpec("execution-errors", "More than 5 WebSocket execution errors in 5 minutes", "AWS/ApiGateway",
              "ExecutionError", 5),
)

MARKET_STALE_SUFFIX = "market-data-stale"


def market_stale_alarm(metric: PublishedMetric, trading_days: int) -> AlarmSpec:
    """The stalest symbol lags `trading_days` or more. ingest-market reports four times a day, so a day
    without any report means the pull is not running at all: missing data is breaching."""
    return AlarmSpec(MARKET_STALE_SUFFIX,
                     f"Market data is {trading_days} or more trading days old, or ingest-market reported nothing "
                     "for a day", metric.namespace, metric.name, trading_days, statistic="Maximum", period=ONE_DAY,
                     comparison="GreaterThanOrEqualToThreshold", treat_missing_data="breaching")


class QueueRef(Protocol):
    @property
    def name(self) -> str: ...


class ObservabilityStack(BaseStack):
    kind = "observability"

    def __init__(self, scope: Construct, config: EnvironmentConfig, *, key: CustomerKey,
                 functions: Mapping[str, FunctionRef], dead_letter_queues: Mapping[str, QueueRef],
                 rest_api_name: str, rest_api_stage: str, websocket_api_id: str, websocket_stage: str,
                 market_age: PublishedMetric) -> None:
        super().__init__(scope, config)
        n = self.naming
        self.topic = AlertTopic(self, "Alerts", name=n.resource("alerts"), key=key, account_id=config.account_id,
                                region=config.region, emails=config.alarm_emails)
        self.alarms = Alarms(self, "Alarms", topic_arn=self.topic.arn)
        for name, function in sorted(functions.items()):
            for spec in FUNCTION_ALARMS:
                self.alarms.add(f"{name}-{spec.suffix}", name=n.resource(f"{name}-{spec.suffix}"), spec=spec,
                                dimensions={"FunctionName": function.function_name})
        for name, queue in sorted(dead_letter_queues.items()):
            self.alarms.add(f"{name}-{DLQ_ALARM.suffix}", name=n.resource(f"{name}-{DLQ_ALARM.suffix}"),
                            spec=DLQ_ALARM, dimensions={"QueueName": queue.name})
        for spec in REST_ALARMS:
            self.alarms.add(f"api-{spec.suffix}", name=n.resource(f"api-{spec.suffix}"), spec=spec,
                            dimensions={"ApiName": rest_api_name, "Stage": rest_api_stage})
        for spec in WEBSOCKET_ALARMS:
            self.alarms.add(f"stream-{spec.suffix}", name=n.resource(f"stream-{spec.suffix}"), spec=spec,
                            dimensions={"ApiId": websocket_api_id, "Stage": websocket_stage})
        stale = market_stale_alarm(market_age, config.market_stale_trading_days)
        self.alarms.add(stale.suffix, name=n.resource(stale.suffix), spec=stale,
                        dimensions=dict(market_age.dimensions))
        self.budget = CostBudget(self, "Budget", name=n.resource("monthly-cost"),
                                 monthly_limit_usd=config.monthly_budget_usd, topic_arn=self.topic.arn,
                                 tag_key=COST_ALLOCATION_TAG, tag_value=config.name)
        self.dashboard = Dashboard(self, "Dashboard", name=n.resource("operations"), inputs=DashboardInputs(
            region=config.region,
            function_names=[f.function_name for _, f in sorted(functions.items())],
            queue_names=[q.name for _, q in sorted(dead_letter_queues.items())],
            rest_api_name=rest_api_name, rest_stage=rest_api_stage,
            websocket_api_id=websocket_api_id, websocket_stage=websocket_stage,
            alarm_arns=[a.arn for a in self.alarms.alarms], monthly_budget_usd=config.monthly_budget_usd,
            market_age=market_age, market_age_period=stale.period,
            market_stale_trading_days=config.market_stale_trading_days,
        ))

        TerraformOutput(self, "alert_topic_arn", value=self.topic.arn)
        TerraformOutput(self, "dashboard_name", value=self.dashboard.resource.dashboard_name)
        TerraformOutput(self, "dashboard_url", description=entry_points.describe("CloudWatch dashboard"),
                        value=entry_points.console_dashboard_url(config.region,
                                                                  self.dashboard.resource.dashboard_name))

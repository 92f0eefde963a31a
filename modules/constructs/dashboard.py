"""The operations dashboard: system health, performance, error rate and cost, at 5-minute resolution.

The body is built here as plain data; names arrive as strings (Terraform references at synthesis).
CloudWatch keeps no refresh interval in a dashboard; the seed's 5-minute auto refresh is the
console's setting, and every widget's period is 5 minutes so each refresh shows new datapoints; the
exceptions are metrics published far more rarely (billing, market-data age).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct

from modules.catalog.metrics import PublishedMetric

PERIOD = 300
# The billing metric is published only in us-east-1, about every 6 hours.
BILLING_REGION = "us-east-1"
BILLING_PERIOD = 21_600
WIDTH, HEIGHT = 12, 6
# Two weeks of daily market-data age: enough to see a stale streak build up over a holiday.
MARKET_AGE_START = "-P14D"


@dataclass(frozen=True)
class DashboardInputs:
    region: str
    function_names: Sequence[str]
    queue_names: Sequence[str]
    """Dead-letter queues."""
    rest_api_name: str
    rest_stage: str
    websocket_api_id: str
    websocket_stage: str
    alarm_arns: Sequence[str]
    monthly_budget_usd: int
    market_age: PublishedMetric
    market_age_period: int
    """The staleness alarm's period: the widget shows what the alarm evaluates."""
    market_stale_trading_days: int


def dashboard_body(i: DashboardInputs) -> dict[str, Any]:
    api = ["ApiName", i.rest_api_name, "Stage", i.rest_stage]
    ws = ["ApiId", i.websocket_api_id, "Stage", i.websocket_stage]
    widgets: list[dict[str, Any]] = [
        _text("# System health"),
        {"type": "alarm", "properties": {"title": "Alarms", "alarms": list(i.alarm_arns)}},
        _metric("Invocations per function", i.region, "Sum",
                [["AWS/Lambda", "Invocations", "FunctionName", f] for f in i.function_names]),
        _metric("Messages in dead-letter queues", i.region, "Maximum",
                [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q] for q in i.queue_names]),
        _market_age(i),
        _metric("API requests and connections", i.region, "Sum",
                [["AWS/ApiGateway", "Count", *api], ["AWS/ApiGateway", "ConnectCount", *ws],
                 ["AWS/ApiGateway", "MessageCount", *ws]]),
        _text("# Performance"),
        _metric("Function duration (average, ms)", i.region, "Average",
                [["AWS/Lambda", "Duration", "FunctionName", f] for f in i.function_names]),
        _metric("API latency (p95, ms)", i.region, "p95",
                [["AWS/ApiGateway", "Latency", *api], ["AWS/ApiGateway", "IntegrationLatency", *api]]),
        _metric("Throttles", i.region, "Sum",
                [["AWS/Lambda", "Throttles", "FunctionName", f] for f in i.function_names]),
        _text("# Error rate"),
        _error_rate(i),
        _metric("API error rate (share of requests)", i.region, "Average",
                [["AWS/ApiGateway", "4XXError", *api], ["AWS/ApiGateway", "5XXError", *api]]),
        _metric("WebSocket errors", i.region, "Sum",
                [["AWS/ApiGateway", "IntegrationError", *ws], ["AWS/ApiGateway", "ExecutionError", *ws],
                 ["AWS/ApiGateway", "ClientError", *ws]]),
        _text(f"# Cost\nMonthly budget: {i.monthly_budget_usd} USD (AWS Budgets notifies the alert topic)."),
        {"type": "metric", "properties": {
            "title": "Estimated charges (USD, whole account)", "region": BILLING_REGION, "view": "timeSeries",
            "stat": "Maximum", "period": BILLING_PERIOD,
            "metrics": [["AWS/Billing", "EstimatedCharges", "Currency", "USD"]],
            "annotations": {"horizontal": [{"label": "Budget", "value": i.monthly_budget_usd}]}}},
    ]
    return {"start": "-PT3H", "periodOverride": "inherit", "widgets": _layout(widgets)}


def render(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def _text(markdown: str) -> dict[str, Any]:
    return {"type": "text", "width": 24, "height": 1 if "\n" not in markdown else 2,
            "properties": {"markdown": markdown}}


def _metric(title: str, region: str, stat: str, metrics: list[list[str]]) -> dict[str, Any]:
    return {"type": "metric", "properties": {"title": title, "region": region, "view": "timeSeries",
                                             "stat": stat, "period": PERIOD, "metrics": metrics}}


def _market_age(i: DashboardInputs) -> dict[str, Any]:
    """Trading days the stalest symbol lags, with the alarm threshold as a line."""
    m = i.market_age
    widget = _metric("Market data age (trading days, stalest symbol)", i.region, "Maximum",
                     [[m.namespace, m.name, *(part for dimension in m.dimensions for part in dimension)]])
    widget["properties"].update({
        "period": i.market_age_period, "start": MARKET_AGE_START, "yAxis": {"left": {"min": 0}},
        "annotations": {"horizontal": [{"label": "Stale", "value": i.market_stale_trading_days}]}})
    return widget


def _error_rate(i: DashboardInputs) -> dict[str, Any]:
    """Errors as a percentage of invocations, per function (metric math)."""
    metrics: list[list[Any]] = []
    for n, f in enumerate(i.function_names):
        # CloudWatch metric math: no division by zero in idle periods (MAX takes no literal in a list).
        metrics.append([{"expression": f"IF(i{n} > 0, 100 * e{n} / i{n}, 0)", "label": f, "id": f"rate{n}"}])
        metrics.append(["AWS/Lambda", "Errors", "FunctionName", f, {"id": f"e{n}", "visible": False}])
        metrics.append(["AWS/Lambda", "Invocations", "FunctionName", f, {"id": f"i{n}", "visible": False}])
    widget = _metric("Function error rate (%)", i.region, "Sum", metrics)
    widget["properties"]["yAxis"] = {"left": {"min": 0, "max": 100}}
    return widget


def _layout(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two widgets per row; headings take a full row."""
    x, y, placed = 0, 0, []
    for widget in widgets:
        width = widget.pop("width", WIDTH)
        height = widget.pop("height", HEIGHT)
        if x + width > 24:
            x, y = 0, y + HEIGHT
        if width == 24 and x:
            x, y = 0, y + HEIGHT
        placed.append({**widget, "x": x, "y": y, "width": width, "height": height})
        x += width
        if x >= 24:
            x, y = 0, y + height
    return placed


class Dashboard(Construct):
    def __init__(self, scope: Construct, id_: str, *, name: str, inputs: DashboardInputs) -> None:
        super().__init__(scope, id_)
        self.body = dashboard_body(inputs)
        self.resource = CloudwatchDashboard(self, "Resource", dashboard_name=name, dashboard_body=render(self.body))

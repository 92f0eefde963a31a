"""Properties of the observability stack: every function and dead-letter queue is watched, every alarm
reaches the encrypted alert topic, and the cost budget and dashboard exist per environment."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from modules.catalog.functions import FUNCTIONS, INGEST_MARKET, MARKET_QUEUE, QUEUES
from modules.catalog.metrics import MARKET_AGE_METRIC
from modules.config import ENVIRONMENT_NAMES, Naming, load_environment
from modules.config.naming import COST_ALLOCATION_TAG
from modules.constructs.alarms import AlarmSpec
from tests.support.references import resolve
from tests.support.synthesized import resources, stack_json
from tests.support.variants import VARIANT_STALE_TRADING_DAYS, timestream_stacks, timestream_variant

MARKET_STALE = "market-data-stale"
# CloudWatch's limit on period x evaluation periods for periods of an hour or more (PutMetricAlarm).
MAX_EVALUATION_RANGE_SECONDS = 7 * 86_400


@pytest.fixture(scope="module", params=ENVIRONMENT_NAMES)
def env(request, synth_root) -> tuple[str, dict[str, Any]]:
    return request.param, stack_json(request.param, "observability")


def topic_ref(stack: dict[str, Any]) -> str:
    (address,) = resources(stack, "aws_sns_topic")
    return f"${{aws_sns_topic.{address}.arn}}"


def alarms_by_dimension(stack: dict[str, Any], env_name: str, dimension: str) -> dict[str, dict[str, dict]]:
    """Producer expression of the watched resource -> metric name -> alarm."""
    n = Naming(load_environment(env_name, env={}))
    producers = {n.stack(k): stack_json(env_name, k) for k in ("compute", "api")}
    found: dict[str, dict[str, dict]] = {}
    for alarm in resources(stack, "aws_cloudwatch_metric_alarm").values():
        if dimension in alarm["dimensions"]:
            watched = resolve(alarm["dimensions"][dimension], stack, producers)
            found.setdefault(watched, {})[alarm["metric_name"]] = alarm
    return found


def test_every_function_has_the_seed_alarms(env) -> None:
    env_name, stack = env
    compute = stack_json(env_name, "compute")
    functions = {f"${{aws_lambda_function.{a}.function_name}}" for a in resources(compute, "aws_lambda_function")}
    assert functions
    watched = alarms_by_dimension(stack, env_name, "FunctionName")
    assert set(watched) == functions
    names = {a["alarm_name"] for a in resources(stack, "aws_cloudwatch_metric_alarm").values()}
    n = Naming(load_environment(env_name, env={}))
    assert {n.resource(f"{s.name}-{kind}") for s in FUNCTIONS for kind in ("errors", "duration", "throttles")} <= names
    assert n.resource(f"{INGEST_MARKET.name}-errors") in names
    for function, alarms in watched.items():
        assert set(alarms) == {"Errors", "Duration", "Throttles"}, function
        errors, duration, throttles = alarms["Errors"], alarms["Duration"], alarms["Throttles"]
        assert (errors["statistic"], errors["threshold"], errors["period"]) == ("Sum", 5, 300)
        assert (duration["statistic"], duration["threshold"]) == ("Average", 10_000)
        assert (throttles["statistic"], throttles["threshold"]) == ("Sum", 1)
        for alarm in alarms.values():
            assert alarm["comparison_operator"] == "GreaterThanThreshold"
            assert alarm["evaluation_periods"] == 1 and alarm["period"] == 300


def test_every_dead_letter_queue_has_its_alarm(env) -> None:
    env_name, stack = env
    compute = stack_json(env_name, "compute")
    dlqs = {f"${{aws_sqs_queue.{a}.name}}" for a, q in resources(compute, "aws_sqs_queue").items()
            if "dlq" in q["name"].split("-")}
    assert dlqs
    watched = alarms_by_dimension(stack, env_name, "QueueName")
    assert set(watched) == dlqs
    n = Naming(load_environment(env_name, env={}))
    queue_names = {q["name"] for q in resources(compute, "aws_sqs_queue").values()}
    assert {n.resource(f"{q}-dlq") for q in QUEUES} <= queue_names
    assert n.resource(f"{MARKET_QUEUE}-dlq") in queue_names
    names = {a["alarm_name"] for a in resources(stack, "aws_cloudwatch_metric_alarm").values()}
    assert {n.resource(f"{q}-messages") for q in QUEUES} <= names
    for alarms in watched.values():
        alarm = alarms["ApproximateNumberOfMessagesVisible"]
        # Fires on the first message: `>= 1`, not `> 1`.
        assert (alarm["statistic"], alarm["threshold"], alarm["comparison_operator"]) == (
            "Maximum", 1, "GreaterThanOrEqualToThreshold")


def test_the_rest_api_has_error_rate_and_latency_alarms(env) -> None:
    env_name, stack = env
    watched = alarms_by_dimension(stack, env_name, "ApiName")
    (alarms,) = watched.values()
    assert set(alarms) == {"5XXError", "Latency"}
    assert alarms["5XXError"]["statistic"] == "Average" and 0 < alarms["5XXError"]["threshold"] < 1
    assert alarms["Latency"]["extended_statistic"] == "p95"
    assert {a["dimensions"]["Stage"] for a in alarms.values()} == {env_name}


def test_every_alarm_notifies_the_alert_topic_on_alarm_and_recovery(env) -> None:
    env_name, stack = env
    stale = Naming(load_environment(env_name, env={})).resource(MARKET_STALE)
    topic = topic_ref(stack)
    alarms = resources(stack, "aws_cloudwatch_metric_alarm")
    assert alarms
    for address, alarm in alarms.items():
        assert alarm["actions_enabled"] is True, address
        assert alarm["alarm_actions"] == [topic], address
        assert alarm["ok_actions"] == [topic], address
        # Only the staleness alarm: a day without its metric means the pull stopped.
        expected = "breaching" if alarm["alarm_name"] == stale else "notBreaching"
        assert alarm["treat_missing_data"] == expected, address
        assert alarm["period"] * alarm["evaluation_periods"] <= MAX_EVALUATION_RANGE_SECONDS, address
        if alarm["period"] < 3_600:
            assert alarm["period"] * alarm["evaluation_periods"] <= 86_400, address


def test_the_market_data_staleness_alarm_watches_what_ingest_market_publishes(env) -> None:
    env_name, stack = env
    config = load_environment(env_name, env={})
    n = Naming(config)
    (alarm,) = [a for a in resources(stack, "aws_cloudwatch_metric_alarm").values()
                if a["alarm_name"] == n.resource(MARKET_STALE)]
    assert alarm["alarm_name"] == f"ai-investment-market-data-stale-{env_name}"
    assert MARKET_AGE_METRIC == "MarketDataAgeTradingDays" == alarm["metric_name"]
    compute = stack_json(env_name, "compute")
    (function,) = [f for f in resources(compute, "aws_lambda_function").values()
                   if f["function_name"] == n.function(INGEST_MARKET.name)]
    variables = function["environment"]["variables"]
    # The series Powertools writes: the function's namespace, and `service` as its only dimension.
    assert alarm["namespace"] == variables["POWERTOOLS_METRICS_NAMESPACE"] == config.project_name
    assert alarm["dimensions"] == {"service": variables["POWERTOOLS_SERVICE_NAME"]} == {"service": "ingest-market"}
    assert (alarm["statistic"], alarm["period"], alarm["evaluation_periods"]) == ("Maximum", 86_400, 1)
    assert alarm["threshold"] == config.market_stale_trading_days
    assert alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["treat_missing_data"] == "breaching"
    assert alarm["alarm_actions"] == alarm["ok_actions"] == [topic_ref(stack)]



def test_the_staleness_alarm_follows_the_configured_threshold(synth_root) -> None:
    n = Naming(timestream_variant())
    (alarm,) = [a for a in resources(timestream_stacks()[n.stack("observability")], "aws_cloudwatch_metric_alarm")
                .values() if a["alarm_name"] == n.resource(MARKET_STALE)]
    assert alarm["threshold"] == VARIANT_STALE_TRADING_DAYS != load_environment("dev", env={}).market_stale_trading_days

def test_the_alert_topic_is_encrypted_with_the_key_and_takes_only_tls_publishes_of_this_account(env) -> None:
    env_name, stack = env
    config = load_environment(env_name, env={})
    security = stack_json(env_name, "security")
    (topic,) = resources(stack, "aws_sns_topic").values()
    producers = {Naming(config).stack("security"): security}
    (key_address,) = resources(security, "aws_kms_key")
    assert resolve(topic["kms_master_key_id"], stack, producers) == f"${{aws_kms_key.{key_address}.arn}}"
    (policy,) = resources(stack, "aws_sns_topic_policy").values()
    assert policy["arn"] == topic_ref(stack)
    statements = json.loads(policy["policy"])["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in allows} == {"cloudwatch.amazonaws.com", "budgets.amazonaws.com"}
    for statement in allows:
        assert statement["Action"] == ["SNS:Publish"]
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == config.account_id
        assert f":{config.account_id}:" in statement["Condition"]["ArnLike"]["aws:SourceArn"]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_environment_alarm_emails_are_subscribed(env) -> None:
    env_name, stack = env
    emails = load_environment(env_name, env={}).alarm_emails
    subscriptions = resources(stack, "aws_sns_topic_subscription").values()
    assert sorted(s["endpoint"] for s in subscriptions) == sorted(emails)
    assert all(s["protocol"] == "email" and s["topic_arn"] == topic_ref(stack) for s in subscriptions)


def test_the_monthly_budget_notifies_the_topic_above_the_limit(env) -> None:
    env_name, stack = env
    config = load_environment(env_name, env={})
    (budget,) = resources(stack, "aws_budgets_budget").values()
    assert (budget["budget_type"], budget["time_unit"]) == ("COST", "MONTHLY")
    assert (budget["limit_amount"], budget["limit_unit"]) == (str(config.monthly_budget_usd), "USD")
    # Only this environment's spend: the cost-allocation tag that every resource of it carries.
    assert budget["cost_filter"] == [{"name": "TagKeyValue", "values": [f"user:{COST_ALLOCATION_TAG}${env_name}"]}]
    (provider,) = stack["provider"]["aws"]
    assert provider["default_tags"][0]["tags"][COST_ALLOCATION_TAG] == env_name
    kinds = {n["notification_type"] for n in budget["notification"]}
    assert kinds == {"ACTUAL", "FORECASTED"}
    for notification in budget["notification"]:
        assert notification["subscriber_sns_topic_arns"] == [topic_ref(stack)]
        assert (notification["threshold"], notification["threshold_type"]) == (100, "PERCENTAGE")


def test_the_dashboard_shows_health_performance_errors_and_cost_every_5_minutes(env) -> None:
    _, stack = env
    (dashboard,) = resources(stack, "aws_cloudwatch_dashboard").values()
    body = json.loads(dashboard["dashboard_body"])
    headings = [w["properties"]["markdown"].splitlines()[0] for w in body["widgets"] if w["type"] == "text"]
    assert headings == ["# System health", "# Performance", "# Error rate", "# Cost"]
    metrics = [w["properties"] for w in body["widgets"] if w["type"] == "metric"]
    billing = [m for m in metrics if m["metrics"][0][:2] == ["AWS/Billing", "EstimatedCharges"]]
    assert len(billing) == 1 and billing[0]["region"] == "us-east-1"
    market = [m for m in metrics if MARKET_AGE_METRIC in m["metrics"][0]]
    assert len(market) == 1
    assert all(m["period"] == 300 for m in metrics if m not in billing + market)
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert len(alarm_widget["properties"]["alarms"]) == len(resources(stack, "aws_cloudwatch_metric_alarm"))
    for widget in body["widgets"]:
        assert widget["x"] + widget["width"] <= 24


def test_the_dashboard_shows_market_data_age_as_the_staleness_alarm_sees_it(env) -> None:
    env_name, stack = env
    n = Naming(load_environment(env_name, env={}))
    (dashboard,) = resources(stack, "aws_cloudwatch_dashboard").values()
    widgets = [w["properties"] for w in json.loads(dashboard["dashboard_body"])["widgets"] if w["type"] == "metric"]
    (widget,) = [w for w in widgets if MARKET_AGE_METRIC in w["metrics"][0]]
    (alarm,) = [a for a in resources(stack, "aws_cloudwatch_metric_alarm").values()
                if a["alarm_name"] == n.resource(MARKET_STALE)]
    namespace, _, *dimensions = widget["metrics"][0]
    assert namespace == alarm["namespace"] and dict(zip(dimensions[::2], dimensions[1::2], strict=True)) == (
        alarm["dimensions"])
    assert (widget["stat"], widget["period"]) == (alarm["statistic"], alarm["period"])
    assert widget["annotations"]["horizontal"] == [{"label": "Stale", "value": alarm["threshold"]}]


def test_the_generic_widgets_show_every_function_and_dead_letter_queue(env) -> None:
    env_name, stack = env
    n = Naming(load_environment(env_name, env={}))
    compute = stack_json(env_name, "compute")
    producers = {n.stack("compute"): compute}
    (dashboard,) = resources(stack, "aws_cloudwatch_dashboard").values()
    widgets = {w["properties"]["title"]: w["properties"]["metrics"]
               for w in json.loads(dashboard["dashboard_body"])["widgets"] if w["type"] == "metric"}

    def shown(title: str, dimension: str) -> set[str]:
        return {resolve(row[row.index(dimension) + 1], stack, producers) for row in widgets[title] if dimension in row}

    functions = {f"${{aws_lambda_function.{a}.function_name}}": f["function_name"]
                 for a, f in resources(compute, "aws_lambda_function").items()}
    assert n.function(INGEST_MARKET.name) in functions.values()
    for title in ("Invocations per function", "Function duration (average, ms)", "Throttles",
                  "Function error rate (%)"):
        assert shown(title, "FunctionName") == set(functions), title
    dlqs = {f"${{aws_sqs_queue.{a}.name}}": q["name"] for a, q in resources(compute, "aws_sqs_queue").items()
            if "dlq" in q["name"].split("-")}
    assert n.resource(f"{MARKET_QUEUE}-dlq") in dlqs.values()
    assert shown("Messages in dead-letter queues", "QueueName") == set(dlqs)


def test_every_dashboard_expression_is_metric_math_that_cloudwatch_accepts(env) -> None:
    """Each expression uses only ids of metrics in its widget, and divides only where the divisor is positive."""
    _, stack = env
    (dashboard,) = resources(stack, "aws_cloudwatch_dashboard").values()
    expressions = 0
    for widget in json.loads(dashboard["dashboard_body"])["widgets"]:
        rows = widget.get("properties", {}).get("metrics", [])
        ids = {row[-1]["id"] for row in rows if isinstance(row[-1], dict) and "id" in row[-1]}
        for row in rows:
            expression = row[0].get("expression") if isinstance(row[0], dict) else None
            if expression is None:
                continue
            expressions += 1
            assert "[" not in expression, expression  # MAX([i0, 1]) is refused: no literals in a list
            match = re.fullmatch(r"IF\((\w+) > 0, 100 \* (\w+) / (\w+), 0\)", expression)
            assert match and match.group(1) == match.group(3), expression
            assert {match.group(1), match.group(2)} <= ids - {row[0]["id"]}, expression
    assert expressions


@pytest.mark.parametrize(("period", "evaluation_periods", "accepted"), [
    (300, 288, True), (300, 289, False), (86_400, 7, True), (86_400, 8, False), (3_600, 168, True),
])
def test_an_alarm_spec_stays_within_cloudwatch_evaluation_range(period: int, evaluation_periods: int,
                                                                accepted: bool) -> None:
    def spec() -> AlarmSpec:
        return AlarmSpec("x", "x", "N", "M", 1, period=period, evaluation_periods=evaluation_periods)

    if accepted:
        assert spec().period == period
    else:
        with pytest.raises(ValueError, match="period x evaluation periods"):
            spec()

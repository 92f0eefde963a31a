"""evaluation: outcomes against market prices, artefacts, figures."""

from __future__ import annotations

import json

import boto3
import pytest
from conftest import handler_module
from fn_events import ALICE, json_body, rest
from fn_pipeline import EVALUATE_AS_OF, decided, run_job

from functions.evaluation.evaluate import returns
from functions.shared.dynamo import from_item


def call(method, path, body=None, *, groups="analyst", context):
    response = handler_module("evaluation").handler(rest(method, path, body, groups=groups), context)
    return response["statusCode"], json_body(response)


def evaluate(aws, context, as_of: str) -> tuple[dict, dict[str, dict]]:
    """POST /evaluate (202), the job run from its queue: the finished job and the outcomes by entity."""
    response = handler_module("evaluation").handler(rest("POST", "/evaluate", {"as_of": as_of}), context)
    job = run_job(aws, context, "evaluation", response, sub=ALICE, groups="analyst")
    items = boto3.client("dynamodb").scan(TableName=aws["OUTCOMES_TABLE"])["Items"]
    return job, {o["entity_id"]: o for o in map(from_item, items)}


def test_decided_proposals_are_evaluated_once_with_artefacts(seeded, context):
    proposals = decided(seeded, context, decisions={"AAPL": "approve", "TSLA": "approve"})

    job, outcomes = evaluate(seeded, context, EVALUATE_AS_OF)

    assert job["state"] == "succeeded" and job["result"] == {"evaluated": 2, "skipped": 0, "no_price": 0}
    assert set(outcomes) == {"AAPL", "TSLA"}
    # the sample prices: Apple rose (long wins), Tesla fell (short wins)
    assert outcomes["AAPL"]["hit"] is True and outcomes["AAPL"]["return"] > 0
    assert outcomes["TSLA"]["hit"] is True and outcomes["TSLA"]["return"] > 0
    assert outcomes["TSLA"]["direction"] == "short"
    assert outcomes["AAPL"]["excess_return"] == pytest.approx(
        outcomes["AAPL"]["return"] - outcomes["AAPL"]["benchmark_return"], abs=1e-6
    )
    artefact = boto3.client("s3").get_object(Bucket=seeded["EVAL_BUCKET"], Key=outcomes["AAPL"]["artefact_key"])
    document = json.loads(artefact["Body"].read())
    assert document["outcome"]["proposal_id"] == proposals["AAPL"]["proposal_id"]
    assert "created_by" not in document["proposal"] and "history" not in document["proposal"]
    # evaluating again writes nothing new
    job, again = evaluate(seeded, context, EVALUATE_AS_OF)
    assert job["result"] == {"evaluated": 0, "skipped": 0, "no_price": 0} and again == outcomes


def test_proposals_before_their_horizon_wait(seeded, context):
    decided(seeded, context, decisions={"AAPL": "approve"})
    job, outcomes = evaluate(seeded, context, "2026-11-22T00:00:00Z")
    assert job["result"] == {"evaluated": 0, "skipped": 0, "no_price": 0} and outcomes == {}


def test_metrics_and_dashboard_report_the_figures(seeded, context):
    decided(seeded, context, decisions={"AAPL": "approve", "TSLA": "reject"})
    evaluate(seeded, context, EVALUATE_AS_OF)

    status, figures = call("GET", "/metrics", groups="viewer", context=context)
    assert status == 200
    assert figures["signals"] == 13
    assert figures["proposals_by_state"]["evaluated"] == 2
    assert figures["approved"]["count"] == 1 and figures["approved"]["hit_rate"] == 1.0
    assert figures["rejected_counterfactual"]["count"] == 1

    status, summary = call("GET", "/dashboard/summary", groups="viewer", context=context)
    assert status == 200 and set(summary["entities"]) == {"AAPL"}
    assert sorted((p["entity_id"], p["state"]) for p in summary["recent_proposals"]) == [
        ("AAPL", "evaluated"), ("MSFT", "proposed"), ("TSLA", "evaluated")]


def test_figures_need_a_group_and_evaluate_needs_analyst(seeded, context):
    assert call("GET", "/metrics", groups="", context=context)[0] == 403
    assert call("POST", "/evaluate", {}, groups="viewer", context=context)[0] == 403
    status, body = call("POST", "/evaluate", {"as_of": "2999-01-01T00:00:00Z"}, context=context)
    assert status == 400 and body["details"][0]["field"] == "as_of"


def test_return_arithmetic():
    assert returns("long", 100, 110, 100, 105) == {
        "return": 0.1,
        "benchmark_return": 0.05,
        "excess_return": 0.05,
        "hit": True,
    }
    assert returns("short", 100, 110, 100, 100)["return"] == pytest.approx(-0.1)

"""The schedules with work to do: the orchestrator's run at the moment the sample signals are fresh proposes
and risk-checks, and the evaluation's daily run after the proposals' horizon evaluates what was decided, each
read back from the tables a user's dashboard reads."""

from __future__ import annotations

import boto3
import pytest
import time_machine
from conftest import handler_module
from fn_events import BOB, json_body, rest, scheduled
from fn_pipeline import AS_OF, EVALUATE_AS_OF, drain_queue, scored_samples

from functions.shared.auth import SYSTEM_ACTOR
from functions.shared.dynamo import from_item

ENTRY_DAY, EXIT_DAY = "2026-11-19", "2026-11-24"
"""The last trading days closed at AS_OF (a Friday, 18:00 UTC: before New York's close) and five days later."""


def table(aws, name: str) -> list[dict]:
    return [from_item(item) for item in boto3.client("dynamodb").scan(TableName=aws[name])["Items"]]


def closes(aws) -> dict[tuple[str, str], float]:
    """(symbol, exchange day) -> the stored close."""
    return {(row["symbol"], row["ts"][:10]): float(row["close"]) for row in table(aws, "MARKET_DATA_TABLE")}


@pytest.fixture
def scheduled_proposals(seeded, context) -> tuple[dict, dict[str, dict]]:
    """The orchestrator's schedule fires at AS_OF over the scored samples: its answer and the proposals stored."""
    scored_samples(seeded, context)
    with time_machine.travel(AS_OF, tick=False):
        answer = handler_module("orchestrator").handler(scheduled(), context)
    return answer, {p["entity_id"]: p for p in table(seeded, "PROPOSALS_TABLE")}


def test_a_scheduled_orchestrator_run_proposes_for_the_entities_with_evidence_and_risk_checks_them(
    scheduled_proposals,
):
    answer, proposals = scheduled_proposals
    assert answer == {"created": 3, "risk_checked": 3, "risk_passed": 3}
    # Apple's and Microsoft's news and posts are upbeat, Tesla's gloomy; Nvidia's single mention is too little
    assert {e: (p["direction"], p["signal_count"]) for e, p in proposals.items()} == {
        "AAPL": ("long", 5), "TSLA": ("short", 4), "MSFT": ("long", 2)}
    for entity, proposal in proposals.items():
        assert proposal["symbol"] == entity and proposal["agent_id"] == "sentiment-momentum"
        assert proposal["state"] == "risk_passed" and proposal["risk_checked_by"] == SYSTEM_ACTOR
        assert proposal["as_of"] == "2026-11-20T18:00:00.000000Z" and proposal["created_by"] == SYSTEM_ACTOR
        assert proposal["horizon_days"] == 5 and proposal["benchmark"] == "SPY"
        assert 0 < proposal["confidence"] <= 1
        assert [(h["to"], h["by"]) for h in proposal["history"]] == [
            ("proposed", SYSTEM_ACTOR), ("risk_passed", SYSTEM_ACTOR)]
        assert {r["rule"] for r in proposal["risk_reasons"]} == {
            "min_confidence", "position_limit", "concentration_limit", "exclusions"}
        assert all(r["passed"] for r in proposal["risk_reasons"])


def test_a_second_scheduled_run_in_the_same_hour_creates_nothing_more(scheduled_proposals, seeded, context):
    _, proposals = scheduled_proposals
    with time_machine.travel(AS_OF, tick=False):
        again = handler_module("orchestrator").handler(scheduled(), context)
    assert again == {"created": 0, "risk_checked": 0, "risk_passed": 0}
    assert {e: p["state"] for e, p in
            ((p["entity_id"], p) for p in table(seeded, "PROPOSALS_TABLE"))} == {
        e: p["state"] for e, p in proposals.items()}


def test_a_scheduled_evaluation_writes_the_outcomes_of_the_decided_proposals(scheduled_proposals, seeded, context):
    _, proposals = scheduled_proposals
    orchestrator = handler_module("orchestrator")
    for entity, decision in {"AAPL": "approve", "TSLA": "reject"}.items():
        body = {"proposal_id": proposals[entity]["proposal_id"], "decision": decision}
        response = orchestrator.handler(rest("POST", "/decision", body, groups="approver", sub=BOB), context)
        assert response["statusCode"] == 200, response["body"]

    # WHEN the evaluation's schedule fires after the horizon and its job runs
    with time_machine.travel(EVALUATE_AS_OF, tick=False):
        started = handler_module("evaluation").handler(scheduled(), context)
        drain_queue(seeded, context, "evaluation", "EVALUATIONS_QUEUE_URL")
    job = json_body(orchestrator.handler(rest("GET", f"/jobs/{started['job_id']}", groups="admin"), context))
    assert job["state"] == "succeeded" and job["kind"] == "evaluate"
    assert job["result"] == {"evaluated": 2, "skipped": 0, "no_price": 0}

    # THEN each decided proposal has one outcome, priced from the stored closes (Microsoft's, undecided, none)
    outcomes = {o["entity_id"]: o for o in table(seeded, "OUTCOMES_TABLE")}
    assert set(outcomes) == {"AAPL", "TSLA"} and len(table(seeded, "OUTCOMES_TABLE")) == 2
    stored = closes(seeded)
    for entity, decision in {"AAPL": "approved", "TSLA": "rejected"}.items():
        outcome, proposal = outcomes[entity], proposals[entity]
        assert outcome["proposal_id"] == proposal["proposal_id"] and outcome["decision"] == decision
        assert outcome["direction"] == proposal["direction"] and outcome["benchmark"] == "SPY"
        assert (outcome["entry_at"], outcome["exit_at"]) == ("2026-11-20T18:00:00.000000Z",
                                                            "2026-11-25T18:00:00.000000Z")
        entry, exit_ = stored[(entity, ENTRY_DAY)], stored[(entity, EXIT_DAY)]
        bench = stored[("SPY", EXIT_DAY)] / stored[("SPY", ENTRY_DAY)] - 1
        move = exit_ / entry - 1 if proposal["direction"] == "long" else 1 - exit_ / entry
        assert (float(outcome["entry_price"]), float(outcome["exit_price"])) == (entry, exit_)
        assert float(outcome["return"]) == pytest.approx(move, abs=1e-6)
        assert float(outcome["benchmark_return"]) == pytest.approx(bench, abs=1e-6)
        assert float(outcome["excess_return"]) == pytest.approx(move - bench, abs=2e-6)
        assert outcome["hit"] is (move > 0)
    # the sample prices: Apple rose (the approved long won), Tesla fell (the rejected short would have won)
    assert outcomes["AAPL"]["hit"] is True and outcomes["TSLA"]["hit"] is True
    after = {p["entity_id"]: p for p in table(seeded, "PROPOSALS_TABLE")}
    assert after["MSFT"]["state"] == "risk_passed"
    for entity in ("AAPL", "TSLA"):
        assert after[entity]["state"] == "evaluated"
        assert after[entity]["history"][-1]["to"] == "evaluated" and after[entity]["history"][-1]["by"] == SYSTEM_ACTOR
        assert float(after[entity]["outcome_return"]) == float(outcomes[entity]["return"])

"""orchestrator: proposals, risk checks, four-eyes decisions and the state machine."""

from __future__ import annotations

import boto3
import pytest
from conftest import handler_module
from fn_events import ALICE, BOB, json_body, rest
from fn_pipeline import propose, scored_samples

from functions.shared.states import TRANSITIONS, ProposalState, is_legal

CAROL = "33333333-4444-5555-6666-777777777777"


def call(method, path, body=None, *, groups="analyst", sub=ALICE, context):
    response = handler_module("orchestrator").handler(rest(method, path, body, groups=groups, sub=sub), context)
    return response["statusCode"], json_body(response)


@pytest.fixture
def proposed(seeded, context) -> dict[str, dict]:
    scored_samples(seeded, context)
    created = propose(context, sub=ALICE)["created"]
    return {p["entity_id"]: p for p in created}


def test_propose_aggregates_scored_signals_per_entity(proposed):
    # Apple news and posts are upbeat, Tesla's are gloomy; Nvidia has a single mention (too little evidence)
    assert proposed["AAPL"]["direction"] == "long"
    assert proposed["TSLA"]["direction"] == "short"
    assert "NVDA" not in proposed
    for proposal in proposed.values():
        assert proposal["state"] == "proposed"
        assert 0 < proposal["confidence"] <= 1
        assert proposal["created_by"] == ALICE


def test_proposing_again_in_the_same_hour_duplicates_nothing(proposed, context):
    again = propose(context, sub=ALICE)
    assert again["created"] == []
    assert sorted(again["existing"]) == sorted(p["proposal_id"] for p in proposed.values())


def test_risk_check_records_reasons_and_moves_the_state(proposed, context):
    status, result = call("POST", "/risk/check", {"proposal_id": proposed["AAPL"]["proposal_id"]}, context=context)
    assert status == 200
    assert result["passed"] is True and result["state"] == "risk_passed"
    assert {r["rule"] for r in result["reasons"]} == {
        "min_confidence",
        "position_limit",
        "concentration_limit",
        "exclusions",
    }
    # checking again is not a legal transition
    status, again = call("POST", "/risk/check", {"proposal_id": proposed["AAPL"]["proposal_id"]}, context=context)
    assert status == 409 and "risk_passed" in again["message"]


def test_excluded_entity_is_rejected_with_the_reason(seeded, proposed, context):
    from functions.shared.dynamo import to_item

    boto3.client("dynamodb").put_item(
        TableName=seeded["AGENTS_CONFIG_TABLE"],
        Item=to_item(
            {
                "agent_id": "sentiment-momentum",
                "kinds": {"news": 1.0, "social": 0.6},
                "min_mentions": 2,
                "excluded_entities": ["TSLA"],
                "min_confidence": 0.25,
            }
        ),
    )
    status, result = call("POST", "/risk/check", {"proposal_id": proposed["TSLA"]["proposal_id"]}, context=context)
    assert status == 200 and result["state"] == "risk_rejected"
    [failed] = [r for r in result["reasons"] if not r["passed"]]
    assert failed["rule"] == "exclusions"


def test_risk_check_unknown_or_malformed_ids(proposed, context):
    assert call("POST", "/risk/check", {"proposal_id": "0" * 32}, context=context)[0] == 404
    status, body = call("POST", "/risk/check", {"proposal_id": "nope"}, context=context)
    assert status == 400 and body["details"][0]["field"] == "proposal_id"
    assert call("POST", "/risk/check", {"proposal_id": "0" * 32}, groups="viewer", context=context)[0] == 403


def test_decision_four_eyes_groups_and_audit_trail(proposed, context):
    proposal_id = proposed["AAPL"]["proposal_id"]
    # not yet risk-checked: nobody may decide
    assert (
        call(
            "POST",
            "/decision",
            {"proposal_id": proposal_id, "decision": "approve"},
            groups="approver",
            sub=BOB,
            context=context,
        )[0]
        == 409
    )
    call("POST", "/risk/check", {"proposal_id": proposal_id}, context=context)
    decision = {"proposal_id": proposal_id, "decision": "approve", "comment": "looks sound"}
    # analysts do not decide; the creator never decides on their own proposal, even as admin
    assert call("POST", "/decision", decision, groups="analyst", sub=BOB, context=context)[0] == 403
    status, body = call("POST", "/decision", decision, groups="admin,analyst", sub=ALICE, context=context)
    assert status == 403 and "four-eyes" in body["message"]
    # an approver who did not create it decides
    status, approved = call("POST", "/decision", decision, groups="approver", sub=BOB, context=context)
    assert status == 200 and approved["state"] == "approved" and approved["decided_by"] == BOB
    assert [(h.get("from"), h["to"], h["by"]) for h in approved["history"]] == [
        (None, "proposed", ALICE),
        ("proposed", "risk_passed", ALICE),
        ("risk_passed", "approved", BOB),
    ]
    # the same request retried gets the same answer; a conflicting decision afterwards does not win
    assert call("POST", "/decision", decision, groups="approver", sub=BOB, context=context) == (200, approved)
    status, body = call(
        "POST", "/decision", {**decision, "decision": "reject"}, groups="approver", sub=CAROL, context=context
    )
    assert status == 409 and "approved" in body["message"]
    # readers see the final state
    status, seen = call("GET", f"/proposals/{proposal_id}", groups="viewer", sub=CAROL, context=context)
    assert status == 200 and seen["state"] == "approved"


def test_decision_on_unknown_proposal_is_404(seeded, context):
    body = {"proposal_id": "f" * 32, "decision": "reject"}
    assert call("POST", "/decision", body, groups="approver", sub=BOB, context=context)[0] == 404
    assert call("GET", "/proposals/" + "f" * 32, groups="viewer", context=context)[0] == 404


def test_a_scheduled_run_when_every_signal_is_older_than_the_lookback_proposes_nothing(seeded, context):
    """(With fresh signals it proposes and risk-checks: test_scheduled_runs.py.)"""
    from fn_events import scheduled

    scored_samples(seeded, context)
    # the schedule proposes as of now; the samples are older than the lookback, so nothing is proposed
    result = handler_module("orchestrator").handler(scheduled(), context)
    assert result == {"created": 0, "risk_checked": 0, "risk_passed": 0}
    assert boto3.client("dynamodb").scan(TableName=seeded["PROPOSALS_TABLE"])["Items"] == []


def test_only_legal_transitions_exist():
    assert is_legal(ProposalState.PROPOSED, ProposalState.RISK_PASSED)
    assert not is_legal(ProposalState.PROPOSED, ProposalState.APPROVED)
    assert not any(is_legal(ProposalState.EVALUATED, s) for s in ProposalState)
    assert all(TRANSITIONS[s] <= set(ProposalState) for s in ProposalState)


def test_the_same_instant_in_two_offsets_is_one_proposal(seeded, context):
    scored_samples(seeded, context)
    first = call("POST", "/propose", {"as_of": "2026-11-20T18:00:00Z"}, context=context)[1]
    again = call("POST", "/propose", {"as_of": "2026-11-20T19:00:00+01:00"}, context=context)[1]
    assert first["created"] and again["created"] == []
    assert sorted(again["existing"]) == sorted(p["proposal_id"] for p in first["created"])


def test_a_double_clicked_approval_is_a_409_with_retry_after(proposed, context):
    # GIVEN BOB's approval still being carried out (its idempotency record is in progress)
    orchestrator = handler_module("orchestrator")
    proposal_id = proposed["AAPL"]["proposal_id"]
    call("POST", "/risk/check", {"proposal_id": proposal_id}, context=context)
    command = {"proposal_id": proposal_id, "decision": "approve", "comment": None, "actor": BOB}
    orchestrator.persistence.configure(
        orchestrator.decision_idempotency, "functions.orchestrator.routes.proposal_router.<locals>.decide_once"
    )
    orchestrator.persistence.save_inprogress(data=command)
    # WHEN the second click arrives
    response = orchestrator.handler(
        rest("POST", "/decision", {"proposal_id": proposal_id, "decision": "approve"}, groups="approver", sub=BOB),
        context,
    )
    # THEN it is told to retry, and nothing was decided twice
    assert response["statusCode"] == 409 and json_body(response)["error"] == "in_progress"
    assert response["multiValueHeaders"]["Retry-After"] == ["2"]
    assert call("GET", f"/proposals/{proposal_id}", groups="viewer", context=context)[1]["state"] == "risk_passed"


@pytest.mark.parametrize("route", ["/propose", "/risk/check", "/decision", "/gdpr/erase"])
def test_an_integer_of_5000_digits_is_a_400_not_a_500(seeded, context, route):
    response = handler_module("orchestrator").handler(
        rest("POST", route, raw='{"proposal_id": ' + "9" * 5000 + "}", groups="admin"), context
    )
    assert response["statusCode"] == 400 and "number" in json_body(response)["message"]

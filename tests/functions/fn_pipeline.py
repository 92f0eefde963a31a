"""Drive the pipeline steps the way AWS would: API calls, scheduled pulls, queue deliveries."""

from __future__ import annotations

import boto3
from conftest import handler_module
from fn_events import scheduled, sqs


def drain_scoring_queue(aws, context) -> list[dict]:
    """Deliver every queued message to the score function in SQS batches; returns the batch responses."""
    queue = boto3.client("sqs")
    score = handler_module("score")
    responses = []
    while True:
        messages = queue.receive_message(QueueUrl=aws["SCORING_QUEUE_URL"], MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return responses
        response = score.handler(sqs([m["Body"] for m in messages]), context)
        responses.append(response)
        for message in messages:
            queue.delete_message(QueueUrl=aws["SCORING_QUEUE_URL"], ReceiptHandle=message["ReceiptHandle"])


SAMPLE_SOURCES = {"ingest_news": 2, "ingest_social": 1}
"""Sources each scheduled pull reads the samples from (the RSS and Atom feeds; the Reddit listing)."""


def ingest_samples(context) -> None:
    """The scheduled pulls of the samples; every source read without an error."""
    for package, sources in SAMPLE_SOURCES.items():
        report = handler_module(package).handler(scheduled(), context)
        assert len(report["sources"]) == sources and not [s for s in report["sources"] if s.get("error")], report


AS_OF = "2026-11-20T18:00:00Z"
"""The sample documents were published on 2026-11-19/20; proposals are made as of this moment."""


def scored_samples(aws, context) -> None:
    ingest_samples(context)
    failed = [f for response in drain_scoring_queue(aws, context) for f in response["batchItemFailures"]]
    assert failed == [], failed


def propose(context, *, sub: str, groups: str = "analyst") -> dict:
    from fn_events import json_body, rest

    response = handler_module("orchestrator").handler(
        rest("POST", "/propose", {"as_of": AS_OF}, groups=groups, sub=sub), context
    )
    assert response["statusCode"] == 200, response["body"]
    return json_body(response)


EVALUATE_AS_OF = "2026-11-27T00:00:00Z"
"""After the five-day horizon of proposals made as of AS_OF."""


def decided(aws, context, *, decisions: dict[str, str]) -> dict[str, dict]:
    """Samples scored, proposed by ALICE, risk-checked, then decided by BOB: entity -> decision."""
    from fn_events import ALICE, BOB, json_body, rest

    scored_samples(aws, context)
    orchestrator = handler_module("orchestrator")
    proposals = {p["entity_id"]: p for p in propose(context, sub=ALICE)["created"]}
    for entity, decision in decisions.items():
        proposal_id = proposals[entity]["proposal_id"]
        checked = orchestrator.handler(rest("POST", "/risk/check", {"proposal_id": proposal_id}, sub=ALICE), context)
        assert checked["statusCode"] == 200 and json_body(checked)["state"] == "risk_passed", checked["body"]
        response = orchestrator.handler(
            rest("POST", "/decision", {"proposal_id": proposal_id, "decision": decision}, groups="approver", sub=BOB),
            context,
        )
        assert response["statusCode"] == 200, json_body(response)
    return proposals


JOB_QUEUES = {
    "orchestrator": "ERASURES_QUEUE_URL", "evaluation": "EVALUATIONS_QUEUE_URL", "ingest_market": "MARKET_QUEUE_URL",
}


def drain_queue(aws, context, package: str, queue_var: str) -> list[dict]:
    """Deliver every message of one queue to its consumer in SQS batches, deleting those not reported
    failed (as the event source mapping does); returns the batch responses."""
    queue = boto3.client("sqs")
    consumer = handler_module(package)
    responses = []
    while messages := queue.receive_message(QueueUrl=aws[queue_var], MaxNumberOfMessages=10).get("Messages", []):
        event = sqs([m["Body"] for m in messages])
        response = consumer.handler(event, context)
        responses.append(response)
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for record, message in zip(event["Records"], messages, strict=True):
            if record["messageId"] not in failed:
                queue.delete_message(QueueUrl=aws[queue_var], ReceiptHandle=message["ReceiptHandle"])
        if failed:
            return responses
    return responses


def run_job(aws, context, package: str, response: dict, *, sub: str, groups: str) -> dict:
    """Given the 202 answer that started a job: run the job's queue dry, then read the job as its requester."""
    from fn_events import json_body, rest

    assert response["statusCode"] == 202, response["body"]
    started = json_body(response)
    assert response["multiValueHeaders"]["Location"] == [started["location"]]
    assert started["location"] == f"/jobs/{started['job_id']}" and started["state"] == "queued"
    drain_queue(aws, context, package, JOB_QUEUES[package])
    answer = handler_module("orchestrator").handler(rest("GET", started["location"], groups=groups, sub=sub), context)
    assert answer["statusCode"] == 200, answer["body"]
    return json_body(answer)

"""Jobs: a job whose first piece cannot be queued is not left behind as `queued` forever, nor one whose piece
died before queueing the rest as `running`."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from functions.shared import aws as shared_aws
from functions.shared import dynamo
from functions.shared.jobs import Jobs, JobsTable


def test_a_job_that_cannot_be_queued_leaves_no_job_behind(aws) -> None:
    shared_aws.client.cache_clear()
    table = JobsTable(aws["JOBS_TABLE"])
    missing_queue = aws["ERASURES_QUEUE_URL"] + "-gone"
    jobs = Jobs(table=table, queue_url=missing_queue, work={"erase": lambda payload, deadline: None})
    with pytest.raises(ClientError):
        jobs.start("erase", {"subject": "x"}, requested_by="33333333-3333-4333-8333-333333333333")
    left = dynamo.read_all("scan", TableName=aws["JOBS_TABLE"])
    assert left == [], left


def test_a_queued_job_is_recorded_and_its_first_piece_sent(aws) -> None:
    shared_aws.client.cache_clear()
    table = JobsTable(aws["JOBS_TABLE"])
    jobs = Jobs(table=table, queue_url=aws["ERASURES_QUEUE_URL"], work={"erase": lambda payload, deadline: None})
    started = jobs.start("erase", {"subject": "x"}, requested_by="33333333-3333-4333-8333-333333333333")
    assert table.get(started["job_id"])["state"] == "queued"
    sqs = shared_aws.client("sqs")
    [message] = sqs.receive_message(QueueUrl=aws["ERASURES_QUEUE_URL"], MaxNumberOfMessages=10)["Messages"]
    assert json.loads(message["Body"]) == {"job_id": started["job_id"], "piece": 0, "payload": {"subject": "x"}}


def test_a_piece_killed_before_it_hands_on_the_rest_is_finished_by_its_redelivery(seeded, context) -> None:
    """The invocation dies after recording a piece and before queueing the next: the piece's message comes
    back (it was never deleted) and carries the job on, instead of being taken for done."""
    import boto3
    from conftest import handler_module
    from fn_events import BOB, json_body, rest, sqs
    from fn_pipeline import drain_queue, scored_samples
    from test_gdpr import _LastSeconds, _signal_items

    scored_samples(seeded, context)
    orchestrator = handler_module("orchestrator")
    started = orchestrator.handler(
        rest("POST", "/gdpr/erase", {"author_id": "reddit:bullish_bob"}, groups="admin", sub=BOB), context)
    job_id = json_body(started)["job_id"]
    queue = boto3.client("sqs")
    [message] = queue.receive_message(QueueUrl=seeded["ERASURES_QUEUE_URL"])["Messages"]
    queue.delete_message(QueueUrl=seeded["ERASURES_QUEUE_URL"], ReceiptHandle=message["ReceiptHandle"])

    def die(**_) -> None:
        raise SystemExit("killed")

    # WHEN the first piece (one signal: its time is up after it) dies as it hands on the rest
    client = shared_aws.client("sqs")
    client.meta.events.register("before-call.sqs.SendMessage", die)
    try:
        with pytest.raises(SystemExit):
            orchestrator.handler(sqs([message["Body"]]), _LastSeconds())
    finally:
        client.meta.events.unregister("before-call.sqs.SendMessage", die)
    assert orchestrator.JOBS_TABLE.get(job_id)["pieces"] == 1
    # THEN its redelivery goes on with the job, which finishes
    assert orchestrator.handler(sqs([message["Body"]]), context)["batchItemFailures"] == []
    drain_queue(seeded, context, "orchestrator", "ERASURES_QUEUE_URL")
    job = orchestrator.JOBS_TABLE.get(job_id)
    assert job["state"] == "succeeded" and job["result"]["signals"] == 2
    assert not [i for i in _signal_items(seeded) if i.get("author_id") == "reddit:bullish_bob"]


def test_a_job_read_by_someone_else_is_answered_as_a_job_that_does_not_exist(seeded, context) -> None:
    """Neither the requester nor an admin: the answer is the one for an id no job has (nothing tells the
    reader the job exists), and reading it leaves the job as it was."""
    from conftest import handler_module
    from fn_events import ALICE, BOB, json_body, rest

    orchestrator = handler_module("orchestrator")
    started = handler_module("evaluation").handler(
        rest("POST", "/evaluate", {"as_of": "2026-11-27T00:00:00Z"}, sub=ALICE), context)
    job_id = json_body(started)["job_id"]
    stored = dynamo.read_all("scan", TableName=seeded["JOBS_TABLE"])
    absent_id = "0123456789abcdef0123456789abcdef"

    def read(job: str, *, sub: str, groups: str) -> tuple[int, dict]:
        response = orchestrator.handler(rest("GET", f"/jobs/{job}", groups=groups, sub=sub), context)
        return response["statusCode"], json_body(response)

    for groups in ("analyst", "viewer", "analyst,approver"):
        status, body = read(job_id, sub=BOB, groups=groups)
        absent_status, absent_body = read(absent_id, sub=BOB, groups=groups)
        assert (status, absent_status) == (404, 404)
        assert json.dumps(body).replace(job_id, "<id>") == json.dumps(absent_body).replace(absent_id, "<id>")
        assert "requested_by" not in json.dumps(body) and ALICE not in json.dumps(body)
    assert dynamo.read_all("scan", TableName=seeded["JOBS_TABLE"]) == stored
    # the requester and an admin do read it
    assert read(job_id, sub=ALICE, groups="analyst") == (200, {k: v for k, v in json_body(started).items()
                                                              if k != "location"})
    assert read(job_id, sub=BOB, groups="admin")[0] == 200

"""Jobs: a job whose first piece cannot be queued is not left behind as `queued` forever."""

from __future__ import annotations

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
    assert sqs.receive_message(QueueUrl=aws["ERASURES_QUEUE_URL"]).get("Messages")

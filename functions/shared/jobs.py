"""Long work behind the API runs as a job: the route answers 202 with the job's id at once, a queue
delivers the job to the same function, and `GET /jobs/{job_id}` reads its state and result.

A job does its work in pieces that each end before the function's timeout: a piece that runs out of
time hands back what is left, and the job is queued again to go on from there (its counts add up).
The job item holds no subject of the work (an erased author or user): that travels in the queue
message only, so a finished erasure leaves no trace of whom it erased.

States: queued -> running -> succeeded | failed. An error in a piece is recorded on the job and the
message is redelivered by the queue (then dead-lettered), so a passing failure does not lose the job.

A piece is recorded (`pieces`), then the next one queued, then that noted (`handed_on`). An invocation that
dies between the two leaves the piece's own message undeleted: when it comes back and finds its piece recorded
but the rest not handed on, it runs as the next piece (pieces are idempotent and go on from where the data
now is), so no job is stranded as `running`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from functions.shared import dynamo
from functions.shared.auth import READERS, Group, authorize
from functions.shared.aws import client
from functions.shared.clock import epoch_seconds, iso, utc_now
from functions.shared.errors import NotFound

logger = Logger()

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
FINAL = frozenset({SUCCEEDED, FAILED})
JOB_ID = r"^[0-9a-f]{32}$"
KEEP_DAYS = 7
"""Finished jobs can be read this long; the table's TTL removes them afterwards."""
RESERVE_MILLIS = 8_000
"""A piece stops starting new work when less than this is left of the invocation."""


@dataclass(frozen=True)
class Piece:
    """What one piece of a job did: counts to add to the job's result, and what is left, if anything."""

    counts: dict[str, int]
    rest: dict[str, Any] | None = None


Work = Callable[[dict[str, Any], float], Piece]
"""(payload, deadline as time.monotonic()) -> Piece."""


@dataclass(frozen=True)
class JobsTable:
    name: str

    def create(self, kind: str, requested_by: str) -> dict[str, Any]:
        now = utc_now()
        job = {
            "job_id": uuid.uuid4().hex,
            "kind": kind,
            "state": QUEUED,
            "requested_by": requested_by,
            "created_at": iso(now),
            "updated_at": iso(now),
            "result": {},
            "pieces": 0,
            "handed_on": 0,
            "expires_at": epoch_seconds(now + timedelta(days=KEEP_DAYS)),
        }
        client("dynamodb").put_item(
            TableName=self.name, Item=dynamo.to_item(job), ConditionExpression="attribute_not_exists(job_id)"
        )
        return job

    def delete(self, job_id: str) -> None:
        client("dynamodb").delete_item(TableName=self.name, Key=dynamo.to_item({"job_id": job_id}))

    def get(self, job_id: str) -> dict[str, Any] | None:
        response = client("dynamodb").get_item(
            TableName=self.name, Key=dynamo.to_item({"job_id": job_id}), ConsistentRead=True
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def record(self, job_id: str, piece_no: int, fields: dict[str, Any]) -> bool:
        """Store the outcome of piece `piece_no` once: False when it was recorded already (a redelivery)."""
        names = {f"#{k}": k for k in fields}
        sets = ", ".join(f"#{k} = :{k}" for k in fields)
        try:
            client("dynamodb").update_item(
                TableName=self.name,
                Key=dynamo.to_item({"job_id": job_id}),
                UpdateExpression=f"SET {sets}, #pieces = :next, #updated_at = :now",
                ConditionExpression="#pieces = :done",
                ExpressionAttributeNames={**names, "#pieces": "pieces", "#updated_at": "updated_at"},
                ExpressionAttributeValues=dynamo.values(
                    next=piece_no + 1, done=piece_no, now=iso(utc_now()), **fields
                ),
            )
        except ClientError as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    def handed_on(self, job_id: str, piece_no: int) -> None:
        """The message of piece `piece_no` is sent."""
        try:
            client("dynamodb").update_item(
                TableName=self.name,
                Key=dynamo.to_item({"job_id": job_id}),
                UpdateExpression="SET #handed_on = :piece",
                ConditionExpression="attribute_not_exists(#handed_on) OR #handed_on < :piece",
                ExpressionAttributeNames={"#handed_on": "handed_on"},
                ExpressionAttributeValues=dynamo.values(piece=piece_no),
            )
        except ClientError as exc:
            if not dynamo.is_conditional_failure(exc):
                raise

    def note_error(self, job_id: str, error: str) -> None:
        client("dynamodb").update_item(
            TableName=self.name,
            Key=dynamo.to_item({"job_id": job_id}),
            UpdateExpression="SET #error = :error, #updated_at = :now",
            ExpressionAttributeNames={"#error": "error", "#updated_at": "updated_at"},
            ExpressionAttributeValues=dynamo.values(error=error, now=iso(utc_now())),
        )

    def replace_requester(self, user_id: str, pseudonym: str) -> int:
        """Erasure of a user: the jobs they asked for keep a pseudonym instead of their id."""
        jobs = dynamo.read_all(
            "scan",
            TableName=self.name,
            FilterExpression="requested_by = :user",
            ExpressionAttributeValues=dynamo.values(user=user_id),
        )
        for job in jobs:
            client("dynamodb").update_item(
                TableName=self.name,
                Key=dynamo.to_item({"job_id": job["job_id"]}),
                UpdateExpression="SET requested_by = :pseudonym",
                ExpressionAttributeValues=dynamo.values(pseudonym=pseudonym),
            )
        return len(jobs)


def accepted(job: dict[str, Any]) -> Response:
    """202 Accepted with the job and where to read it."""
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=json.dumps(job),
                    headers={"Location": job["location"]})


def public(job: dict[str, Any]) -> dict[str, Any]:
    fields = ("job_id", "kind", "state", "created_at", "updated_at", "result", "error")
    return {k: job[k] for k in fields if k in job}


@dataclass(frozen=True)
class Jobs:
    table: JobsTable
    queue_url: str
    work: dict[str, Work]
    """kind -> the function that does one piece of it."""

    def start(self, kind: str, payload: dict[str, Any], requested_by: str) -> dict[str, Any]:
        """Record a job and queue its first piece; the answer for a 202."""
        if kind not in self.work:
            raise ValueError(f"no work of kind {kind!r}")
        job = self.table.create(kind, requested_by)
        try:
            self._queue(job["job_id"], 0, payload)
        except BaseException:
            # Nobody has the job id yet: a job that will never run must not stay `queued`.
            self.table.delete(job["job_id"])
            raise
        logger.info("job queued", extra={"job_id": job["job_id"], "kind": kind})
        return {**public(job), "location": f"/jobs/{job['job_id']}"}

    def _queue(self, job_id: str, piece_no: int, payload: dict[str, Any]) -> None:
        body = json.dumps({"job_id": job_id, "piece": piece_no, "payload": payload})
        client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=body)

    def run_piece(self, message: dict[str, Any], deadline: float) -> None:
        job_id, piece_no, payload = message["job_id"], int(message["piece"]), message["payload"]
        job = self.table.get(job_id)
        if job is None or job["state"] in FINAL:
            logger.info("job piece of a job finished or gone", extra={"job_id": job_id, "piece": piece_no})
            return
        done = int(job["pieces"])
        stranded = done == piece_no + 1 and int(job.get("handed_on", done)) < done
        if done != piece_no and not stranded:
            logger.info("job piece already done", extra={"job_id": job_id, "piece": piece_no})
            return
        if stranded:
            logger.warning("job piece recorded but its rest never queued: going on from here",
                           extra={"job_id": job_id, "piece": piece_no})
            piece_no = done
        try:
            piece = self.work[job["kind"]](payload, deadline)
        except Exception as exc:
            logger.exception("job piece failed", extra={"job_id": job_id, "piece": piece_no})
            self.table.note_error(job_id, f"{type(exc).__name__}: {exc}"[:500])
            raise
        result = dict(job.get("result") or {})
        for name, count in piece.counts.items():
            result[name] = int(result.get(name, 0)) + count
        state = RUNNING if piece.rest is not None else SUCCEEDED
        if self.table.record(job_id, piece_no, {"state": state, "result": result}) and piece.rest is not None:
            self._queue(job_id, piece_no + 1, piece.rest)
            self.table.handed_on(job_id, piece_no + 1)

    def handle_records(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        """The job queue's batch: each message is one piece; failures are reported per message."""

        def record_handler(record: SQSRecord) -> None:
            remaining = context.get_remaining_time_in_millis()
            if remaining < RESERVE_MILLIS:
                raise TimeoutError("too little time left to start a job piece; left for redelivery")
            self.run_piece(json.loads(record.body), time.monotonic() + (remaining - RESERVE_MILLIS) / 1000)

        return process_partial_response(
            event=event, record_handler=record_handler, processor=_PROCESSOR, context=context
        )


_PROCESSOR = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def jobs_router(table: JobsTable) -> Router:
    """`GET /jobs/{job_id}`: the requester (or an admin) reads the job's state and result."""
    router = Router()

    @router.get("/jobs/<job_id>")
    def get_job(job_id: str) -> dict[str, Any]:
        # The model (pydantic) is loaded by the first `GET /jobs/...`, not at every cold start.
        from functions.shared.job_request import JobId

        caller = authorize(router.current_event, *READERS)
        JobId(job_id=job_id)
        job = table.get(job_id)
        if job is None or (job["requested_by"] != caller.user_id and not caller.is_in(Group.ADMIN)):
            raise NotFound(f"no job {job_id}")
        return public(job)

    return router

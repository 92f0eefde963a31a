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
        messages = queue.receive_message(QueueUrl=aws["SCORING_QUEUE_URL"], MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            return responses
        response = score.handler(sqs([m["Body"] for m in messages]), context)
        responses.append(response)
        for message in messages:
            queue.delete_message(QueueUrl=aws["SCORING_QUEUE_URL"], ReceiptHandle=message["ReceiptHandle"])


def ingest_samples(context) -> None:
    handler_module("ingest_news").handler(scheduled(), context)
    handler_module("ingest_social").handler(scheduled(), context)

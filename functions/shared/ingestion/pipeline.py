"""The ingestion pipeline: normalize, dedupe by content hash, keep the raw document, write, queue.

Order matters for "no input loses or duplicates data": the signal is written with a conditional put
(the content hash is its key), then the raw document and the queue message follow. When a later step
fails, the caller retries; the retry finds the signal still pending and repeats exactly those steps.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from functions.shared import objects
from functions.shared.aws import client
from functions.shared.clock import epoch_seconds, iso, utc_now
from functions.shared.errors import UpstreamError
from functions.shared.ingestion.models import IngestItem, SourceItem
from functions.shared.ingestion.normalize import author_id, clean_text, content_hash
from functions.shared.signals import PENDING, SignalsTable

logger = Logger()

QUEUE_BATCH = 10
"""Messages per SendMessageBatch (the SQS maximum), and items per round of writes."""
WRITERS = 10
"""Items written side by side (each is a conditional put and an S3 put, mostly waiting on the network)."""


@dataclass(frozen=True)
class IngestConfig:
    kind: str
    """'news' or 'social'."""
    signals: SignalsTable
    raw_bucket: str
    queue_url: str
    ttl_days: int


@dataclass
class IngestResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    deferred: int = 0
    """Items not reached before the deadline: a later run of the same source takes them (dedupe by hash)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": len(self.accepted),
            "duplicates": len(self.duplicates),
            "deferred": self.deferred,
            "signal_ids": self.accepted,
            "duplicate_ids": self.duplicates,
        }


def _document(config: IngestConfig, source: str, item: IngestItem, now: datetime) -> dict[str, Any]:
    signal_id = content_hash(config.kind, item.title, item.text)
    return {
        "signal_id": signal_id,
        "kind": config.kind,
        "source": source,
        "source_id": item.source_id,
        "author_id": author_id(source, item.author),
        "title": clean_text(item.title),
        "text": clean_text(item.text),
        "url": item.url,
        "published_at": iso(item.published_at),
        "ingested_at": iso(now),
        "raw_key": f"source={config.kind}/dt={now:%Y-%m-%d}/{signal_id}.json.gz",
        "status": PENDING,
        "expires_at": epoch_seconds(now + timedelta(days=config.ttl_days)),
    }


def _raw(item: IngestItem, source: str) -> dict[str, Any]:
    original = item.raw if isinstance(item, SourceItem) else item.model_dump(mode="json")
    return {"source": source, "item": original}


def _enqueue(queue_url: str, signal_ids: list[str]) -> None:
    for start in range(0, len(signal_ids), QUEUE_BATCH):
        chunk = signal_ids[start : start + QUEUE_BATCH]
        entries = [{"Id": str(n), "MessageBody": json.dumps({"signal_id": sid})} for n, sid in enumerate(chunk)]
        response = client("sqs").send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            failed = response["Failed"][0]
            raise UpstreamError(f"the scoring queue refused {len(response['Failed'])} message(s): {failed['Message']}")


def _store(config: IngestConfig, source: str, item: IngestItem, document: dict[str, Any]) -> tuple[bool, bool]:
    """Write one new signal and its raw document: (new, to be queued)."""
    new = config.signals.put_new(document)
    if new:
        raw_key = document["raw_key"]
    else:
        existing = config.signals.get(document["signal_id"])
        if existing is None or existing.get("status") != PENDING:
            return False, False
        if existing.get("author_id") != document["author_id"]:
            # the same content from someone else: queue it again, but its raw document stays the first
            # author's (a version from this author would outlive this author's erasure)
            return False, True
        raw_key = existing["raw_key"]  # an earlier attempt stopped half-way: finish it
    objects.put_json(config.raw_bucket, raw_key, _raw(item, source), compress=True)
    return new, True


def ingest(
    config: IngestConfig, source: str, items: list[IngestItem], deadline: float | None = None
) -> IngestResult:
    """Ingest `items` from `source`; the same content twice is written once.

    Items go in rounds of one queue batch, written side by side; each round's signals are queued before
    the next round starts, so a run that is killed leaves at most one round pending unqueued (the next
    run of the source finds them pending and queues them). No round starts after `deadline`
    (`time.monotonic()`); the items left are counted as deferred.
    """
    now = utc_now()
    result = IngestResult()
    seen: set[str] = set()
    work: list[tuple[IngestItem, dict[str, Any]]] = []
    for item in items:
        document = _document(config, source, item, now)
        if document["signal_id"] in seen:
            result.duplicates.append(document["signal_id"])
            continue
        seen.add(document["signal_id"])
        work.append((item, document))
    for service in ("dynamodb", "s3", "sqs"):
        client(service)  # created before the threads share them (creating a client is not thread-safe)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for start in range(0, len(work), QUEUE_BATCH):
            if deadline is not None and time.monotonic() > deadline:
                result.deferred = len(work) - start
                logger.warning(
                    "deadline reached; the rest is left for the next run", extra={"deferred": result.deferred}
                )
                break
            round_ = work[start : start + QUEUE_BATCH]
            outcomes = list(pool.map(lambda pair: _store(config, source, *pair), round_))
            to_queue = []
            for (_, document), (accepted, queue) in zip(round_, outcomes, strict=True):
                (result.accepted if accepted else result.duplicates).append(document["signal_id"])
                if queue:
                    to_queue.append(document["signal_id"])
            _enqueue(config.queue_url, to_queue)
    logger.info(
        "ingested",
        extra={"source": source, "accepted": len(result.accepted), "duplicates": len(result.duplicates)},
    )
    return result

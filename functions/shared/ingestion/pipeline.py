"""The ingestion pipeline: normalize, dedupe by content hash, keep the raw document, write, queue.

Order matters for "no input loses or duplicates data": the signal is written with a conditional put
(the content hash is its key), then the raw document and the queue message follow. When a later step
fails, the caller retries; the retry finds the signal still pending and repeats exactly those steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from functions.shared import objects
from functions.shared.aws import client
from functions.shared.clock import epoch_seconds, iso, utc_now
from functions.shared.errors import UpstreamError
from functions.shared.ingestion.models import IngestItem
from functions.shared.ingestion.normalize import author_id, clean_text, content_hash
from functions.shared.signals import PENDING, SignalsTable

logger = Logger()


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": len(self.accepted),
            "duplicates": len(self.duplicates),
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
    return {"source": source, "item": item.raw if item.raw is not None else item.model_dump(mode="json")}


def _enqueue(queue_url: str, signal_ids: list[str]) -> None:
    for start in range(0, len(signal_ids), 10):
        chunk = signal_ids[start : start + 10]
        entries = [{"Id": str(n), "MessageBody": json.dumps({"signal_id": sid})} for n, sid in enumerate(chunk)]
        response = client("sqs").send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            failed = response["Failed"][0]
            raise UpstreamError(f"the scoring queue refused {len(response['Failed'])} message(s): {failed['Message']}")


def ingest(config: IngestConfig, source: str, items: list[IngestItem]) -> IngestResult:
    """Ingest `items` from `source`; the same content twice is written once."""
    now = utc_now()
    result = IngestResult()
    to_queue: list[str] = []
    seen: set[str] = set()
    for item in items:
        document = _document(config, source, item, now)
        signal_id = document["signal_id"]
        if signal_id in seen:
            result.duplicates.append(signal_id)
            continue
        seen.add(signal_id)
        if config.signals.put_new(document):
            raw_key = document["raw_key"]
        else:
            existing = config.signals.get(signal_id)
            result.duplicates.append(signal_id)
            if existing is None or existing.get("status") != PENDING:
                continue
            raw_key = existing["raw_key"]  # an earlier attempt stopped half-way: finish it
        objects.put_json(config.raw_bucket, raw_key, _raw(item, source), compress=True)
        to_queue.append(signal_id)
        if signal_id not in result.duplicates:
            result.accepted.append(signal_id)
    _enqueue(config.queue_url, to_queue)
    logger.info(
        "ingested",
        extra={"source": source, "accepted": len(result.accepted), "duplicates": len(result.duplicates)},
    )
    return result

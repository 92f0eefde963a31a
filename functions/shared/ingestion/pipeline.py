"""The ingestion pipeline: normalize, dedupe by content hash, write, keep the raw document, queue.

Every stored signal is queued for scoring exactly once, whenever the run that writes it dies (a timeout, a
lost container, a failed call):

1. the signal and its outbox entry are written in one transaction (conditional: the content hash is the
   key, so the same content is one signal), the entry claimed by this run for `CLAIM_SECONDS`;
2. the raw document follows (erasure finds it through the signal, so it never exists without one);
3. each round's signals are queued, then their entries deleted.

A run that dies leaves its entries; once their claim has run out, the next scheduled pull of the kind sweeps
them (`recover`): a signal still pending is queued, one already scored or erased only loses its entry. A
signal seen again is queued only while its entry is there, so what was queued once is not queued again. The
one window left is a send whose run died before deleting the entries: the sweep queues those signals again
if they are still unscored by then (scoring is conditional on `pending`, so it changes nothing twice). A
signal written by a run that died before its raw document keeps no raw document unless its source lists it
again; it is scored all the same.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from functions.shared import objects
from functions.shared.aws import client
from functions.shared.clock import epoch_seconds, iso, utc_now
from functions.shared.errors import UpstreamError
from functions.shared.ingestion.normalize import AuthorIdTooLong, author_id, clean_text, content_hash
from functions.shared.signals import PENDING, SignalsTable

if TYPE_CHECKING:  # the item models (pydantic) are loaded by whatever parses items, not at cold start
    from functions.shared.ingestion.models import IngestItem

logger = Logger()

QUEUE_BATCH = 10
"""Messages per SendMessageBatch (the SQS maximum), and items per round of writes."""
WRITERS = 10
"""Items written side by side (each is a transaction and an S3 put, mostly waiting on the network)."""
CLAIM_SECONDS = 300
"""How long the run that writes a signal (or sweeps it) is taken to be queueing it: longer than any invocation
(28 s), shorter than the schedule (15 minutes), so the next scheduled pull takes over from a run that died."""


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
    deferred_ids: list[str] = field(default_factory=list)
    """Items not reached before the deadline (the last ones): a later run of the same source takes them, and
    an API caller sends them again (dedupe by hash)."""

    @property
    def deferred(self) -> int:
        return len(self.deferred_ids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": len(self.accepted),
            "duplicates": len(self.duplicates),
            "deferred": self.deferred,
            "signal_ids": self.accepted,
            "duplicate_ids": self.duplicates,
            "deferred_ids": self.deferred_ids,
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
    from functions.shared.ingestion.models import SourceItem

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


def _store(config: IngestConfig, source: str, item: IngestItem, document: dict[str, Any],
           claim: tuple[str, str]) -> tuple[bool, bool]:
    """Write one new signal (with its outbox entry) and its raw document: (new, to be queued by this run)."""
    now, until = claim
    if config.signals.put_new(document, until):
        objects.put_json(config.raw_bucket, document["raw_key"], _raw(item, source), compress=True)
        return True, True
    existing = config.signals.get(document["signal_id"])
    if existing is None or existing.get("status") != PENDING:
        return False, False
    # Queued already unless its outbox entry is still there and nobody is taking care of it: a run that
    # stopped half-way wrote it. This run finishes it.
    if not config.signals.claim(config.kind, document["signal_id"], now, until):
        return False, False
    if existing.get("author_id") == document["author_id"]:
        # its writer may have died before the raw document. (The same content from someone else is queued
        # all the same, but its raw document stays the first author's: a version from this author would
        # outlive this author's erasure.)
        objects.put_json(config.raw_bucket, existing["raw_key"], _raw(item, source), compress=True)
    return False, True


def _queue(config: IngestConfig, signal_ids: list[str]) -> None:
    """Queue the signals this run has claimed, then remove their outbox entries."""
    if signal_ids:
        _enqueue(config.queue_url, signal_ids)
        config.signals.queued(config.kind, signal_ids)


def _claim_window() -> tuple[str, str]:
    now = utc_now()
    return iso(now), iso(now + timedelta(seconds=CLAIM_SECONDS))


def ingest(
    config: IngestConfig, source: str, items: list[IngestItem], deadline: float | None = None
) -> IngestResult:
    """Ingest `items` from `source`; the same content twice is written once, and queued once.

    Items go in rounds of one queue batch, written side by side; each round's signals are queued before
    the next round starts. No round starts after `deadline` (`time.monotonic()`); the items left are
    deferred. Whatever a run that dies leaves unqueued, the next sweep (`recover`) queues.
    """
    now = utc_now()
    result = IngestResult()
    seen: set[str] = set()
    work: list[tuple[IngestItem, dict[str, Any]]] = []
    for item in items:
        try:
            document = _document(config, source, item, now)
        except AuthorIdTooLong as exc:  # API batches are refused before; a source's item is skipped
            logger.warning("item skipped", extra={"source_id": item.source_id, "problem": str(exc)})
            continue
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
                result.deferred_ids = [document["signal_id"] for _, document in work[start:]]
                logger.warning(
                    "deadline reached; the rest is left for the next run", extra={"deferred": result.deferred}
                )
                break
            round_ = work[start : start + QUEUE_BATCH]
            claim = _claim_window()
            outcomes = list(pool.map(lambda pair, claim=claim: _store(config, source, *pair, claim), round_))
            to_queue = []
            for (_, document), (accepted, queue) in zip(round_, outcomes, strict=True):
                (result.accepted if accepted else result.duplicates).append(document["signal_id"])
                if queue:
                    to_queue.append(document["signal_id"])
            _queue(config, to_queue)
    logger.info(
        "ingested",
        extra={"source": source, "accepted": len(result.accepted), "duplicates": len(result.duplicates),
               "deferred": result.deferred},
    )
    return result


@dataclass
class Recovery:
    queued: int = 0
    """Signals a run left unqueued, queued now."""
    settled: int = 0
    """Outbox entries whose signal was scored or erased meanwhile (only the entry goes)."""
    left: int = 0
    """Entries not reached before the deadline, or still claimed by a run that may be alive."""

    def as_dict(self) -> dict[str, int]:
        return {"queued": self.queued, "settled": self.settled, "left": self.left}


def recover(config: IngestConfig, deadline: float | None = None) -> Recovery:
    """The sweep: queue every signal of this kind that is stored but was never queued (its writer died before
    queueing it) and whose claim has run out; drop the entries of signals scored or erased meanwhile."""
    recovery = Recovery()
    entries = config.signals.outbox(config.kind)
    now = iso(utc_now())
    stale = [entry["facet"] for entry in entries if entry.get("claimed_until", "") < now]
    recovery.left = len(entries) - len(stale)
    for start in range(0, len(stale), QUEUE_BATCH):
        if deadline is not None and time.monotonic() > deadline:
            recovery.left += len(stale) - start
            break
        claim_now, until = _claim_window()
        claimed = [sid for sid in stale[start : start + QUEUE_BATCH]
                   if config.signals.claim(config.kind, sid, claim_now, until)]
        pending = []
        for signal_id in claimed:
            document = config.signals.get(signal_id)
            if document is not None and document.get("status") == PENDING:
                pending.append(signal_id)
        if pending:
            _enqueue(config.queue_url, pending)
        config.signals.queued(config.kind, claimed)
        recovery.queued += len(pending)
        recovery.settled += len(claimed) - len(pending)
    if stale or recovery.left:
        logger.warning("outbox swept: signals a run left unqueued", extra=recovery.as_dict())
    return recovery

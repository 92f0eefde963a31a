"""The market-data job (`functions.shared.jobs`): one kind for the scheduled pull and for backfills.

Payload: `{"symbols": [...], "start": "YYYY-MM-DD" | None, "end": ... | None, "resume": ... | None}`;
without dates each symbol gets its recent window (`pull.recent_window`). A backfill's window is taken a
year at a time (one fetch and at most ~250 writes each), so a symbol of twenty years fits in pieces.
A piece works through the symbols in order and hands the rest (with the day to resume the first symbol
from) to the next piece when its time is up, so any number of symbols and days finishes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from functions.ingest_market.job_kind import KIND
from functions.ingest_market.pull import MarketIngest, SymbolOutcome, recent_window
from functions.shared.clock import utc_now
from functions.shared.jobs import Piece, Work

logger = Logger()
metrics = Metrics()

SECONDS_PER_WINDOW = 14.0
"""Time one window may take (its fetch is cut off after 10 s, then its writes): none starts with less left."""
CHUNK_DAYS = 366
LOGGED_ROWS = 50
"""Skipped rows logged one by one per window; the rest are counted (a broken document has thousands)."""


@dataclass(frozen=True)
class MarketWork:
    ingest: MarketIngest

    def work(self) -> dict[str, Work]:
        return {KIND: self.piece}

    def piece(self, payload: dict[str, Any], deadline: float) -> Piece:
        symbols: list[str] = list(payload["symbols"])
        start = date.fromisoformat(payload["start"]) if payload.get("start") else None
        end = date.fromisoformat(payload["end"]) if payload.get("end") else None
        resume = date.fromisoformat(payload["resume"]) if payload.get("resume") else None
        counts: Counter[str] = Counter()
        for index, symbol in enumerate(symbols):
            now = utc_now()
            if start and end:
                windows = list(_chunks(resume if index == 0 and resume else start, end))
            else:
                recent = recent_window(self.ingest.store.latest_day(symbol), now)
                windows = [recent] if recent else []
            if not windows:
                counts.update(symbols=1, symbols_up_to_date=1)
                continue
            outcome: SymbolOutcome | None = None
            for window_start, window_end in windows:
                if deadline - time.monotonic() < SECONDS_PER_WINDOW:
                    # Nothing is lost: the next piece resumes this symbol at this window.
                    if outcome is not None:  # its prices so far; the symbol itself is counted where it ends
                        done = outcome.counts()
                        del done["symbols"], done["symbols_failed"]
                        counts.update(done)
                    rest = {**payload, "symbols": symbols[index:], "resume": window_start.isoformat()}
                    return Piece(dict(counts), rest)
                part = self.ingest.ingest(symbol, window_start, window_end, now, deadline)
                _report(part)
                outcome = part if outcome is None else outcome.merged(part)
            assert outcome is not None
            counts.update(outcome.counts())
        return Piece(dict(counts))


def _chunks(start: date, end: date) -> Iterator[tuple[date, date]]:
    while start <= end:
        last = min(start + timedelta(days=CHUNK_DAYS - 1), end)
        yield start, last
        start = last + timedelta(days=1)


def _report(outcome: SymbolOutcome) -> None:
    detail = {"symbol": outcome.symbol, "start": outcome.start.isoformat(), "end": outcome.end.isoformat()}
    if outcome.failed:
        logger.warning("no source had closes for the symbol", extra={**detail, "errors": outcome.errors})
        metrics.add_metric(name="MarketSymbolsFailed", unit=MetricUnit.Count, value=1)
        return
    for row in outcome.skipped[:LOGGED_ROWS]:
        logger.info("row skipped", extra={**detail, "day": row.day, "reason": row.reason})
    if len(outcome.skipped) > LOGGED_ROWS:
        logger.info("more rows skipped", extra={**detail, "not_logged": len(outcome.skipped) - LOGGED_ROWS})
    if outcome.changed_at_source:
        logger.warning("the source now reports other closes for stored days (kept as stored)",
                       extra={**detail, "days": outcome.changed_at_source[:50]})
    logger.info("symbol ingested", extra={**detail, "source": outcome.source, "written": outcome.written,
                                          "already_stored": outcome.already_stored})
    metrics.add_metric(name="MarketPricesWritten", unit=MetricUnit.Count, value=outcome.written)

"""The market-data job (`functions.shared.jobs`): one kind for the scheduled pull and for backfills.

Payload: `{"symbols": [...], "start": "YYYY-MM-DD" | None, "end": ... | None}`; without dates each
symbol gets its recent window (`pull.recent_window`). A piece works through the symbols in order and
hands the rest to the next piece when its time is up, so any number of symbols and days finishes.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from functions.ingest_market.pull import MarketIngest, SymbolOutcome, recent_window
from functions.shared.clock import utc_now
from functions.shared.jobs import Piece, Work

logger = Logger()
metrics = Metrics()

KIND = "market-ingest"
SECONDS_PER_SYMBOL = 12.0
"""Time a symbol may take (its fetch is cut off after 10 s): no symbol starts with less than this left."""


@dataclass(frozen=True)
class MarketWork:
    ingest: MarketIngest

    def work(self) -> dict[str, Work]:
        return {KIND: self.piece}

    def piece(self, payload: dict[str, Any], deadline: float) -> Piece:
        symbols: list[str] = list(payload["symbols"])
        start = date.fromisoformat(payload["start"]) if payload.get("start") else None
        end = date.fromisoformat(payload["end"]) if payload.get("end") else None
        counts: Counter[str] = Counter()
        for index, symbol in enumerate(symbols):
            if index and deadline - time.monotonic() < SECONDS_PER_SYMBOL:
                return Piece(dict(counts), {**payload, "symbols": symbols[index:]})
            now = utc_now()
            window = (start, end) if start and end else recent_window(self.ingest.store.latest_day(symbol), now)
            if window is None:
                counts.update(symbols=1, symbols_up_to_date=1)
                continue
            outcome = self.ingest.ingest(symbol, window[0], window[1], now, deadline)
            _report(outcome)
            counts.update(outcome.counts())
        return Piece(dict(counts))


def _report(outcome: SymbolOutcome) -> None:
    detail = {"symbol": outcome.symbol, "start": outcome.start.isoformat(), "end": outcome.end.isoformat()}
    if outcome.failed:
        logger.warning("no source had closes for the symbol", extra={**detail, "errors": outcome.errors})
        metrics.add_metric(name="MarketSymbolsFailed", unit=MetricUnit.Count, value=1)
        return
    for row in outcome.skipped:
        logger.info("row skipped", extra={**detail, "day": row.day, "reason": row.reason})
    if outcome.changed_at_source:
        logger.warning("the source now reports other closes for stored days (kept as stored)",
                       extra={**detail, "days": outcome.changed_at_source[:50]})
    logger.info("symbol ingested", extra={**detail, "source": outcome.source, "written": outcome.written,
                                          "already_stored": outcome.already_stored})
    metrics.add_metric(name="MarketPricesWritten", unit=MetricUnit.Count, value=outcome.written)

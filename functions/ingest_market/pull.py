"""Ingesting the daily closes of one symbol for a window of days, from the first source that has them.

Windows: a backfill names its days; the scheduled pull takes, per symbol, the days after its newest
stored close up to the last final close (at most `LOOKBACK_DAYS` back; older gaps need a backfill), or
the last `LOOKBACK_DAYS` for a symbol without any close. Sources are tried in order until one answers
with bars; a symbol whose sources all fail is reported with their reasons and does not stop the others.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from functions.ingest_market.documents import DocumentError, Parsed, Skipped, parse_document
from functions.ingest_market.sources import Source, SourceError, source_params
from functions.shared.ingestion.fetch import DEADLINE_SECONDS, FetchError, fetch
from functions.shared.market import Close, MarketStore
from functions.shared.secrets import source_headers
from functions.shared.trading_days import FINAL_AFTER, close_instant, exchange_date, is_trading_day, last_final_day

LOOKBACK_DAYS = 140
"""Calendar days (about 96 trading days) a scheduled pull reaches back: all of them for a symbol without a
close, the missing ones for a symbol that fell behind."""


@dataclass
class SymbolOutcome:
    symbol: str
    start: date
    end: date
    source: str | None = None
    written: int = 0
    already_stored: int = 0
    changed_at_source: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.source is None

    def merged(self, later: SymbolOutcome) -> SymbolOutcome:
        """This outcome and the one of the symbol's next window, as one (failed only if both failed)."""
        return SymbolOutcome(
            self.symbol, self.start, later.end, later.source or self.source, self.written + later.written,
            self.already_stored + later.already_stored, self.changed_at_source + later.changed_at_source,
            self.skipped + later.skipped, self.errors + later.errors,
        )

    def counts(self) -> Counter[str]:
        counts: Counter[str] = Counter(symbols=1, prices_written=self.written,
                                       prices_already_stored=self.already_stored,
                                       prices_changed_at_source=len(self.changed_at_source),
                                       rows_skipped=len(self.skipped), symbols_failed=int(self.failed))
        counts.update(f"skipped_{s.reason}" for s in self.skipped)
        return counts


def recent_window(latest: date | None, now: datetime) -> tuple[date, date] | None:
    """The days a scheduled pull asks for; None when the symbol is up to date."""
    end = last_final_day(now)
    if latest is not None and latest >= end:
        return None
    start = end - timedelta(days=LOOKBACK_DAYS)
    return (start if latest is None else max(latest + timedelta(days=1), start)), end


def screen(
    parsed: Parsed, start: date, end: date, now: datetime, source: str
) -> tuple[list[Close], list[Skipped]]:
    """The bars to store (inside the window, final, on trading days) and the rows skipped with a reason."""
    today = exchange_date(now)
    usable: list[Close] = []
    skipped = [s for s in parsed.skipped if _inside(s.day, start, end)]
    for bar in parsed.bars:
        if bar.day > today:
            skipped.append(Skipped(bar.day.isoformat(), "future_date"))
        elif not start <= bar.day <= end:
            continue  # the source sent more than was asked (a compact series always has 100 days)
        elif not is_trading_day(bar.day):
            skipped.append(Skipped(bar.day.isoformat(), "not_trading_day"))
        elif close_instant(bar.day) + FINAL_AFTER > now:
            skipped.append(Skipped(bar.day.isoformat(), "not_closed_yet"))
        else:
            usable.append(Close(bar.day, bar.close, source))
    return usable, skipped


def _inside(text: str, start: date, end: date) -> bool:
    """Skipped rows with a readable date count only inside the window; unreadable ones always."""
    try:
        return start <= date.fromisoformat(text) <= end
    except ValueError:
        return True


@dataclass(frozen=True)
class MarketIngest:
    store: MarketStore
    sources: tuple[Source, ...]
    secret_arn: str

    def ingest(self, symbol: str, start: date, end: date, now: datetime, deadline: float) -> SymbolOutcome:
        outcome = SymbolOutcome(symbol, start, end)
        try:
            headers, params = source_headers(self.secret_arn), source_params(self.secret_arn)
        except (SourceError, ValueError) as exc:
            outcome.errors.append(f"market source secret: {exc}")
            return outcome
        for source in self.sources:
            try:
                url = source.url(symbol, start, end, params)
                body = fetch(url, headers, min(DEADLINE_SECONDS, deadline - time.monotonic()))
                parsed = parse_document(body)
            except SourceError as exc:
                outcome.errors.append(str(exc))
                continue
            except (FetchError, DocumentError) as exc:
                # The rendered URL may carry an API key: name the source by its template.
                outcome.errors.append(f"{source.name}: {str(exc).replace(url, source.template)}"[:300])
                continue
            usable, outcome.skipped = screen(parsed, start, end, now, source.name)
            written = self.store.write(symbol, usable)
            outcome.source = source.name
            outcome.written, outcome.already_stored = written.written, written.already_stored
            outcome.changed_at_source = written.changed_at_source
            break
        return outcome

"""The kind of the market job: the backfill route and the schedule start it, `work.py` carries it out."""

from __future__ import annotations

KIND = "market-ingest"

"""ingest-market: daily closes of the tracked symbols from public daily-bar sources into the market-data store."""

"""ingest-news settings, read once at cold start."""

from __future__ import annotations

from functions.shared.ingestion.settings import IngestSettings, load_ingest


def load() -> IngestSettings:
    return load_ingest(secret_var="NEWS_SECRET_ARN", sources_var="NEWS_FEED_URLS")

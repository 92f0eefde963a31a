"""ingest-social settings, read once at cold start."""

from __future__ import annotations

from functions.shared.ingestion.settings import IngestSettings, load_ingest


def load() -> IngestSettings:
    return load_ingest(secret_var="SOCIAL_SECRET_ARN", sources_var="SOCIAL_SOURCE_URLS")

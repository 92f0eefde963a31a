"""Ingestion shared by ingest-social and ingest-news: models, normalization, fetching, the pipeline."""

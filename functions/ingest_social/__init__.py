"""ingest-social: public social posts (Reddit listing JSON) and `POST /ingest/social`."""

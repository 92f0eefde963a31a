"""score: sentiment (VADER) and entity linking for queued signals, and `POST /score` on demand."""

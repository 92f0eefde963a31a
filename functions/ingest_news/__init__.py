"""ingest-news: news articles from RSS/Atom feeds and `POST /ingest/news`."""

"""Fetch a source document over HTTP(S) with a timeout and a size limit."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlparse

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10


class FetchError(RuntimeError):
    """A source could not be read."""


def fetch(url: str, headers: dict[str, str]) -> bytes:
    if urlparse(url).scheme not in {"http", "https"}:
        raise FetchError(f"{url}: only http and https sources are supported")
    request = urllib.request.Request(url, headers={"User-Agent": "ai-investment-ingest/1.0", **headers})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise FetchError(f"{url}: {exc}") from exc
    if len(body) > MAX_DOCUMENT_BYTES:
        raise FetchError(f"{url}: document larger than {MAX_DOCUMENT_BYTES} bytes")
    return body

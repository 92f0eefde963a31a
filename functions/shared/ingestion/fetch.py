"""Fetch a source document over HTTP(S) within an overall deadline and a size limit.

The socket timeout alone bounds each read, not the whole download: a source that trickles a byte
every few seconds would be read for ever. The body is therefore read piece by piece and the download
is cut off once the deadline has passed (at most one read timeout late).
"""

from __future__ import annotations

import time
import urllib.request
from urllib.parse import urlparse

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DEADLINE_SECONDS = 10.0
"""The whole request, from connecting to the last byte."""
READ_TIMEOUT_SECONDS = 3.0
"""One connect or read; also how late the deadline may be noticed."""
PIECE_BYTES = 64 * 1024


class FetchError(RuntimeError):
    """A source could not be read."""


def fetch(url: str, headers: dict[str, str], deadline_seconds: float = DEADLINE_SECONDS) -> bytes:
    if urlparse(url).scheme not in {"http", "https"}:
        raise FetchError(f"{url}: only http and https sources are supported")
    if deadline_seconds <= 0:
        raise FetchError(f"{url}: no time left to fetch it")
    request = urllib.request.Request(url, headers={"User-Agent": "ai-investment-ingest/1.0", **headers})
    deadline = time.monotonic() + deadline_seconds
    pieces: list[bytes] = []
    size = 0
    try:
        with urllib.request.urlopen(request, timeout=min(READ_TIMEOUT_SECONDS, deadline_seconds)) as response:
            while piece := response.read1(PIECE_BYTES):
                size += len(piece)
                if size > MAX_DOCUMENT_BYTES:
                    raise FetchError(f"{url}: document larger than {MAX_DOCUMENT_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise FetchError(f"{url}: not read within {deadline_seconds:g} s (cut off after {size} bytes)")
                pieces.append(piece)
    except OSError as exc:
        raise FetchError(f"{url}: {exc}") from exc
    return b"".join(pieces)

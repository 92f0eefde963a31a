"""Normalization and the content hash that makes the same item, ingested twice, one signal."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
AUTHOR_ID_MAX_BYTES = 2048
"""The longest stored author id, in UTF-8 bytes once normalised (`author_id`): it is the partition key of the
signals' by-author index, which DynamoDB limits to 2,048 bytes. Ingestion and erasure check the same rule on
the same normalised form. (Ingestion's own limit, 256 characters after NFKC, keeps every author within it: a
character is at most 6 bytes once casefolded, and a source at most 253.)"""


class AuthorIdTooLong(ValueError):
    """The normalised author id exceeds AUTHOR_ID_MAX_BYTES."""


def clean_text(text: str) -> str:
    """NFKC, no control characters, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


def content_hash(kind: str, title: str, text: str) -> str:
    """sha256 over kind and the case-folded normalized content: the signal id."""
    canonical = "\n".join((kind, clean_text(title).casefold(), clean_text(text).casefold()))
    return hashlib.sha256(canonical.encode("utf-8", errors="surrogatepass")).hexdigest()


def author_id(source: str, author: str | None) -> str | None:
    """Stable id of a source author, `<source>:<author>` (`reddit:some_user`): the key of GDPR erasure. The
    author is normalised (NFKC, spaces, casefolding) and the result checked against AUTHOR_ID_MAX_BYTES."""
    name = clean_text(author).casefold() if author else ""
    if not name:  # nothing left once normalised (only spaces or control characters): no author
        return None
    stored = f"{source}:{name}"
    size = len(stored.encode("utf-8", errors="surrogatepass"))
    if size > AUTHOR_ID_MAX_BYTES:
        raise AuthorIdTooLong(f"the author id is {size} bytes once normalised; the limit is {AUTHOR_ID_MAX_BYTES}")
    return stored

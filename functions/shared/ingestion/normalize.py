"""Normalization and the content hash that makes the same item, ingested twice, one signal."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """NFKC, no control characters, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


def content_hash(kind: str, title: str, text: str) -> str:
    """sha256 over kind and the case-folded normalized content: the signal id."""
    canonical = "\n".join((kind, clean_text(title).casefold(), clean_text(text).casefold()))
    return hashlib.sha256(canonical.encode("utf-8", errors="surrogatepass")).hexdigest()


def author_id(source: str, author: str | None) -> str | None:
    """Stable id of a source author, `<source>:<author>` (`reddit:some_user`): the key of GDPR erasure."""
    if not author:
        return None
    return f"{source}:{clean_text(author).casefold()}"

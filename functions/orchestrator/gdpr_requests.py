"""The body of `POST /gdpr/erase` (a pydantic model: the route imports this module on its first request) and
the stored forms of an author's name."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from functions.shared.ingestion.normalize import AUTHOR_ID_MAX_BYTES, AuthorIdTooLong, author_id
from functions.shared.models import RequestModel

MAX_SOURCE = 253
"""The longest source: a feed's host name (API sources have at most 64 characters)."""


def stored_forms(named: str) -> list[str]:
    """The ids ingestion may have stored for an author named `<source>:<author>`:

    - the form ingestion makes of it (`Reddit:Mallory_X` is stored as `reddit:mallory_x`), for each colon
      the source may end at (a source may hold colons, `a:b`, and so may an author);
    - the name itself when it already is a stored id (normalising a normalised id does not always give it
      back: casefolding and NFKC undo each other in a few sequences).

    AuthorIdTooLong when no form fits the rule ingestion applies: it could not have stored any of them."""
    forms: list[str] = []
    too_long: AuthorIdTooLong | None = None
    for end, char in enumerate(named[: MAX_SOURCE + 1]):
        if char != ":" or end == 0 or end == len(named) - 1:
            continue
        try:
            normalised = author_id(named[:end].casefold(), named[end + 1 :])
        except AuthorIdTooLong as exc:
            too_long = exc
            continue
        if normalised and normalised not in forms:
            forms.append(normalised)
    if named not in forms and len(named.encode("utf-8", errors="surrogatepass")) <= AUTHOR_ID_MAX_BYTES:
        forms.append(named)
    if not forms and too_long is not None:
        raise too_long
    return forms


class EraseRequest(RequestModel):
    author_id: str | None = Field(default=None, min_length=3, max_length=AUTHOR_ID_MAX_BYTES)
    """A source author, `<source>:<author>` (e.g. `reddit:some_user`), as stored on signals or as the source
    wrote the name. Lengths are checked once normalised, by the rule ingestion applies (`author_id`)."""
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    """A Cognito user's `sub`."""

    @field_validator("author_id")
    @classmethod
    def _an_author(cls, value: str | None) -> str | None:
        if value is not None:
            source, colon, author = value.partition(":")
            if not (source and colon and author):
                raise ValueError("an author is named <source>:<author>, e.g. reddit:some_user")
            stored_forms(value)
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> EraseRequest:
        if (self.author_id is None) == (self.user_id is None):
            raise ValueError("give exactly one of author_id or user_id")
        return self

    @property
    def author_ids(self) -> list[str]:
        return stored_forms(self.author_id) if self.author_id is not None else []

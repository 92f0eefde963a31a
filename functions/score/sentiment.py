"""Sentiment with VADER: a lexicon- and rule-based model whose lexicon ships inside the package.

VADER's rules rescan the whole token list for every sentiment-laden token, so its time grows with the
square of the token count, and each emoji expands into a description of several tokens. A text is
therefore scored in windows of at most `WINDOW_TOKENS` tokens (whole sentences where they fit), and the
windows' scores are averaged weighted by their token count; at most `MAX_TOKENS` tokens are scored (20,000
characters of words have fewer; only emoji or padding reach it). The work per text is bounded, and a text
that fits one window gets exactly VADER's score. `bench/bench_scoring.py` measures the worst case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

MODEL = "vader-3.3.2"
WINDOW_TOKENS = 100
MAX_TOKENS = 10_000

_ANALYZER = SentimentIntensityAnalyzer()  # loads the lexicon once per container
_EMOJI_WORDS = str.maketrans({emoji: f" {words} " for emoji, words in _ANALYZER.emojis.items() if len(emoji) == 1})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Sentiment:
    compound: float
    """-1 (most negative) .. +1 (most positive)."""
    positive: float
    neutral: float
    negative: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def windows(text: str, size: int = WINDOW_TOKENS, limit: int = MAX_TOKENS) -> Iterator[list[str]]:
    """The first `limit` tokens of `text` (emoji spelled out) in runs of at most `size`, cut between
    sentences where possible."""
    window: list[str] = []
    left = limit
    for sentence in _SENTENCE_END.split(text.translate(_EMOJI_WORDS)):
        if left <= 0:
            break
        words = sentence.split()[:left]
        left -= len(words)
        if window and len(window) + len(words) > size:
            yield window
            window = []
        for start in range(0, len(words), size):
            part = words[start : start + size]
            if len(part) == size:
                yield part
            else:
                window.extend(part)
    if window:
        yield window


def sentiment_of(title: str, text: str) -> Sentiment:
    total = compound = positive = neutral = negative = 0.0
    for tokens in windows(f"{title}. {text}" if title else text):
        scores = _ANALYZER.polarity_scores(" ".join(tokens))
        weight = len(tokens)
        total += weight
        compound += weight * scores["compound"]
        positive += weight * scores["pos"]
        neutral += weight * scores["neu"]
        negative += weight * scores["neg"]
    if not total:
        return Sentiment(compound=0.0, positive=0.0, neutral=0.0, negative=0.0)
    return Sentiment(
        compound=round(compound / total, 4),
        positive=round(positive / total, 3),
        neutral=round(neutral / total, 3),
        negative=round(negative / total, 3),
    )

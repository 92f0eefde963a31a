"""Sentiment with VADER: a lexicon- and rule-based model whose lexicon ships inside the package."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

MODEL = "vader-3.3.2"

_ANALYZER = SentimentIntensityAnalyzer()  # loads the lexicon once per container


@dataclass(frozen=True)
class Sentiment:
    compound: float
    """-1 (most negative) .. +1 (most positive)."""
    positive: float
    neutral: float
    negative: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def sentiment_of(title: str, text: str) -> Sentiment:
    scores = _ANALYZER.polarity_scores(f"{title}. {text}" if title else text)
    return Sentiment(compound=scores["compound"], positive=scores["pos"], neutral=scores["neu"], negative=scores["neg"])

"""Score one signal: sentiment, linked entities, the feature record, mention items; all idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from functions.score.linking import CachedLinker
from functions.score.sentiment import MODEL, sentiment_of
from functions.shared import objects
from functions.shared.clock import iso, utc_now
from functions.shared.signals import PENDING, SignalsTable, mention_facet

logger = Logger()


@dataclass(frozen=True)
class Scorer:
    signals: SignalsTable
    features_bucket: str
    linker: CachedLinker

    def analyse(self, title: str, text: str) -> dict[str, Any]:
        """Sentiment and linked entities of a text; writes nothing."""
        sentiment = sentiment_of(title, text)
        entities = self.linker.get().link(f"{title}\n{text}")
        return {"sentiment": sentiment.as_dict(), "entities": entities, "model": MODEL}

    def score(self, signal_id: str) -> dict[str, Any]:
        """Score a pending signal; a signal already scored or erased is left as it is."""
        document = self.signals.get(signal_id)
        if document is None or document.get("status") != PENDING:
            status = "missing" if document is None else document.get("status")
            logger.info("nothing to score", extra={"signal_id": signal_id, "status": status})
            return {"signal_id": signal_id, "scored": False, "status": status}
        analysis = self.analyse(document.get("title", ""), document["text"])
        now = utc_now()
        feature_key = f"features/dt={now:%Y-%m-%d}/{signal_id}.json"
        version = objects.put_json(self.features_bucket, feature_key, self._features(document, analysis, iso(now)))
        compound = analysis["sentiment"]["compound"]
        mentions = [
            {
                "signal_id": signal_id,
                "facet": mention_facet(entity_id),
                "entity_id": entity_id,
                "published_at": document["published_at"],
                "kind": document["kind"],
                "source": document["source"],
                "author_id": document.get("author_id"),
                "sentiment": compound,
                "mentions": count,
                "expires_at": document.get("expires_at"),
            }
            for entity_id, count in analysis["entities"].items()
        ]
        score = {
            "sentiment": analysis["sentiment"],
            "entities": sorted(analysis["entities"]),
            "scored_at": iso(now),
            "feature_key": feature_key,
            "model": MODEL,
        }
        written = self.signals.record_score(signal_id, score, mentions)
        if not written:
            # Erased (or scored by a redelivery) since it was read: take back the feature version written
            # above, or it would outlive the erasure that ran in between.
            objects.retract(self.features_bucket, feature_key, version)
        return {
            "signal_id": signal_id,
            "scored": written,
            "sentiment": compound,
            "entities": sorted(analysis["entities"]),
        }

    @staticmethod
    def _features(document: dict[str, Any], analysis: dict[str, Any], scored_at: str) -> dict[str, Any]:
        return {
            "signal_id": document["signal_id"],
            "kind": document["kind"],
            "source": document["source"],
            "published_at": document["published_at"],
            "scored_at": scored_at,
            "model": analysis["model"],
            "sentiment": analysis["sentiment"],
            "entity_mentions": analysis["entities"],
            "text_length": len(document["text"]),
            "title_length": len(document.get("title", "")),
        }

"""Aggregate the scored mentions of one entity into a directional view: time-decayed, volume-aware,
weighted by the agent's configuration. Pure functions, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from functions.shared.clock import parse_iso

if TYPE_CHECKING:
    from functions.shared.agent_config import AgentConfig


@dataclass(frozen=True)
class Aggregate:
    score: float
    """Weighted mean sentiment, -1..+1."""
    confidence: float
    """0..1: strength of the score times how much evidence supports it, times the agent's weight."""
    signal_count: int
    mention_count: int
    effective_volume: float
    """Sum of the decay weights: recent signals count fully, old ones fade."""

    @property
    def direction(self) -> str:
        return "long" if self.score > 0 else "short"


def decay(age_hours: float, half_life_hours: float) -> float:
    return 0.5 ** (age_hours / half_life_hours)


def aggregate(mentions: list[dict[str, Any]], agent: AgentConfig, as_of: datetime) -> Aggregate | None:
    """None when there is too little evidence or the mood is too close to neutral."""
    weighted = total = volume = 0.0
    signals: set[str] = set()
    mention_count = 0
    for mention in mentions:
        age = (as_of - parse_iso(mention["published_at"])).total_seconds() / 3600
        kind_weight = agent.kinds.get(mention.get("kind", ""), 0.0)
        if age < 0 or kind_weight <= 0:
            continue
        time_weight = decay(age, agent.half_life_hours)
        weight = time_weight * kind_weight * (1 + math.log(max(int(mention.get("mentions", 1)), 1)))
        weighted += weight * float(mention["sentiment"])
        total += weight
        volume += time_weight
        signals.add(mention["signal_id"])
        mention_count += int(mention.get("mentions", 1))
    if len(signals) < agent.min_mentions or total <= 0:
        return None
    score = weighted / total
    if abs(score) < agent.min_abs_sentiment:
        return None
    evidence = 1 - math.exp(-volume / agent.min_mentions)
    confidence = min(1.0, abs(score) * evidence * agent.weight)
    return Aggregate(
        score=round(score, 4),
        confidence=round(confidence, 4),
        signal_count=len(signals),
        mention_count=mention_count,
        effective_volume=round(volume, 4),
    )

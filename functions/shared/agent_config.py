"""An agent's configuration as read from the agents-config table (a pydantic model, loaded where items are read)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AgentConfig(BaseModel):
    # Built on first use (not at import): cold starts of routes that read no such item skip it.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    agent_id: str = Field(min_length=1, max_length=64)
    enabled: bool = True
    weight: float = Field(default=1.0, gt=0, le=5)
    """Multiplies the confidence of this agent's proposals."""
    kinds: dict[str, float] = Field(default_factory=lambda: {"news": 1.0, "social": 1.0})
    """Weight of each signal kind in the aggregate."""
    lookback_hours: int = Field(default=72, ge=1, le=24 * 90)
    half_life_hours: float = Field(default=24.0, gt=0)
    min_mentions: int = Field(default=3, ge=1)
    min_abs_sentiment: float = Field(default=0.05, ge=0, le=1)
    base_position_pct: float = Field(default=2.0, gt=0, le=100)
    horizon_days: int = Field(default=5, ge=1, le=365)
    benchmark: str = Field(default="SPY", pattern=r"^[A-Z0-9.^-]{1,16}$")
    # risk limits
    min_confidence: float = Field(default=0.3, ge=0, le=1)
    max_position_pct: float = Field(default=5.0, gt=0, le=100)
    max_concentration_pct: float = Field(default=10.0, gt=0, le=100)
    excluded_entities: tuple[str, ...] = ()

"""Entity linking: cashtags ($AAPL), bare tickers (AAPL) and names or aliases (Apple, iPhone maker)."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from functions.shared.tracked_entity import TrackedEntity

MAX_ENTITIES_PER_SIGNAL = 25
_CASHTAG = re.compile(r"\$([A-Za-z][A-Za-z0-9.]{0,9})\b")


@dataclass(frozen=True)
class EntityLinker:
    by_symbol: dict[str, str]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def build(cls, entities: list[TrackedEntity]) -> EntityLinker:
        by_symbol = {e.symbol.upper(): e.entity_id for e in entities}
        patterns = []
        for entity in entities:
            names = sorted({entity.name, *entity.aliases} - {""}, key=len, reverse=True)
            alternatives = [re.escape(name) for name in names]
            pattern = rf"(?<![\w$])(?:{'|'.join(alternatives)})(?!\w)"
            ticker = rf"|(?<![\w$]){re.escape(entity.symbol)}(?!\w)" if len(entity.symbol) >= 3 else ""
            patterns.append((entity.entity_id, re.compile(f"(?i:{pattern}){ticker}")))
        return cls(by_symbol=by_symbol, patterns=tuple(patterns))

    def link(self, text: str) -> dict[str, int]:
        """entity_id -> number of mentions, for at most MAX_ENTITIES_PER_SIGNAL entities."""
        counts: Counter[str] = Counter()
        for match in _CASHTAG.finditer(text):
            entity_id = self.by_symbol.get(match.group(1).upper())
            if entity_id:
                counts[entity_id] += 1
        for entity_id, pattern in self.patterns:
            found = len(pattern.findall(text))
            if found:
                counts[entity_id] += found
        return dict(counts.most_common(MAX_ENTITIES_PER_SIGNAL))


class CachedLinker:
    """Rebuilds the linker from the tracked-entities table at most every `max_age` seconds."""

    def __init__(self, load: Callable[[], list[TrackedEntity]], max_age: float) -> None:
        self._load = load
        self._max_age = max_age
        self._linker: EntityLinker | None = None
        self._built_at = 0.0

    def get(self) -> EntityLinker:
        if self._linker is None or time.monotonic() - self._built_at >= self._max_age:
            self._linker = EntityLinker.build(self._load())
            self._built_at = time.monotonic()
        return self._linker

"""The six Lambda functions of the seed.

`package` is the Python package under `functions/` that holds the handler; the physical function name
is `Naming.function(name)`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    package: str
    description: str
    timeout_seconds: int = 30
    memory_mb: int = 512

    @property
    def handler(self) -> str:
        return f"functions.{self.package}.handler.handler"


INGEST_SOCIAL = FunctionSpec("ingest-social", "ingest_social", "Social media ingestion")
INGEST_NEWS = FunctionSpec("ingest-news", "ingest_news", "News ingestion")
SCORE = FunctionSpec("score", "score", "Sentiment scoring and entity linking", timeout_seconds=60, memory_mb=1024)
ORCHESTRATOR = FunctionSpec("orchestrator", "orchestrator", "Proposals, risk checks and decisions", timeout_seconds=60)
EVALUATION = FunctionSpec("evaluation", "evaluation", "Outcome evaluation and system figures", timeout_seconds=120)
STREAMING = FunctionSpec("streaming", "streaming", "Dashboard WebSocket streaming")

FUNCTIONS: tuple[FunctionSpec, ...] = (INGEST_SOCIAL, INGEST_NEWS, SCORE, ORCHESTRATOR, EVALUATION, STREAMING)
FUNCTION_NAMES: tuple[str, ...] = tuple(f.name for f in FUNCTIONS)

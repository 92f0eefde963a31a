"""The short names of the Lambda functions, the one list of them.

Settings name functions by them (`reserved_functions`), and so do `aiinv logs` and `aiinv metrics`; the
function catalog (`modules/catalog/functions.py`) describes each function under its name here, and its physical
name is `Naming.function(name)`. It lives below both so that the settings need not import the catalog.
"""

from __future__ import annotations

INGEST_SOCIAL = "ingest-social"
INGEST_NEWS = "ingest-news"
SCORE = "score"
ORCHESTRATOR = "orchestrator"
EVALUATION = "evaluation"
INGEST_MARKET = "ingest-market"
STREAMING = "streaming"
WS_AUTHORIZER = "ws-authorizer"

FUNCTION_NAMES: tuple[str, ...] = (
    INGEST_SOCIAL, INGEST_NEWS, SCORE, ORCHESTRATOR, EVALUATION, INGEST_MARKET, STREAMING, WS_AUTHORIZER,
)

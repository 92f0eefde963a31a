"""The configured daily-bar sources: URL templates rendered per symbol and date range.

Placeholders (checked when the environment is configured, `modules/config/market_sources.py`):
`{symbol}`, `{symbol_lower}`, `{start}` and `{end}` (dates; `{start:%Y%m%d}` formats them), and any
other name comes from the `params` object of the market source secret, so an API key never sits in
the function's configuration or in Terraform state. Logs name the template, never the rendered URL.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlparse

from functions.shared.secrets import secret_json

RESERVED = frozenset({"symbol", "symbol_lower", "start", "end"})


class SourceError(RuntimeError):
    """A source could not be asked or did not answer with bars."""


@dataclass(frozen=True)
class Source:
    template: str

    @property
    def name(self) -> str:
        """The host, which names the source in the store and in logs."""
        return (urlparse(self.template).hostname or "unknown").lower()

    def url(self, symbol: str, start: date, end: date, params: dict[str, str]) -> str:
        fields: dict[str, Any] = {
            "symbol": quote(symbol, safe=""), "symbol_lower": quote(symbol.lower(), safe=""),
            "start": start, "end": end,
        }
        for _, name, _, _ in string.Formatter().parse(self.template):
            if name is None or name in RESERVED:
                continue
            if name not in params:
                raise SourceError(f"{self.name}: the market source secret has no params.{name} for its URL")
            fields[name] = quote(params[name], safe="")
        return self.template.format(**fields)


def source_params(secret_arn: str) -> dict[str, str]:
    """The secret's `params` object: values for the templates' own placeholders (an API key, say)."""
    params = secret_json(secret_arn).get("params", {})
    if not isinstance(params, dict):
        raise SourceError("the market source secret's 'params' must be a JSON object of strings")
    return {str(k): str(v) for k, v in params.items()}

"""Market prices: the close of a symbol at (or shortly before) a moment, from Timestream or DynamoDB.

Timestream layout: dimension `symbol`, measure `close` (DOUBLE). DynamoDB layout (market-data table):
pk `symbol`, sk `ts` (ISO-8601 UTC), attribute `close`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from functions.shared import dynamo
from functions.shared.aws import client
from functions.shared.clock import iso

STALE_AFTER = timedelta(days=5)
"""A price older than this before the asked moment (weekends, holidays) counts as missing."""
_SYMBOL = re.compile(r"^[A-Z0-9.^-]{1,16}$")


class Prices(Protocol):
    def close_at(self, symbol: str, at: datetime) -> float | None: ...


def _checked(symbol: str) -> str:
    if not _SYMBOL.match(symbol):
        raise ValueError(f"invalid market symbol {symbol!r}")
    return symbol


@dataclass(frozen=True)
class DynamoPrices:
    table: str

    def close_at(self, symbol: str, at: datetime) -> float | None:
        response = client("dynamodb").query(
            TableName=self.table,
            KeyConditionExpression="symbol = :symbol AND ts BETWEEN :since AND :at",
            ExpressionAttributeValues=dynamo.values(symbol=_checked(symbol), since=iso(at - STALE_AFTER), at=iso(at)),
            ScanIndexForward=False,
            Limit=1,
        )
        items = response.get("Items", [])
        return float(dynamo.from_item(items[0])["close"]) if items else None


@dataclass(frozen=True)
class TimestreamPrices:
    database: str
    table: str

    def close_at(self, symbol: str, at: datetime) -> float | None:
        moment = at.strftime("%Y-%m-%d %H:%M:%S")
        since = (at - STALE_AFTER).strftime("%Y-%m-%d %H:%M:%S")
        query = (
            f'SELECT measure_value::double AS close FROM "{self.database}"."{self.table}" '
            f"WHERE symbol = '{_checked(symbol)}' AND measure_name = 'close' "
            f"AND time BETWEEN '{since}' AND '{moment}' ORDER BY time DESC LIMIT 1"
        )
        rows = client("timestream-query").query(QueryString=query).get("Rows", [])
        if not rows:
            return None
        return float(rows[0]["Data"][0]["ScalarValue"])


def prices_from(store: str, table: str | None, database: str | None, ts_table: str | None) -> Prices:
    if store == "timestream":
        return TimestreamPrices(database=database or "", table=ts_table or "")
    return DynamoPrices(table=table or "")

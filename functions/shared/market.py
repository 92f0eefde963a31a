"""The market-data store: daily closes per symbol, in DynamoDB or Timestream (the environment decides).

DynamoDB (market-data table): pk `symbol`, sk `ts` (the close instant, ISO-8601 UTC), `day`
(YYYY-MM-DD at the exchange), `close` (number, as the source wrote it), `source`, `ingested_at`.
Timestream: dimension `symbol`, measure `close` (DOUBLE), time = the close instant.
One close per symbol and trading day: writes never replace a stored close (a rerun or an overlapping
window writes nothing twice), and a source that later reports another value is counted, not applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from botocore.exceptions import ClientError

from functions.shared import dynamo
from functions.shared import settings as env
from functions.shared.aws import client
from functions.shared.clock import iso, parse_iso, utc_now
from functions.shared.trading_days import close_instant, exchange_date

SYMBOL_PATTERN = r"^[A-Z0-9.^-]{1,16}$"
_SYMBOL = re.compile(SYMBOL_PATTERN)
TIMESTREAM_BATCH = 100
"""WriteRecords takes at most 100 records per call."""


def checked_symbol(symbol: str) -> str:
    if not _SYMBOL.match(symbol):
        raise ValueError(f"invalid market symbol {symbol!r}")
    return symbol


@dataclass(frozen=True)
class Close:
    day: date
    close: Decimal
    source: str

    @property
    def at(self) -> datetime:
        return close_instant(self.day)


@dataclass
class WriteResult:
    written: int = 0
    already_stored: int = 0
    changed_at_source: list[str] = field(default_factory=list)
    """Days whose stored close differs from what the source reports now (kept as stored)."""


class MarketStore(Protocol):
    def close_on(self, symbol: str, day: date) -> float | None: ...

    def latest_day(self, symbol: str) -> date | None: ...

    def stored(self, symbol: str, start: date, end: date) -> dict[date, Decimal]: ...

    def write(self, symbol: str, closes: list[Close]) -> WriteResult: ...


def _compare(closes: list[Close], existing: dict[date, Decimal], result: WriteResult) -> list[Close]:
    """The closes not stored yet; counts the others."""
    missing = []
    for item in closes:
        if item.day in existing:
            result.already_stored += 1
            if existing[item.day] != item.close:
                result.changed_at_source.append(item.day.isoformat())
        else:
            missing.append(item)
    return missing


@dataclass(frozen=True)
class DynamoMarketStore:
    table: str

    def close_on(self, symbol: str, day: date) -> float | None:
        response = client("dynamodb").get_item(
            TableName=self.table, Key=dynamo.to_item({"symbol": checked_symbol(symbol), "ts": iso(close_instant(day))})
        )
        return float(dynamo.from_item(response["Item"])["close"]) if "Item" in response else None

    def latest_day(self, symbol: str) -> date | None:
        response = client("dynamodb").query(
            TableName=self.table,
            KeyConditionExpression="symbol = :symbol",
            ExpressionAttributeValues=dynamo.values(symbol=checked_symbol(symbol)),
            ScanIndexForward=False,
            Limit=1,
        )
        items = response.get("Items", [])
        return exchange_date(parse_iso(items[0]["ts"]["S"])) if items else None

    def stored(self, symbol: str, start: date, end: date) -> dict[date, Decimal]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="symbol = :symbol AND ts BETWEEN :since AND :until",
            ExpressionAttributeValues=dynamo.values(
                symbol=checked_symbol(symbol), since=iso(close_instant(start)), until=iso(close_instant(end))
            ),
            ProjectionExpression="ts, #close",
            ExpressionAttributeNames={"#close": "close"},
        )
        # Read as the exact numbers they were written as, to compare with what a source reports.
        return {
            exchange_date(parse_iso(item["ts"]["S"])): Decimal(item["close"]["N"])
            for page in pages for item in page["Items"]
        }

    def write(self, symbol: str, closes: list[Close]) -> WriteResult:
        result = WriteResult()
        if not closes:
            return result
        days = sorted(c.day for c in closes)
        existing = self.stored(symbol, days[0], days[-1])
        now = iso(utc_now())
        for item in _compare(closes, existing, result):
            record = {"symbol": symbol, "ts": iso(item.at), "day": item.day.isoformat(), "source": item.source,
                      "ingested_at": now}
            try:
                client("dynamodb").put_item(
                    TableName=self.table,
                    Item={**dynamo.to_item(record), "close": {"N": format(item.close, "f")}},
                    # Another run may have written it since we looked: the first close stays.
                    ConditionExpression="attribute_not_exists(ts)",
                )
            except ClientError as exc:
                if not dynamo.is_conditional_failure(exc):
                    raise
                result.already_stored += 1
                continue
            result.written += 1
        return result


@dataclass(frozen=True)
class TimestreamMarketStore:
    database: str
    table: str

    def _select(self, symbol: str, since: datetime, until: datetime, extra: str = "") -> list[list[str]]:
        query = (
            f'SELECT time, measure_value::double FROM "{self.database}"."{self.table}" '
            f"WHERE symbol = '{checked_symbol(symbol)}' AND measure_name = 'close' "
            f"AND time BETWEEN '{since:%Y-%m-%d %H:%M:%S}' AND '{until:%Y-%m-%d %H:%M:%S}' {extra}"
        )
        rows: list[list[str]] = []
        kwargs = {"QueryString": query}
        while True:
            page = client("timestream-query").query(**kwargs)
            rows += [[d.get("ScalarValue", "") for d in row["Data"]] for row in page.get("Rows", [])]
            if not page.get("NextToken"):
                return rows
            kwargs = {"QueryString": query, "NextToken": page["NextToken"]}

    def close_on(self, symbol: str, day: date) -> float | None:
        at = close_instant(day)
        rows = self._select(symbol, at, at)
        return float(rows[0][1]) if rows else None

    def latest_day(self, symbol: str) -> date | None:
        now = utc_now()
        rows = self._select(symbol, now - timedelta(days=3650), now, "ORDER BY time DESC LIMIT 1")
        return exchange_date(_timestream_time(rows[0][0])) if rows else None

    def stored(self, symbol: str, start: date, end: date) -> dict[date, Decimal]:
        rows = self._select(symbol, close_instant(start), close_instant(end))
        return {exchange_date(_timestream_time(t)): Decimal(v) for t, v in rows}

    def write(self, symbol: str, closes: list[Close]) -> WriteResult:
        result = WriteResult()
        if not closes:
            return result
        days = sorted(c.day for c in closes)
        missing = _compare(closes, self.stored(symbol, days[0], days[-1]), result)
        records = [
            {
                "Dimensions": [{"Name": "symbol", "Value": symbol}],
                "MeasureName": "close",
                "MeasureValue": format(item.close, "f"),
                "MeasureValueType": "DOUBLE",
                "Time": str(int(item.at.timestamp() * 1000)),
                "TimeUnit": "MILLISECONDS",
            }
            for item in missing
        ]
        for start in range(0, len(records), TIMESTREAM_BATCH):
            # Timestream keeps the first of two identical records, so a concurrent writer cannot double one.
            client("timestream-write").write_records(
                DatabaseName=self.database, TableName=self.table, Records=records[start:start + TIMESTREAM_BATCH]
            )
        result.written = len(records)
        return result


def _timestream_time(text: str) -> datetime:
    """Timestream's `2026-11-16 21:00:00.000000000` (UTC, nanoseconds) as a datetime."""
    return parse_iso(text[:26].replace(" ", "T"))


STORES = ("timestream", "dynamodb")


def load_store() -> MarketStore:
    """The store the environment names (read at cold start, with the function's other settings)."""
    if env.require_choice("MARKET_DATA_STORE", STORES) == "timestream":
        return TimestreamMarketStore(database=env.require("TIMESTREAM_DATABASE"), table=env.require("TIMESTREAM_TABLE"))
    return DynamoMarketStore(table=env.require("MARKET_DATA_TABLE"))

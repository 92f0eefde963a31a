"""Conversion between plain Python values and DynamoDB attribute values (low-level client format), and
reading every page of a query or scan in that form."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from functions.shared.aws import client

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _to_storable(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot store non-finite number {value!r}")
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_storable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_storable(v) for v in value]
    return value


def _from_stored(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_stored(v) for v in value]
    if isinstance(value, set):
        return sorted(_from_stored(v) for v in value)
    return value


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """A plain dict as a DynamoDB item; `None` values are left out."""
    return {k: _SERIALIZER.serialize(v) for k, v in _to_storable(data).items()}


def to_value(value: Any) -> dict[str, Any]:
    return _SERIALIZER.serialize(_to_storable(value))


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as a plain dict with ints and floats."""
    return {k: _from_stored(_DESERIALIZER.deserialize(v)) for k, v in item.items()}


def values(**named: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments: `values(state="x")` -> `{":state": {...}}`."""
    return {f":{k}": to_value(v) for k, v in named.items()}


def is_conditional_failure(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in {"ConditionalCheckFailedException", "TransactionCanceledException"}


def read_all(operation: str, **params: Any) -> list[dict[str, Any]]:
    """Every item a `query` or `scan` returns, across all pages, as plain Python values."""
    pages = client("dynamodb").get_paginator(operation).paginate(**params)
    return [from_item(item) for page in pages for item in page["Items"]]


def count_all(operation: str, **params: Any) -> int:
    """How many items a `query` or `scan` selects, across all pages."""
    pages = client("dynamodb").get_paginator(operation).paginate(Select="COUNT", **params)
    return sum(page["Count"] for page in pages)

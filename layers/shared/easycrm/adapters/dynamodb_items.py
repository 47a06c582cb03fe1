"""Conversions between DynamoDB's Decimal/set values and plain JSON-friendly Python, and DynamoDB's typed
attribute values (`{"S": ...}`) for the low-level client, and "now" in the one form every item stores."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def utc_now_iso() -> str:
    """ISO-8601 UTC with milliseconds and a Z: sorts as text, as the byCreatedAt index needs."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    return value


def typed(values: dict[str, Any]) -> dict[str, dict]:
    """Python values (str, int, set, dict, ...) as the low-level client sends them, as the resource would."""
    return {name: _SERIALIZER.serialize(value) for name, value in values.items()}


def untyped(item: dict[str, dict]) -> dict[str, Any]:
    """An item from the low-level client as the resource returns it (numbers as Decimal, sets as set)."""
    return {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}

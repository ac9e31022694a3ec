"""Whole bench rows for records the hub creates on the center.

A record's `data` is the bench row as JSON, and a bench applies a pulled row with the columns it
carries, so the hub sends every column of the bench model: the values it knows, the model's defaults
for the rest (new columns others add to a table are covered without touching this code).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import DeclarativeBase


def as_json(value: Any) -> Any:
    """The center's conventions: decimals as strings, times as ISO 8601 UTC strings."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


def full_row(model: type[DeclarativeBase], values: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column in model.__table__.columns:
        if column.name in values:
            row[column.name] = as_json(values[column.name])
            continue
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            row[column.name] = as_json(default.arg)
        elif default is not None and getattr(default, "is_callable", False):
            row[column.name] = as_json(default.arg(None))
        elif column.nullable:
            row[column.name] = None
        # else: left out, and the center rejects the row as incomplete (a bug here, not bad input)
    return row

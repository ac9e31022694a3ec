"""The center's conflict rules, as pure functions over JSON rows (ARCHITECTURE §4, docs/adr/0008)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shipstation_desktop.domain import privacy

# Lifecycle rank: a status only moves forward; any terminal status beats every live one, and the
# first terminal status reached stays (a delivered parcel is not later "lost" by a stale bench).
_RANK = {
    "PENDING": 0,
    "LABEL_CREATED": 1,
    "PICKED_UP": 2,
    "IN_TRANSIT": 3,
    "OUT_FOR_DELIVERY": 4,
}
TERMINAL = frozenset({"DELIVERED", "RETURNED_TO_SENDER", "LOST", "DAMAGED", "CANCELLED"})
LIVE_EXCLUDED = frozenset({"CANCELLED", "PENDING"})

# Bought-label facts: the carrier charged for exactly these, so no later edit may change them.
LABEL_FIELDS = frozenset(
    {
        "order_id",
        "carrier",
        "service",
        "tracking_number",
        "shipping_cost",
        "currency",
        "label_format",
        "label_created_at",
        "weight_grams",
        "weight_value",
        "weight_unit",
        "from_address",
        "to_address",
    }
)
# The sync columns the center owns; a bench's value for them is never merged field by field.
SYNC_FIELDS = frozenset({"id", "version", "created_at", "updated_at", "bench_id"})


def status_rank(status: str) -> int:
    return 100 if status in TERMINAL else _RANK.get(status, 0)


def forward_status(current: str, incoming: str) -> str:
    """The status a shipment ends with when `incoming` arrives while the center holds `current`."""
    if current in TERMINAL:
        return current
    return incoming if status_rank(incoming) >= status_rank(current) else current


def frozen_changes(current: dict[str, Any], incoming: dict[str, Any], changed: list[str]) -> list[str]:
    """Label fields an update tries to change after the label was bought (empty: allowed)."""
    if not current.get("label_created_at"):
        return []
    return sorted(
        f
        for f in changed
        if f in LABEL_FIELDS
        and incoming.get(f) != current.get(f)
        # a GDPR erasure blanks the recipient: the label is printed, nobody is redirected
        and not (f == "to_address" and _erased_address(current.get(f), incoming.get(f)))
    )


def _erased_address(before: Any, after: Any) -> bool:
    return isinstance(before, dict) and isinstance(after, dict) and privacy.is_address_erasure(before, after)


def is_live(row: dict[str, Any], deleted: bool = False) -> bool:
    return (
        not deleted
        and row.get("deleted_at") is None
        and row.get("status") not in LIVE_EXCLUDED
        and row.get("superseded_by") is None
    )


def winner_key(row: dict[str, Any]) -> tuple[str, str]:
    """Of two live shipments for one order, the earlier label wins (ties: the smaller id). Depends
    only on the rows, never on which bench synced first, so every bench and the center agree."""
    return (str(row.get("label_created_at") or row.get("created_at") or ""), str(row["id"]))


def bounded_time(claimed: str | None, server_now: datetime) -> datetime:
    """A bench's clock, capped at the center's: a bench set to next year cannot win every merge."""
    if not claimed:
        return server_now
    try:
        at = datetime.fromisoformat(claimed)
    except ValueError:
        return server_now
    if at.tzinfo is None:
        return server_now
    return min(at, server_now)


def merge_lww(
    current: dict[str, Any],
    clock: dict[str, str],
    incoming: dict[str, Any],
    fields: list[str],
    at: datetime,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Per-field last-writer-wins: each field takes the incoming value when this write is not older
    than the last write of that field. Returns the merged row and the new field clock."""
    merged = dict(current)
    new_clock = dict(clock)
    stamp = at.isoformat()
    for name in fields:
        if name in SYNC_FIELDS or name not in incoming:
            continue
        seen = clock.get(name)
        if seen is None or datetime.fromisoformat(seen) <= at:
            merged[name] = incoming[name]
            new_clock[name] = stamp
    return merged, new_clock

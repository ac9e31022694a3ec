"""Stock rules (issue 9): movement reasons, deterministic movement ids and low-stock alert levels.

On-hand stock is the sum of a SKU's movements (see docs/adr/0012-inventory.md); these are the pure
rules the services apply to that ledger.
"""

from __future__ import annotations

import uuid
from enum import IntEnum, StrEnum

_MOVEMENT_NAMESPACE = uuid.UUID("3d0f6a52-9a7e-4d4b-8f0e-55c1b1a6e0c4")
_ITEM_NAMESPACE = uuid.UUID("a4b2f1c9-2f55-4c1e-9d7e-0b6f8f3d2a17")


class StockReason(StrEnum):
    SHIP = "ship"  # an order left the building (written by the ship hook, never by hand)
    VOID = "void"  # its label was voided: the reversal of one ship movement
    ADJUST = "adjust"  # a count correction, damage, loss
    RECEIVE = "receive"  # goods in
    RETURN = "return"  # a returned parcel put back on the shelf


MANUAL_REASONS = frozenset({StockReason.ADJUST, StockReason.RECEIVE, StockReason.RETURN})


class AlertLevel(IntEnum):
    """How bad a SKU's stock is; an alert is raised when the level rises, never while it stays."""

    OK = 0
    LOW = 1  # at or below the threshold
    OUT = 2  # zero or negative (negative: parcels left that the count never had)


def item_id(sku: str) -> str:
    """One inventory record per SKU, the same id on every bench, so two benches adding it merge."""
    return str(uuid.uuid5(_ITEM_NAMESPACE, sku))


def order_movement_id(order_id: str, sku: str, reason: StockReason, cycle: int) -> str:
    """The id of the ship (or void) movement of one order line's SKU in its n-th ship/void cycle.

    Every bench derives the same id for the same event, so a duplicate ship event (the bench's own,
    a pull, a webhook) collides instead of deducting twice; the cycle lets a re-ship after a void
    deduct again."""
    return str(uuid.uuid5(_MOVEMENT_NAMESPACE, f"{order_id}|{sku}|{reason.value}|{cycle}"))


def alert_level(on_hand: int, threshold: int | None) -> AlertLevel:
    """None: the SKU is not tracked (no inventory record), so it never alerts."""
    if threshold is None:
        return AlertLevel.OK
    if on_hand <= 0:
        return AlertLevel.OUT
    if on_hand <= threshold:
        return AlertLevel.LOW
    return AlertLevel.OK


def normalize_sku(text: str) -> str:
    return text.strip()

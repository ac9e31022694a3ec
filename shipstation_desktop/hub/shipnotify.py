"""Applying a ShipStation ship notice to the center: the order moves to shipped (with its status
history), a shipment is recorded, and the order's stock is deducted — all as Mutations pushed under
the center's rules as the "hub" bench.

Idempotent per (order number, tracking number): every record id and mutation id is derived from that
pair, so a repeated notice (ShipStation retries until it gets a 200) either stops at "this tracking
number is already recorded for this order" or, racing the first, replays the same mutation ids and
rows, which the center answers as duplicates or rewrites with the same values.

Stock: the ship movement uses the inventory rule of services/inventory.py (one movement per SKU, id
domain.inventory.order_movement_id(order, SKU, SHIP, cycle), nothing while an unreversed deduction
exists), so a bench that ships the same order offline derives the same id and the two collide.

Notifications: the hub sends none. Benches skip rows applied from the center (their hook only sees
local status changes), so a customer notification for a ShipStation shipment needs the `after_ship`
hook (custom_store.router) or a bench-side rule for rows with source "webhook" — see the report.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from shipstation_desktop.domain.enums import OrderStatus, ShipmentStatus
from shipstation_desktop.domain.inventory import StockReason, normalize_sku, order_movement_id
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.inventory_tables import StockMovement
from shipstation_desktop.sync.port import Mutation

from .record_rows import full_row
from .ship_notice import NoticeError, ShipNotice
from .state import HUB_BENCH_ID, HubState

_NAMESPACE = uuid.UUID("9c3e2b1a-6f4d-4e7a-8b5c-2d1f0e9a7c63")
SHIPPED_BY = "ShipStation"
SOURCE = "webhook"  # order_status_history.source: bench | carrier | sync | webhook

# Orders ShipStation may mark shipped, and the status moves that takes (the bench's own packing flow
# goes through processing too, so history reads the same whichever side shipped).
_PATH = {
    OrderStatus.PENDING: (OrderStatus.PROCESSING, OrderStatus.SHIPPED),
    OrderStatus.CONFIRMED: (OrderStatus.PROCESSING, OrderStatus.SHIPPED),
    OrderStatus.PROCESSING: (OrderStatus.SHIPPED,),
    OrderStatus.DELAYED: (OrderStatus.SHIPPED,),
    OrderStatus.EXCEPTION: (OrderStatus.SHIPPED,),
}
_ALREADY_SHIPPED = frozenset({OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED})


@dataclass(frozen=True, slots=True)
class ShipResult:
    outcome: str  # "shipped" | "duplicate"
    order_id: str
    order_number: str
    shipment_id: str
    tracking_number: str
    mutations: int = 0


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))


def _record(state: HubState, entity: str, where: str, params: dict[str, Any]) -> tuple[str, int, dict[str, Any]] | None:
    with state.engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT id, version, data FROM records WHERE entity = :e AND NOT deleted AND {where} LIMIT 1"),
            {"e": entity} | params,
        ).first()
    return None if row is None else (row[0], row[1], row[2])


def _rows(state: HubState, entity: str, order_id: str) -> list[dict[str, Any]]:
    with state.engine.connect() as conn:
        return [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT data FROM records WHERE entity = :e AND NOT deleted AND data->>'order_id' = :o "
                    "AND data->>'deleted_at' IS NULL ORDER BY id"
                ),
                {"e": entity, "o": order_id},
            )
        ]


def _stock_mutations(state: HubState, key: str, order_id: str, now: datetime) -> list[Mutation]:
    quantities: dict[str, int] = {}
    for line in _rows(state, "order_lines", order_id):
        sku = normalize_sku(str(line.get("sku") or ""))
        if sku and line.get("quantity"):
            quantities[sku] = quantities.get(sku, 0) + int(line["quantity"])
    moves = _rows(state, "stock_movements", order_id)
    mutations = []
    for sku, quantity in sorted(quantities.items()):
        ships = sum(1 for m in moves if m.get("sku") == sku and m.get("reason") == StockReason.SHIP.value)
        voids = sum(1 for m in moves if m.get("sku") == sku and m.get("reason") == StockReason.VOID.value)
        if ships > voids:
            continue  # this shipment's stock is already deducted (a bench shipped it too)
        movement_id = order_movement_id(order_id, sku, StockReason.SHIP, ships)
        row = full_row(
            StockMovement,
            {
                "id": movement_id,
                "created_at": now,
                "updated_at": now,
                "bench_id": HUB_BENCH_ID,
                "version": 1,
                "sku": sku,
                "delta": -quantity,
                "reason": StockReason.SHIP.value,
                "order_id": order_id,
                "at": now,
                "created_by": SHIPPED_BY,
                "note": "shipped through ShipStation",
            },
        )
        mutations.append(
            Mutation(derived_id(key, "stock", movement_id), "stock_movements", movement_id, "insert", None, row)
        )
    return mutations


def _shipment_row(notice: ShipNotice, order: dict[str, Any], shipment_id: str, now: datetime) -> dict[str, Any]:
    label_at = notice.label_created or now
    shipped_at = datetime.combine(notice.ship_date, time(0), UTC) if notice.ship_date else label_at
    history = [
        {"status": ShipmentStatus.LABEL_CREATED.value, "at": label_at.isoformat(), "note": "label (ShipStation)"}
    ]
    status = ShipmentStatus.LABEL_CREATED
    # A ship date today or earlier: the parcel has left; a future one: only the label exists yet.
    if notice.ship_date is None or notice.ship_date <= now.date():
        status = ShipmentStatus.IN_TRANSIT
        history.append({"status": status.value, "at": shipped_at.isoformat(), "note": "shipped (ShipStation)"})
    grams = Decimal(str(order.get("expected_weight_grams") or 0))
    ship_to = dict(order.get("ship_to") or {})
    return full_row(
        t.Shipment,
        {
            "id": shipment_id,
            "created_at": now,
            "updated_at": now,
            "bench_id": HUB_BENCH_ID,
            "version": 1,
            "order_id": order["id"],
            "carrier": notice.carrier or "other",
            "service": notice.service,
            "tracking_number": notice.tracking_number,
            "status": status.value,
            "status_history": history,
            "last_status_update": now,
            "weight_grams": grams,
            "weight_value": grams,
            "weight_unit": "g",
            "length_mm": order.get("length_mm"),
            "width_mm": order.get("width_mm"),
            "height_mm": order.get("height_mm"),
            "shipping_cost": notice.shipping_cost if notice.shipping_cost is not None else Decimal(0),
            "currency": order.get("currency") or "USD",
            "label_created_at": label_at,
            "from_address": {},
            "to_address": {**ship_to, **{k: v for k, v in notice.recipient.items() if v}},
        },
    )


def apply(state: HubState, notice: ShipNotice) -> ShipResult:
    """Marks the order shipped and records the shipment; raises NoticeError (404, 409) when it cannot."""
    number, tracking = notice.order_number, notice.tracking_number
    key = f"shipnotify|{number}|{tracking}"
    found = _record(state, "orders", "data->>'order_number' = :n", {"n": number})
    if found is None:
        raise NoticeError(404, f"Order {number} is not known to the hub.")
    order_id, version, order = found
    shipment_id = derived_id(key, "shipment")
    existing = _record(state, "shipments", "data->>'tracking_number' = :t", {"t": tracking})
    if existing is not None:
        if existing[2].get("order_id") == order_id:
            return ShipResult("duplicate", order_id, number, existing[0], tracking)
        raise NoticeError(409, f"Tracking number {tracking} already belongs to another order's shipment.")
    try:
        current = OrderStatus(str(order.get("status")))
    except ValueError:
        raise NoticeError(409, f"Order {number} has an unknown status and cannot be marked shipped.") from None
    if current not in _PATH and current not in _ALREADY_SHIPPED:
        raise NoticeError(409, f"Order {number} is {current.value} and cannot be marked shipped.")

    now = state.config.now()
    mutations: list[Mutation] = []
    moves = _PATH.get(current, ())
    if moves:
        mutations.append(
            Mutation(
                derived_id(key, "order"),
                "orders",
                order_id,
                "update",
                version,
                {**order, "status": OrderStatus.SHIPPED.value, "updated_at": now.isoformat()},
                ["status"],
            )
        )
    previous = current
    for target in moves:
        history_id = derived_id(key, "history", target.value)
        row = full_row(
            t.OrderStatusHistory,
            {
                "id": history_id,
                "created_at": now,
                "updated_at": now,
                "bench_id": HUB_BENCH_ID,
                "version": 1,
                "order_id": order_id,
                "status": target.value,
                "previous_status": previous.value,
                "status_details": f"{notice.carrier} {notice.service}".strip() if target is OrderStatus.SHIPPED else "",
                "tracking_number": tracking if target is OrderStatus.SHIPPED else "",
                "carrier": notice.carrier if target is OrderStatus.SHIPPED else "",
                "notes": "ShipStation ship notification",
                "created_by": SHIPPED_BY,
                "source": SOURCE,
            },
        )
        mutations.append(
            Mutation(
                derived_id(key, "history-mutation", target.value),
                "order_status_history",
                history_id,
                "insert",
                None,
                row,
            )
        )
        previous = target
    mutations.append(
        Mutation(
            derived_id(key, "shipment-mutation"),
            "shipments",
            shipment_id,
            "insert",
            None,
            _shipment_row(notice, order, shipment_id, now),
        )
    )
    mutations += _stock_mutations(state, key, order_id, now)
    results = state.push(mutations)
    rejected = [r for r in results if r.outcome == "rejected"]
    if rejected:
        raise NoticeError(409, f"The center refused the ship notice for order {number}: {rejected[0].reason}")
    return ShipResult("shipped", order_id, number, shipment_id, tracking, len(mutations))

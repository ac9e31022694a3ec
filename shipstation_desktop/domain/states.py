"""Shipment and order state machines: which status may follow which. Pure tables plus one check."""

from __future__ import annotations

from collections.abc import Mapping

from .enums import OrderStatus, ShipmentStatus
from .errors import InvalidTransition

S = ShipmentStatus
_AFTER_PICKUP = frozenset({S.RETURNED_TO_SENDER, S.LOST, S.DAMAGED})

# Carriers skip scans (a parcel can go straight from label to delivered), so forward jumps are
# allowed; going backwards is not, except OUT_FOR_DELIVERY -> IN_TRANSIT after a failed attempt.
# A label can be voided (CANCELLED) only before the carrier has the parcel.
SHIPMENT_TRANSITIONS: Mapping[ShipmentStatus, frozenset[ShipmentStatus]] = {
    S.PENDING: frozenset({S.LABEL_CREATED, S.CANCELLED}),
    S.LABEL_CREATED: frozenset({S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED, S.CANCELLED})
    | _AFTER_PICKUP,
    S.PICKED_UP: frozenset({S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED}) | _AFTER_PICKUP,
    S.IN_TRANSIT: frozenset({S.OUT_FOR_DELIVERY, S.DELIVERED}) | _AFTER_PICKUP,
    S.OUT_FOR_DELIVERY: frozenset({S.IN_TRANSIT, S.DELIVERED}) | _AFTER_PICKUP,
    # A damaged parcel may still be delivered or sent back; a lost one may turn up.
    S.DAMAGED: frozenset({S.DELIVERED, S.RETURNED_TO_SENDER, S.LOST}),
    S.LOST: frozenset({S.DELIVERED, S.RETURNED_TO_SENDER}),
    S.DELIVERED: frozenset(),
    S.RETURNED_TO_SENDER: frozenset(),
    S.CANCELLED: frozenset(),
}

SHIPMENT_TERMINAL = frozenset(s for s, nxt in SHIPMENT_TRANSITIONS.items() if not nxt)
# Statuses in which the shipment still holds a live label (the order counts as shipped).
SHIPMENT_ACTIVE = frozenset(set(ShipmentStatus) - {S.CANCELLED, S.PENDING})

# Lifecycle rank for sync conflict resolution: the higher rank wins; terminal states rank highest.
SHIPMENT_RANK: Mapping[ShipmentStatus, int] = {
    S.PENDING: 0,
    S.LABEL_CREATED: 1,
    S.PICKED_UP: 2,
    S.IN_TRANSIT: 3,
    S.OUT_FOR_DELIVERY: 4,
    S.DAMAGED: 5,
    S.LOST: 6,
    S.DELIVERED: 7,
    S.RETURNED_TO_SENDER: 7,
    S.CANCELLED: 7,
}

_O = OrderStatus
_IN_FLIGHT = frozenset({_O.OUT_FOR_DELIVERY, _O.DELIVERED, _O.DELAYED, _O.EXCEPTION, _O.RETURNED})

ORDER_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    _O.PENDING: frozenset({_O.CONFIRMED, _O.PROCESSING, _O.CANCELLED}),
    _O.CONFIRMED: frozenset({_O.PROCESSING, _O.CANCELLED}),
    _O.PROCESSING: frozenset({_O.SHIPPED, _O.CANCELLED}),
    # SHIPPED -> PROCESSING is the void: the label is cancelled and the order goes back to the bench.
    _O.SHIPPED: _IN_FLIGHT | {_O.PROCESSING},
    _O.OUT_FOR_DELIVERY: frozenset({_O.DELIVERED, _O.DELAYED, _O.EXCEPTION, _O.RETURNED}),
    _O.DELAYED: frozenset({_O.SHIPPED, _O.OUT_FOR_DELIVERY, _O.DELIVERED, _O.EXCEPTION, _O.RETURNED}),
    _O.EXCEPTION: frozenset({_O.SHIPPED, _O.OUT_FOR_DELIVERY, _O.DELIVERED, _O.DELAYED, _O.RETURNED}),
    _O.DELIVERED: frozenset({_O.RETURNED}),
    _O.CANCELLED: frozenset(),
    _O.RETURNED: frozenset(),
}

# Orders a packer may ship from the bench.
READY_TO_SHIP = frozenset({_O.CONFIRMED, _O.PROCESSING})


def check_shipment_transition(current: ShipmentStatus, target: ShipmentStatus) -> None:
    if target not in SHIPMENT_TRANSITIONS[current]:
        raise InvalidTransition("Shipment", current.value, target.value)


def check_order_transition(current: OrderStatus, target: OrderStatus) -> None:
    if target not in ORDER_TRANSITIONS[current]:
        raise InvalidTransition("Order", current.value, target.value)


def order_status_for_shipment(status: ShipmentStatus) -> OrderStatus | None:
    """The order status a shipment status implies (None: leave the order alone)."""
    return {
        S.LABEL_CREATED: _O.SHIPPED,
        S.PICKED_UP: _O.SHIPPED,
        S.IN_TRANSIT: _O.SHIPPED,
        S.OUT_FOR_DELIVERY: _O.OUT_FOR_DELIVERY,
        S.DELIVERED: _O.DELIVERED,
        S.RETURNED_TO_SENDER: _O.RETURNED,
        S.LOST: _O.EXCEPTION,
        S.DAMAGED: _O.EXCEPTION,
    }.get(status)

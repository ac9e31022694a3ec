"""Every allowed and every forbidden transition, checked against a spec written out by hand."""

from __future__ import annotations

import itertools

import pytest

from shipstation_desktop.domain.enums import OrderStatus, ShipmentStatus
from shipstation_desktop.domain.errors import InvalidTransition
from shipstation_desktop.domain.states import (
    SHIPMENT_RANK,
    SHIPMENT_TERMINAL,
    check_order_transition,
    check_shipment_transition,
    order_status_for_shipment,
)

S = ShipmentStatus
SHIPMENT_ALLOWED = {
    (S.PENDING, S.LABEL_CREATED), (S.PENDING, S.CANCELLED),
    (S.LABEL_CREATED, S.PICKED_UP), (S.LABEL_CREATED, S.IN_TRANSIT), (S.LABEL_CREATED, S.OUT_FOR_DELIVERY),
    (S.LABEL_CREATED, S.DELIVERED), (S.LABEL_CREATED, S.CANCELLED), (S.LABEL_CREATED, S.RETURNED_TO_SENDER),
    (S.LABEL_CREATED, S.LOST), (S.LABEL_CREATED, S.DAMAGED),
    (S.PICKED_UP, S.IN_TRANSIT), (S.PICKED_UP, S.OUT_FOR_DELIVERY), (S.PICKED_UP, S.DELIVERED),
    (S.PICKED_UP, S.RETURNED_TO_SENDER), (S.PICKED_UP, S.LOST), (S.PICKED_UP, S.DAMAGED),
    (S.IN_TRANSIT, S.OUT_FOR_DELIVERY), (S.IN_TRANSIT, S.DELIVERED), (S.IN_TRANSIT, S.RETURNED_TO_SENDER),
    (S.IN_TRANSIT, S.LOST), (S.IN_TRANSIT, S.DAMAGED),
    (S.OUT_FOR_DELIVERY, S.IN_TRANSIT), (S.OUT_FOR_DELIVERY, S.DELIVERED),
    (S.OUT_FOR_DELIVERY, S.RETURNED_TO_SENDER), (S.OUT_FOR_DELIVERY, S.LOST), (S.OUT_FOR_DELIVERY, S.DAMAGED),
    (S.DAMAGED, S.DELIVERED), (S.DAMAGED, S.RETURNED_TO_SENDER), (S.DAMAGED, S.LOST),
    (S.LOST, S.DELIVERED), (S.LOST, S.RETURNED_TO_SENDER),
}  # fmt: skip

O = OrderStatus  # noqa: E741 - short names keep the edge table readable
ORDER_ALLOWED = {
    (O.PENDING, O.CONFIRMED), (O.PENDING, O.PROCESSING), (O.PENDING, O.CANCELLED),
    (O.CONFIRMED, O.PROCESSING), (O.CONFIRMED, O.CANCELLED),
    (O.PROCESSING, O.SHIPPED), (O.PROCESSING, O.CANCELLED),
    (O.SHIPPED, O.OUT_FOR_DELIVERY), (O.SHIPPED, O.DELIVERED), (O.SHIPPED, O.DELAYED), (O.SHIPPED, O.EXCEPTION),
    (O.SHIPPED, O.RETURNED), (O.SHIPPED, O.PROCESSING),
    (O.OUT_FOR_DELIVERY, O.DELIVERED), (O.OUT_FOR_DELIVERY, O.DELAYED), (O.OUT_FOR_DELIVERY, O.EXCEPTION),
    (O.OUT_FOR_DELIVERY, O.RETURNED),
    (O.DELAYED, O.SHIPPED), (O.DELAYED, O.OUT_FOR_DELIVERY), (O.DELAYED, O.DELIVERED), (O.DELAYED, O.EXCEPTION),
    (O.DELAYED, O.RETURNED),
    (O.EXCEPTION, O.SHIPPED), (O.EXCEPTION, O.OUT_FOR_DELIVERY), (O.EXCEPTION, O.DELIVERED),
    (O.EXCEPTION, O.DELAYED), (O.EXCEPTION, O.RETURNED),
    (O.DELIVERED, O.RETURNED),
}  # fmt: skip


@pytest.mark.parametrize(("current", "target"), list(itertools.product(ShipmentStatus, repeat=2)))
def test_shipment_transition(current: ShipmentStatus, target: ShipmentStatus) -> None:
    if (current, target) in SHIPMENT_ALLOWED:
        check_shipment_transition(current, target)
    else:
        with pytest.raises(InvalidTransition, match=f"from {current.value} to {target.value}"):
            check_shipment_transition(current, target)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(OrderStatus, repeat=2)))
def test_order_transition(current: OrderStatus, target: OrderStatus) -> None:
    if (current, target) in ORDER_ALLOWED:
        check_order_transition(current, target)
    else:
        with pytest.raises(InvalidTransition, match=f"from {current.value} to {target.value}"):
            check_order_transition(current, target)


def test_terminal_states_are_the_ends_of_the_lifecycle() -> None:
    assert {S.DELIVERED, S.RETURNED_TO_SENDER, S.CANCELLED} == SHIPMENT_TERMINAL
    top = max(SHIPMENT_RANK.values())
    assert all(SHIPMENT_RANK[s] == top for s in SHIPMENT_TERMINAL)


def test_allowed_shipment_moves_never_go_down_in_rank_except_a_failed_attempt() -> None:
    for current, target in SHIPMENT_ALLOWED:
        if (current, target) == (S.OUT_FOR_DELIVERY, S.IN_TRANSIT):
            continue
        assert SHIPMENT_RANK[target] > SHIPMENT_RANK[current], (current, target)


def test_shipment_status_drives_order_status() -> None:
    assert order_status_for_shipment(S.LABEL_CREATED) is O.SHIPPED
    assert order_status_for_shipment(S.OUT_FOR_DELIVERY) is O.OUT_FOR_DELIVERY
    assert order_status_for_shipment(S.DELIVERED) is O.DELIVERED
    assert order_status_for_shipment(S.RETURNED_TO_SENDER) is O.RETURNED
    assert order_status_for_shipment(S.DAMAGED) is O.EXCEPTION
    assert order_status_for_shipment(S.CANCELLED) is None

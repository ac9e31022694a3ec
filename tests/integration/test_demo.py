from __future__ import annotations

from decimal import Decimal

import pytest

from shipstation_desktop.domain.enums import CustomerStatus, OrderStatus
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.states import READY_TO_SHIP
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import customers, demo, orders, packing
from shipstation_desktop.services.bench import Bench


@pytest.mark.slow
def test_every_ready_demo_order_ships_and_the_blocked_one_shows_its_banner(bench: Bench) -> None:
    result = demo.seed(bench)
    assert (result.customers, result.orders) == (50, 200)
    assert result.shipments > 0 and result.exceptions > 0
    everyone = customers.list_customers(bench)
    blocked = [c for c in everyone if c.status is CustomerStatus.BLOCKED]
    assert len(blocked) == 1
    assert {c.addresses[0].country for c in everyone} >= {"US", "ES", "RO", "RU", "CN"}
    all_orders = orders.list_orders(bench.store)
    ready = [o for o in all_orders if o.status in READY_TO_SHIP]
    assert len(ready) >= 100
    assert all(o.customer_id != blocked[0].id for o in ready)
    for order in ready:
        grams = order.expected_weight_grams or Decimal(500)
        assert packing.ship(bench, order.order_number, weight=Weight.from_grams(grams)).printed is not None
    banner = next(o for o in all_orders if o.customer_id == blocked[0].id)
    with pytest.raises(UserError, match="BLOCKED"):
        packing.scan(bench, banner.order_number)
    assert not [o for o in orders.list_orders(bench.store) if o.status in READY_TO_SHIP]
    assert len(orders.list_orders(bench.store, OrderStatus.SHIPPED)) >= 100 + 25

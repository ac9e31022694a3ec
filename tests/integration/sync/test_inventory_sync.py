"""Stock through a real PostgreSQL center: deductions from offline benches add up, and the same
order shipped on two benches is deducted once (the movement ids collide)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.services import central, inventory, packing
from shipstation_desktop.services.bench import Bench
from tests.fakes.orders import add_order

pytestmark = pytest.mark.postgres

MakeBench = Callable[[str], Bench]
SKU = "TS-BLK-M"  # add_order's line: 2 of these


def _ship(bench: Bench, number: str) -> None:
    packing.ship(bench, number, weight=Weight(Decimal("1.2"), WeightUnit.KG))


def _on_hand(bench: Bench) -> int:
    return inventory.get_item(bench, SKU).item.on_hand


def test_offline_deductions_from_two_benches_add_up_everywhere(make_bench: MakeBench) -> None:
    a, b = make_bench("a"), make_bench("b")
    inventory.upsert_item(a, SKU, threshold=1)
    inventory.receive(a, SKU, 20)
    add_order(a, "INV-A")
    add_order(b, "INV-B1")
    add_order(b, "INV-B2")
    for bench in (a, b):
        assert central.sync_once(bench).rejected == 0
    # Offline: each bench ships its own orders.
    _ship(a, "INV-A")
    _ship(b, "INV-B1")
    _ship(b, "INV-B2")
    assert (_on_hand(a), _on_hand(b)) == (18, 20 - 4)
    for bench in (a, b, a):
        assert central.sync_once(bench).rejected == 0
    assert _on_hand(a) == _on_hand(b) == 20 - 6


def test_one_order_shipped_on_two_benches_is_deducted_once(make_bench: MakeBench) -> None:
    a, b = make_bench("a"), make_bench("b")
    inventory.receive(a, SKU, 10)
    add_order(a, "INV-DUP")
    for bench in (a, b):
        central.sync_once(bench)
    _ship(a, "INV-DUP")
    _ship(b, "INV-DUP")
    for bench in (b, a, b, a):
        assert central.sync_once(bench).rejected == 0
    assert _on_hand(a) == _on_hand(b) == 8
    assert len(inventory.movements(a, SKU)) == len(inventory.movements(b, SKU)) == 2

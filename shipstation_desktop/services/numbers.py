"""Order and shipment reference numbers, unique across every bench of one center (leased blocks)."""

from __future__ import annotations

from shipstation_desktop.sync import central_client
from shipstation_desktop.sync.numbers import NumberAllocator
from shipstation_desktop.sync.port import CentralPort

from .bench import Bench

ORDER = "order"
SHIPMENT = "shipment"


def allocator(bench: Bench, kind: str, *, block: int = 100, low_water: int = 20) -> NumberAllocator:
    def connect() -> tuple[CentralPort, str]:
        port, login = central_client.connect(bench.settings.central.url, bench.store.bench_id, bench.secrets)
        return port, login.token

    return NumberAllocator(bench.store, kind, connect, block=block, low_water=low_water)


def next_order_number(bench: Bench) -> str:
    return f"SO-{allocator(bench, ORDER).next():07d}"


def next_shipment_reference(bench: Bench) -> str:
    return f"SH-{allocator(bench, SHIPMENT).next():07d}"


def top_up(bench: Bench) -> bool:
    """Leases more shipment references when the block in hand runs low (needs the center)."""
    return allocator(bench, SHIPMENT).top_up()


def reference_in_hand(bench: Bench) -> str | None:
    """A leased shipment reference without touching the network, or None when none is in hand.

    The purchase path must never wait on the center, so it only draws from a block leased earlier
    (at `bench register` and after each sync); topping up happens there, not here.
    """
    if not bench.settings.central.url:
        return None
    alloc = allocator(bench, SHIPMENT, low_water=0)
    if alloc.left() <= 0:
        return None
    return f"SH-{alloc.next():07d}"

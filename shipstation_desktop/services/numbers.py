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

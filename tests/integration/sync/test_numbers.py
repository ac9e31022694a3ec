"""Leased number blocks: two benches never hand out the same number, and a bench keeps going
offline from the block it holds."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest

from shipstation_desktop.services import numbers
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync.numbers import NumbersExhausted

pytestmark = pytest.mark.postgres


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_benches_never_get_the_same_number(make_bench: Callable[[str], Bench]) -> None:
    benches = [make_bench("a"), make_bench("b")]
    got: dict[str, list[int]] = {"a": [], "b": []}

    def take(name: str, bench: Bench) -> None:
        alloc = numbers.allocator(bench, numbers.ORDER, block=25, low_water=5)
        for _ in range(120):
            got[name].append(alloc.next())

    threads = [threading.Thread(target=take, args=(n, b)) for n, b in zip("ab", benches, strict=True)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    both = got["a"] + got["b"]
    assert len(both) == 240 and len(set(both)) == 240
    assert got["a"] == sorted(got["a"]) and got["b"] == sorted(got["b"])  # increasing on each bench
    assert numbers.next_order_number(benches[0]).startswith("SO-")


def test_offline_bench_uses_its_block_then_says_why_it_stops(make_bench: Callable[[str], Bench]) -> None:
    a = make_bench("a")
    alloc = numbers.allocator(a, numbers.ORDER, block=10, low_water=3)  # registration leased shipments only
    first = alloc.next()
    assert alloc.left() == 9
    a.settings.central.url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/nowhere"
    offline = [alloc.next() for _ in range(9)]
    assert offline == list(range(first + 1, first + 10))
    with pytest.raises(NumbersExhausted, match="cannot be reached"):
        alloc.next()


def test_registered_benches_file_purchases_under_leased_references(make_bench: Callable[[str], Bench]) -> None:
    a, b = make_bench("a"), make_bench("b")
    refs = [numbers.reference_in_hand(bench) for bench in (a, b, a, b)]
    assert all(r is not None and r.startswith("SH-") for r in refs)
    assert len(set(refs)) == 4
    a.settings.central.url = ""
    assert numbers.reference_in_hand(a) is None  # an unregistered bench falls back to order + purchase id


def test_the_background_worker_keeps_references_in_hand(make_bench: Callable[[str], Bench]) -> None:
    from shipstation_desktop.services import sync_worker

    a = make_bench("a")
    alloc = numbers.allocator(a, numbers.SHIPMENT, low_water=0)  # draws without topping up itself
    while alloc.left() > 10:
        alloc.next()
    worker = sync_worker.make_worker(a, interval_s=3600)
    worker.start()
    try:
        worker.run_cycle()
    finally:
        worker.stop()
    assert alloc.left() > 10  # topped up on the worker thread after a good cycle

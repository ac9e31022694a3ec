"""Sync under network faults against the real PostgreSQL center, through a TCP proxy in the test."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import make_url, select, text

from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import central
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync import central_schema
from shipstation_desktop.sync.port import CenterUnavailable
from shipstation_desktop.sync.syncer import read_status
from tests.fakes.orders import add_order
from tests.fakes.tcp_proxy import TcpProxy, proxy_to

pytestmark = pytest.mark.postgres

MakeBench = Callable[[str], Bench]


@pytest.fixture
def proxy(center: str) -> Iterator[TcpProxy]:
    with proxy_to(make_url(center).port or 5432) as p:
        yield p


def _via(bench: Bench, proxy: TcpProxy, center: str) -> None:
    bench.settings.central.url = proxy.url(str(make_url(center).database))


def _sync_until_ok(bench: Bench, attempts: int = 30) -> tuple[int, int]:
    """Like the worker: retry after each failure. Returns (failures, total pushed)."""
    failures = pushed = 0
    for _ in range(attempts):
        try:
            pushed += central.sync_once(bench).pushed
            return failures, pushed
        except CenterUnavailable:
            failures += 1
    raise AssertionError("never converged")


def _center_count(center: str, entity: str) -> int:
    engine = central_schema.engine_for(center)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM records WHERE entity = :e"), {"e": entity}).scalar_one())
    finally:
        engine.dispose()


def _live(bench: Bench, model: type) -> dict[str, int]:
    with bench.store.session() as s:
        return {r.id: r.version for r in s.scalars(select(model))}


def test_connections_cut_mid_response_still_converge(make_bench: MakeBench, center: str, proxy: TcpProxy) -> None:
    a, b = make_bench("a"), make_bench("b")
    for i in range(120):
        add_order(a, f"CUT-{i}")
    _via(a, proxy, center)
    _via(b, proxy, center)
    # Each new connection dies after a different amount of the server's answer: during the handshake,
    # the schema check, a push's results, the commit's answer, a pull page.
    proxy.cuts = [300, 900, 2_000, 4_000, 8_000, 16_000, 40_000, 90_000, 1_500, 250_000]
    fails_a, _ = _sync_until_ok(a)
    fails_b, _ = _sync_until_ok(b)
    assert proxy.cut_count >= 5 and fails_a + fails_b >= 3
    assert read_status(a.store).pending == 0
    # Every order exactly once on the center, and both benches hold the center's truth.
    assert _center_count(center, "orders") == 120
    central.sync_once(a)
    assert _live(a, t.Order) == _live(b, t.Order) and len(_live(b, t.Order)) == 120
    assert _live(a, t.Customer) == _live(b, t.Customer)


@pytest.mark.slow
def test_ten_thousand_mutations_from_a_long_partition_drain_in_one_sync(
    make_bench: MakeBench, center: str, proxy: TcpProxy
) -> None:
    a, b = make_bench("a"), make_bench("b")
    _via(a, proxy, center)
    proxy.partition()
    with a.store.session() as s:
        for i in range(10_000):
            email = f"p{i}@example.com"
            s.add(t.Customer(email=email, email_normalized=email, name=f"P {i}", tags=[], custom_fields={}))
    with pytest.raises(CenterUnavailable):
        central.sync_once(a)
    assert read_status(a.store).pending == 10_000
    proxy.heal()
    started = time.monotonic()
    report = central.sync_once(a)
    pushed_s = time.monotonic() - started
    assert report.pushed == 10_000 and report.rejected == 0
    assert read_status(a.store).pending == 0
    assert central.sync_once(b).pulled == 10_000
    assert _live(a, t.Customer) == _live(b, t.Customer)
    assert pushed_s < 30, f"draining 10k mutations took {pushed_s:.1f} s"

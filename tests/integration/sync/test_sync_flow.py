"""Push, pull and the conflict rules between benches and one real PostgreSQL center."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from shipstation_desktop.domain.enums import ExceptionType, OrderStatus, ShipmentStatus
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import central, packing
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync import central_schema
from shipstation_desktop.sync.pg_center import PostgresCenter
from shipstation_desktop.sync.port import CenterRefused
from shipstation_desktop.sync.syncer import Syncer, read_status
from tests.fakes.orders import add_order

pytestmark = pytest.mark.postgres

MakeBench = Callable[[str], Bench]


def _rows(bench: Bench, model: type) -> dict[str, dict[str, object]]:
    """A table's live content without the bench-local columns: what must equal across benches."""
    with bench.store.session() as s:
        out = {}
        for row in s.scalars(select(model)):
            out[row.id] = {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key != "label_path"}
        return out


def _ship(bench: Bench, number: str) -> None:
    packing.ship(bench, number, weight=Weight(Decimal("1.2"), WeightUnit.KG))


def test_central_init_twice_is_harmless_and_head_matches_the_scripts(empty_center: str) -> None:
    from alembic.script import ScriptDirectory

    engine = central_schema.engine_for(empty_center)
    try:
        assert central_schema.upgrade(engine) == (None, central_schema.CENTRAL_HEAD)
        assert central_schema.upgrade(engine) == (central_schema.CENTRAL_HEAD, central_schema.CENTRAL_HEAD)
    finally:
        engine.dispose()
    assert (
        ScriptDirectory.from_config(central_schema.alembic_config()).get_current_head() == central_schema.CENTRAL_HEAD
    )


def test_orders_reach_other_benches_without_echo(make_bench: MakeBench) -> None:
    a, b = make_bench("a"), make_bench("b")
    add_order(a, "SYNC-1")
    add_order(a, "SYNC-2")
    first = central.sync_once(a)
    assert first.pushed > 0 and first.rejected == 0
    got = central.sync_once(b)
    assert got.pushed == 0 and got.pulled >= 2
    assert _rows(a, t.Order) == _rows(b, t.Order)
    # Applying the center's rows queued nothing on b: pulled changes never echo back.
    assert read_status(b.store).pending == 0
    assert central.sync_once(b).pushed == 0


def test_same_order_shipped_on_two_offline_benches_ends_with_one_valid_label(make_bench: MakeBench) -> None:
    a, b = make_bench("a"), make_bench("b")
    add_order(a, "DUP-1")
    central.sync_once(a)
    central.sync_once(b)
    # Both benches offline: each ships the order; a's label is bought first.
    _ship(a, "DUP-1")
    _ship(b, "DUP-1")
    for bench in (b, a, b, a):  # b reaches the center first: the rule, not the arrival order, decides
        assert central.sync_once(bench).rejected == 0
    for bench in (a, b):
        live = [s for s in shipment_service.list_shipments(bench) if s.order_number == "DUP-1"]
        assert len(live) == 2
        with bench.store.session() as s:
            rows = {r.id: r for r in s.scalars(select(t.Shipment))}
        valid = [r for r in rows.values() if r.superseded_by is None]
        losers = [r for r in rows.values() if r.superseded_by is not None]
        assert len(valid) == 1 and len(losers) == 1
        assert valid[0].bench_id == a.store.bench_id
        voids = [e for e in exc_service.list_exceptions(bench) if e.type is ExceptionType.DUPLICATE_LABEL]
        assert len(voids) == 1
        assert voids[0].shipment_id == losers[0].id
        assert losers[0].tracking_number in voids[0].description
    assert _rows(a, t.Shipment) == _rows(b, t.Shipment)
    assert _rows(a, t.ShipmentException).keys() == _rows(b, t.ShipmentException).keys()


def test_a_new_bench_pulls_a_superseded_label_before_its_order(make_bench: MakeBench) -> None:
    """The superseded label is a retired row, applied ahead of its order in the page: the foreign
    key must be checked at commit, not per statement."""
    a, b = make_bench("a"), make_bench("b")
    add_order(a, "LATE-1")
    central.sync_once(a)
    central.sync_once(b)
    _ship(a, "LATE-1")
    _ship(b, "LATE-1")
    for bench in (b, a, b, a):
        central.sync_once(bench)
    late = make_bench("late")
    assert central.sync_once(late).pulled > 0
    assert _rows(late, t.Shipment) == _rows(a, t.Shipment)
    assert _rows(late, t.Order) == _rows(a, t.Order)


def test_status_only_moves_forward_and_label_fields_are_frozen(make_bench: MakeBench) -> None:
    a, b = make_bench("a"), make_bench("b")
    add_order(a, "FWD-1")
    central.sync_once(a)
    central.sync_once(b)
    _ship(a, "FWD-1")
    central.sync_once(a)
    central.sync_once(b)
    with a.store.session() as s:
        row = s.scalars(select(t.Shipment)).one()
        row.status = ShipmentStatus.DELIVERED.value
    with b.store.session() as s:
        row = s.scalars(select(t.Shipment)).one()
        row.status = ShipmentStatus.IN_TRANSIT.value  # stale news, arriving last
        row.tracking_number = "CHANGED-AFTER-PURCHASE"
    central.sync_once(a)
    report = central.sync_once(b)
    assert report.rejected == 1  # the frozen label field: refused, never dropped
    central.sync_once(b)
    with b.store.session() as s:
        row = s.scalars(select(t.Shipment)).one()
        assert row.status == ShipmentStatus.DELIVERED.value
        assert row.tracking_number != "CHANGED-AFTER-PURCHASE"
    rejected = [e for e in exc_service.list_exceptions(b) if e.type is ExceptionType.SYNC_REJECTED]
    assert len(rejected) == 1 and "tracking_number" in rejected[0].description


def test_customers_merge_by_email_per_field(make_bench: MakeBench) -> None:
    a, b = make_bench("a"), make_bench("b")
    for bench, name, phone in ((a, "Ana Silva", "+351910000001"), (b, "Ana S.", "")):
        with bench.store.session() as s:
            s.add(
                t.Customer(
                    email="Ana@Example.com ",
                    email_normalized="ana@example.com",
                    name=name,
                    phone=phone,
                    tags=[],
                    custom_fields={},
                )
            )
    central.sync_once(a)
    central.sync_once(b)
    central.sync_once(a)
    for bench in (a, b):
        with bench.store.session() as s:
            live = list(s.scalars(select(t.Customer).where(t.Customer.deleted_at.is_(None))))
        assert len(live) == 1
        assert live[0].name == "Ana S."  # the later write of that field wins
    assert _rows(a, t.Customer) == _rows(b, t.Customer)


def test_killed_after_the_center_committed_resends_without_duplicates(make_bench: MakeBench, center: str) -> None:
    a = make_bench("a")
    for i in range(30):
        add_order(a, f"KILL-{i}")

    class Killed(BaseException):
        pass

    def die() -> None:
        raise Killed

    token = a.secrets.get(f"central/{a.store.bench_id}/token")
    assert token
    port = PostgresCenter(center, "0003")
    with pytest.raises(Killed):
        Syncer(a.store, port, token, crash_after_push=die).run_once()
    pending = read_status(a.store).pending
    assert pending > 0  # the bench never marked the batch sent
    again = Syncer(a.store, port, token).run_once()
    assert again.pushed == pending and again.rejected == 0
    assert read_status(a.store).pending == 0
    with port.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM records WHERE entity = 'orders'")).scalar() == 30
        assert conn.execute(text("SELECT count(*) FROM applied_mutations")).scalar() == pending
    port.close()


def test_an_older_bench_schema_is_refused_clearly(make_bench: MakeBench, center: str) -> None:
    a = make_bench("a")
    old = PostgresCenter(center, "0002")
    try:
        with pytest.raises(CenterRefused, match="older than the center accepts"):
            old.pull(a.store.bench_id, "whatever", Syncer(a.store, old, "").read_cursor(), 10)
    finally:
        old.close()


def test_unregistered_token_is_refused(make_bench: MakeBench, center: str) -> None:
    a = make_bench("a")
    port = PostgresCenter(center, "0003")
    try:
        with pytest.raises(CenterRefused, match="not registered"):
            Syncer(a.store, port, "stolen-or-stale").run_once()
    finally:
        port.close()
    with a.store.session() as s:
        assert s.scalar(select(func.count()).select_from(t.Order)) == 0
    assert OrderStatus.CONFIRMED  # the enum is what add_order uses

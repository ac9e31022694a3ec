"""A customer merge on one bench reaches the center and the other benches (issue 7): the merged customer
arrives linked and deleted, its orders and addresses under the survivor, its e-mail as an alias, and
the center accepts every mutation in the order they were made."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import CustomerAlias
from shipstation_desktop.services import central, customer_merge
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync import central_schema
from tests.fakes.customer_rows import add_customer, add_order

pytestmark = pytest.mark.postgres

MakeBench = Callable[[str], Bench]
# The center hands out changes below the cluster's oldest running transaction (a safe high-water mark),
# so another client's open transaction on the same server can hold a fresh change back for a moment.
PULL_ATTEMPTS = 200


def _sync_until(bench: Bench, arrived: Callable[[], bool]) -> None:
    for _ in range(PULL_ATTEMPTS):
        assert central.sync_once(bench).rejected == 0
        if arrived():
            return
    raise AssertionError(f"the change never reached {bench.settings.bench_name}")


def _customer(bench: Bench, customer_id: str) -> t.Customer | None:
    with bench.store.session() as s:
        return s.get(t.Customer, customer_id)


def _merged_on(bench: Bench, survivor: str, merged: str) -> bool:
    """Every part of the merge has arrived (a push may span several center transactions)."""
    with bench.store.session() as s:
        gone = s.get(t.Customer, merged)
        owner = s.scalar(select(t.Order.customer_id).where(t.Order.order_number == "SO-2"))
        alias = s.scalar(select(CustomerAlias.id).where(CustomerAlias.customer_id == survivor))
        return gone is not None and gone.deleted_at is not None and owner == survivor and alias is not None


def test_a_merge_syncs_to_the_center_and_the_other_bench(make_bench: MakeBench, center: str) -> None:
    a, b = make_bench("a"), make_bench("b")
    survivor = add_customer(a, "ana@example.com", "Ana Silva", addresses=[{"is_default": True}])
    merged = add_customer(
        a, "ana.s@example.com", "Ana S.", phone="+14155550132", addresses=[{"line1": "9 Oak Ave", "is_default": True}]
    )
    add_order(a, survivor, "SO-1", "40.00", datetime(2026, 1, 10, tzinfo=UTC))
    add_order(a, merged, "SO-2", "60.00", datetime(2026, 2, 10, tzinfo=UTC))
    assert central.sync_once(a).rejected == 0
    _sync_until(b, lambda: _customer(b, merged) is not None and _customer(b, survivor) is not None)

    customer_merge.merge(a, survivor, merged, {"email": "merged"})
    pushed = central.sync_once(a)
    assert pushed.rejected == 0 and pushed.pushed > 0

    engine = central_schema.engine_for(center)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT deleted, data FROM records WHERE entity = 'customers' AND id = :i"), {"i": merged}
            ).one()
    finally:
        engine.dispose()
    assert row[0] is True and row[1]["merged_into"] == survivor

    _sync_until(b, lambda: _merged_on(b, survivor, merged))
    with b.store.session() as s:
        gone = s.get_one(t.Customer, merged)
        assert gone.merged_into == survivor and gone.deleted_at is not None
        ana = s.get_one(t.Customer, survivor)
        assert (ana.email_normalized, ana.phone) == ("ana.s@example.com", "+14155550132")
        assert (ana.order_count, ana.total_spent) == (2, Decimal("100.00"))
        owners = dict(s.execute(select(t.Order.order_number, t.Order.customer_id)).all())
        assert owners == {"SO-1": survivor, "SO-2": survivor}
        addresses = s.execute(
            select(t.Address.line1, t.Address.is_default).where(
                t.Address.customer_id == survivor, t.Address.deleted_at.is_(None)
            )
        ).all()
        assert sorted(addresses) == [("1 Main St", True), ("9 Oak Ave", False)]
        aliases = s.scalars(select(CustomerAlias.email_normalized).where(CustomerAlias.customer_id == survivor)).all()
        assert aliases == ["ana@example.com"]

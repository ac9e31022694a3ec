"""The local store: pragmas, migrations, ids and times, optimistic locking, and a complete outbox."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.persistence import db
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.db import StoreError
from shipstation_desktop.persistence.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "bench.sqlite3", FakeClock())
    yield s  # type: ignore[misc]
    s.close()


def _customer(email: str = "Ana@Example.com") -> t.Customer:
    return t.Customer(email=email, email_normalized=email.lower(), name="Ana", tags=[], custom_fields={})


def _outbox(store: Store) -> list[t.Outbox]:
    with store.session() as s:
        return list(s.scalars(select(t.Outbox).order_by(t.Outbox.seq)))


def test_pragmas_and_schema_at_head(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.current_revision(store.engine) == db.head_revision()


def test_ids_are_uuid7_and_times_are_utc(store: Store) -> None:
    with store.session() as s:
        c = _customer()
        s.add(c)
    with store.session() as s:
        row = s.get_one(t.Customer, c.id)
        assert row.id[14] == "7"
        assert row.created_at.utcoffset() is not None and row.created_at.utcoffset().total_seconds() == 0
        assert row.bench_id == store.bench_id
        assert row.version == 1


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"), store.session() as s:
        c = _customer()
        c.last_order_date = datetime(2026, 1, 1)
        s.add(c)


def test_decimals_are_exact(store: Store) -> None:
    with store.session() as s:
        c = _customer()
        c.total_spent = Decimal("12345678901234.5678")
        s.add(c)
    with store.session() as s:
        assert s.get_one(t.Customer, c.id).total_spent == Decimal("12345678901234.5678")


def test_optimistic_lock_refuses_a_stale_write(store: Store) -> None:
    with store.session() as s:
        c = _customer()
        s.add(c)
    with store.session() as a, store.session() as b:
        ra, rb = a.get_one(t.Customer, c.id), b.get_one(t.Customer, c.id)
        ra.name = "First"
        a.commit()
        rb.name = "Second"
        with pytest.raises(StaleDataError):
            b.flush()
        b.rollback()
    with store.session() as s:
        row = s.get_one(t.Customer, c.id)
        assert (row.name, row.version) == ("First", 2)


def test_every_synced_change_writes_an_outbox_row_in_the_same_transaction(store: Store) -> None:
    clock = store.clock
    assert isinstance(clock, FakeClock)
    with store.session() as s:
        c = _customer()
        s.add(c)
        s.flush()
        s.add(
            t.Address(
                customer_id=c.id, recipient_name="Ana", line1="1 Main", city="Reno", postal_code="89502", country="US"
            )
        )
    clock.advance(5)
    with store.session() as s:
        s.get_one(t.Customer, c.id).phone = "+17755550100"
    with store.session() as s:
        s.get_one(t.Customer, c.id).deleted_at = clock.now()  # soft delete = tombstone
    rows = _outbox(store)
    assert [(r.entity, r.op) for r in rows] == [
        ("customers", "insert"), ("addresses", "insert"), ("customers", "update"), ("customers", "delete"),
    ]  # fmt: skip
    assert rows[2].changed == ["phone"]
    assert rows[2].base_version == 1 and rows[2].payload["version"] == 2
    assert rows[3].payload["deleted_at"] is not None
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert all(r.sent_at is None for r in rows)


def test_every_version_bump_is_queued_even_a_timestamp_only_update(store: Store) -> None:
    clock = store.clock
    assert isinstance(clock, FakeClock)
    with store.session() as s:
        c = _customer()
        s.add(c)
    clock.advance(60)
    with store.session() as s:
        s.get_one(t.Customer, c.id).updated_at = clock.now()
    with store.session() as s:
        row = s.get_one(t.Customer, c.id)
        row.name = row.name  # same value: no UPDATE, no version bump, nothing queued
    rows = _outbox(store)
    assert [(r.op, r.changed, r.base_version, r.payload["version"]) for r in rows] == [
        ("insert", [], None, 1),
        ("update", [], 1, 2),
    ]
    with store.session() as s:
        assert s.get_one(t.Customer, c.id).version == 2


def test_a_rolled_back_change_leaves_no_outbox_row(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session() as s:
        s.add(_customer())
        s.flush()
        raise RuntimeError("crash after flush, before commit")
    assert _outbox(store) == []
    with store.session() as s:
        assert s.scalars(select(t.Customer)).all() == []


def test_local_only_tables_do_not_reach_the_outbox(store: Store) -> None:
    store.set_meta("last_pull", "42")
    assert _outbox(store) == []
    assert store.get_meta("last_pull") == "42"


def test_every_synced_table_is_covered() -> None:
    names = {m.__tablename__ for m in t.SYNCED_TABLES}
    assert names == {
        "customers", "addresses", "orders", "order_lines", "order_status_history", "shipments",
        "tracking_events", "shipment_exceptions", "notification_preferences", "notifications",
        "pack_steps", "customer_notes", "customer_communications", "customer_status_changes",
        "customer_aliases", "audit_log", "users",
        "inventory_items", "stock_movements",
        "exception_notes",
    }  # fmt: skip
    for model in t.SYNCED_TABLES:
        cols = set(model.__table__.c.keys())
        assert {"id", "created_at", "updated_at", "bench_id", "version", "deleted_at"} <= cols


def test_a_corrupt_file_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "bench.sqlite3"
    path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StoreError, match=str(path)):
        Store(path)
    assert path.read_bytes().startswith(b"this is not")  # never silently re-created


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bench.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer ShipStation Desktop"):
        Store(path)


def test_the_schema_head_constant_matches_the_migrations() -> None:
    assert db.head_revision() == db.SCHEMA_HEAD


def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "bench.sqlite3"
    store = Store(path, migrate=False)
    assert db.current_revision(store.engine) is None
    assert db.upgrade(store.engine) == (None, db.head_revision())
    assert db.upgrade(store.engine) == (db.head_revision(), db.head_revision())
    store.close()

"""Customer PII across benches through a real PostgreSQL center: each bench seals with its own key,
the center holds plain JSON, and an erasure on one bench anonymizes the center and the others —
a bought label's ship-to address and a merged customer's tombstone included."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, select, text

from shipstation_desktop.domain import privacy
from shipstation_desktop.domain.enums import ExceptionType
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.persistence import db
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import CustomerAlias, CustomerNote
from shipstation_desktop.persistence.pii import LOOKUP, SEALED
from shipstation_desktop.services import central, customer_privacy, packing, pii_keys
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services.bench import Bench
from tests.fakes.pii_person import Added, Person, add_person

pytestmark = pytest.mark.postgres

MakeBench = Callable[[str], Bench]
PERSON = Person()
# The center hands out changes below the cluster's oldest running transaction (a safe high-water
# mark), so another client's open transaction on the same server can hold a fresh change back.
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


def _center_texts(center: str) -> list[str]:
    engine = create_engine(center.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(text("SELECT data::text FROM records"))]
    finally:
        engine.dispose()


def _center_row(center: str, entity: str, row_id: str) -> dict[str, object]:
    engine = create_engine(center.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return dict(
                conn.execute(
                    text("SELECT data FROM records WHERE entity = :e AND id = :i"), {"e": entity, "i": row_id}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _raw(bench: Bench) -> bytes:
    return b"".join(
        p.read_bytes()
        for p in (bench.paths.data_dir / db.DB_FILENAME, bench.paths.data_dir / (db.DB_FILENAME + "-wal"))
        if p.exists()
    )


def _key_ids(bench: Bench) -> set[str]:
    ids = set()
    with sqlite3.connect(bench.paths.database) as conn:
        for table, columns in pii_keys.sealed_tables():
            for column in columns:
                for (value,) in conn.execute(f'SELECT "{column}" FROM "{table.name}"'):
                    if isinstance(value, str) and value.startswith((SEALED, LOOKUP)):
                        ids.add(value.split(":")[1])
    return ids


def test_a_customer_reaches_a_bench_with_another_key_readable(make_bench: MakeBench, center: str) -> None:
    a, b = make_bench("a"), make_bench("b")
    assert a.store.cipher is not None and b.store.cipher is not None
    assert a.store.cipher.key_id != b.store.cipher.key_id
    added = add_person(a)
    assert central.sync_once(a).rejected == 0
    _sync_until(b, lambda: _customer(b, added.customer_id) is not None)

    with b.store.session() as s:
        c = s.get_one(t.Customer, added.customer_id)
        assert (c.name, c.email, c.phone, c.date_of_birth) == (PERSON.name, PERSON.email, PERSON.phone, "1981-04-17")
        assert s.get_one(t.Address, added.address_id).line1 == PERSON.line1
        assert s.get_one(CustomerNote, added.note_id).body == PERSON.note
        assert s.get_one(t.Order, added.order_id).ship_to["name"] == PERSON.recipient
    # The center holds plain JSON (its own disk and access rules); each bench its own ciphertext.
    assert _center_row(center, "customers", added.customer_id)["name"] == PERSON.name
    assert not any("pii1" in row for row in _center_texts(center))
    assert _key_ids(b) == {b.store.cipher.key_id}
    assert [x for x in PERSON.secrets() if x.encode() in _raw(b)] == []


def _merged_with_alias(bench: Bench, survivor: str) -> tuple[str, str]:
    with bench.store.session() as s:
        merged = t.Customer(
            email="old.vexmarth@zorblat.example",
            email_normalized="old.vexmarth@zorblat.example",
            name="Q. Vexmarth (old account)",
            phone="+34600111222",
            tags=[],
            custom_fields={},
            merged_into=survivor,
            deleted_at=bench.clock.now(),
        )
        s.add(merged)
        s.flush()
        alias = CustomerAlias(
            customer_id=survivor, email_normalized="old.vexmarth@zorblat.example", merged_from=merged.id
        )
        s.add(alias)
        s.flush()
        return merged.id, alias.id


def test_an_erasure_anonymizes_the_center_and_the_other_benches(make_bench: MakeBench, center: str) -> None:
    a, b = make_bench("a"), make_bench("b")
    added: Added = add_person(a)
    merged_id, alias_id = _merged_with_alias(a, added.customer_id)
    packing.ship(a, PERSON.order_number, weight=Weight(Decimal("0.8"), WeightUnit.KG))  # the label freezes to_address
    assert central.sync_once(a).rejected == 0
    _sync_until(b, lambda: _customer(b, merged_id) is not None)
    with b.store.session() as s:
        tracking = s.scalars(select(t.Shipment.tracking_number)).one()
    secrets = [*PERSON.secrets(), "Q. Vexmarth (old account)", "old.vexmarth@zorblat.example", "+34600111222"]
    assert any(x in row for row in _center_texts(center) for x in secrets)

    customer_privacy.erase_customer(a, added.customer_id, "customer asked")
    assert central.sync_once(a).rejected == 0
    erased = privacy.erased_name(added.customer_id)
    _sync_until(b, lambda: (c := _customer(b, added.customer_id)) is not None and c.name == erased)

    leftover = [x for x in secrets if any(x in row for row in _center_texts(center))]
    assert leftover == []
    assert not [e for e in exc_service.list_exceptions(a) if e.type is ExceptionType.SYNC_REJECTED]
    for bench in (a, b):
        with bench.store.session() as s:
            c = s.get_one(t.Customer, added.customer_id)
            assert c.email == f"erased-{added.customer_id}@invalid" and c.status == "INACTIVE"
            shipment = s.scalars(select(t.Shipment)).one()
            assert shipment.tracking_number == tracking and shipment.to_address["name"] == erased
            assert shipment.to_address["city"] == PERSON.city and shipment.to_address["line1"] == ""
            old = s.get_one(t.Customer, merged_id)
            assert old.deleted_at is not None and old.name == privacy.erased_name(merged_id)
            alias = s.get_one(CustomerAlias, alias_id)
            assert alias.deleted_at is not None and privacy.is_erased_email(alias.email_normalized)
            assert s.get_one(t.Order, added.order_id).ship_to["name"] == erased
    center_customer = _center_row(center, "customers", added.customer_id)
    assert center_customer["name"] == erased and center_customer["custom_fields"] == {
        "erased_at": center_customer["custom_fields"]["erased_at"]  # type: ignore[index]
    }
    # Erasing on b now finds nothing more to do.
    assert customer_privacy.erase_customer(b, added.customer_id, "again").already_erased


def test_a_stale_edit_from_a_bench_that_had_not_heard_does_not_bring_the_person_back(make_bench: MakeBench) -> None:
    a, b = make_bench("a"), make_bench("b")
    added = add_person(a)
    assert central.sync_once(a).rejected == 0
    _sync_until(b, lambda: _customer(b, added.customer_id) is not None)
    customer_privacy.erase_customer(a, added.customer_id, "customer asked")
    assert central.sync_once(a).rejected == 0
    # b, offline meanwhile, corrects the phone and the name after the erasure (its clock is later).
    with b.store.session() as s:
        c = s.get_one(t.Customer, added.customer_id)
        c.name, c.phone, c.tags = "Quillonia Vexmarth-Ortiz", "+34612000000", ["vip", "wholesale"]
    erased = privacy.erased_name(added.customer_id)
    _sync_until(b, lambda: (c := _customer(b, added.customer_id)) is not None and c.name == erased)
    _sync_until(a, lambda: (c := _customer(a, added.customer_id)) is not None and c.tags == ["vip", "wholesale"])
    for bench in (a, b):
        c = _customer(bench, added.customer_id)
        assert c is not None and (c.name, c.phone) == (erased, "")
        assert c.tags == ["vip", "wholesale"]  # what is not personal still merges as usual

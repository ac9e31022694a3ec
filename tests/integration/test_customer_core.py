"""One customer's life on a real bench database (services/customers.py): create with every seed 001 field,
duplicates and bad fields refused field by field, edits with optimistic locking, status changes with a
reason (timeline + audit), soft delete, notes and communications, the timeline, order totals kept
consistent with orders on every write path, and a BLOCKED customer stopping the pack flow."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.customer_rules import CustomerDraft
from shipstation_desktop.domain.enums import (
    CommunicationChannel,
    CustomerSource,
    CustomerStatus,
    OrderStatus,
    TimelineKind,
)
from shipstation_desktop.domain.errors import ConflictError, CustomerBlocked, FieldErrors, NotFound, UserError
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import CustomerAlias, CustomerStatusChange
from shipstation_desktop.services import audit, packing
from shipstation_desktop.services import customers as service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.status import move_order
from shipstation_desktop.sync.local_apply import apply_changes
from shipstation_desktop.sync.port import Change, Cursor


def _jane(**kw: object) -> CustomerDraft:
    base: dict[str, object] = {
        "email": "Jane.Doe@Example.com",
        "name": "Jane Doe",
        "phone": "+1 415 555 0132",
        "date_of_birth": "1990-04-21",
        "gender": "female",
        "status": CustomerStatus.ACTIVE,
        "source": "shopify",
        "external_id": "SHOP-1",
        "tags": ("gift", "wholesale"),
        "custom_fields": {"shoe_size": 38, "newsletter": True},
    }
    base.update(kw)
    return CustomerDraft(**base)  # type: ignore[arg-type]


def _count(bench: Bench, model: type, *where: object) -> int:
    with bench.store.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def _order(bench: Bench, customer_id: str, number: str, amount: str, days_ago: int, **kw: object) -> str:
    with bench.store.session() as s:
        row = t.Order(
            order_number=number,
            status=str(kw.get("status", OrderStatus.CONFIRMED.value)),
            customer_id=customer_id,
            ship_to={
                "name": "Jane Doe",
                "line1": "1355 Market St",
                "city": "San Francisco",
                "state": "CA",
                "postal_code": "94103",
                "country": "US",
            },
            total_amount=Decimal(amount),
            expected_weight_grams=Decimal(800),
            order_date=bench.clock.now() - timedelta(days=days_ago),
        )
        s.add(row)
        s.flush()
        s.add(
            t.OrderLine(
                order_id=row.id,
                sku="MUG",
                name="Mug",
                quantity=1,
                unit_price=Decimal(amount),
                unit_weight_grams=Decimal(800),
            )
        )
        return row.id


# ------------------------------------------------------------------------------------------- create and read


def test_a_customer_is_created_with_every_field_normalized(bench: Bench) -> None:
    jane = service.create_customer(bench, _jane())

    again = service.get_customer(bench, jane.id)
    assert again == jane
    assert (again.email, again.phone, again.date_of_birth, again.gender) == (
        "Jane.Doe@Example.com",
        "+14155550132",
        date(1990, 4, 21),
        "female",
    )
    assert (again.status, again.source, again.external_id) == (CustomerStatus.ACTIVE, CustomerSource.SHOPIFY, "SHOP-1")
    assert again.tags == ("gift", "wholesale")
    assert again.custom_fields == {"shoe_size": 38, "newsletter": True}
    assert (again.total_spent, again.order_count, again.first_order_date) == (Decimal(0), 0, None)
    assert again.version == 1 and again.deleted_at is None
    assert _count(bench, t.Outbox, t.Outbox.entity == "customers") == 1  # on its way to the center
    with pytest.raises(NotFound, match="No customer with id nope"):
        service.get_customer(bench, "nope")


def test_a_duplicate_email_names_the_existing_customer(bench: Bench) -> None:
    jane = service.create_customer(bench, _jane())
    with pytest.raises(FieldErrors) as refused:
        service.create_customer(bench, _jane(email=" JANE.DOE@example.com", name="Another Jane", external_id=""))
    assert list(refused.value.errors) == ["email"]
    assert "Jane Doe" in refused.value.errors["email"] and jane.id in refused.value.errors["email"]
    assert str(refused.value).startswith("email: ")
    with pytest.raises(FieldErrors) as twin:
        service.create_customer(bench, _jane(email="other@example.com"))
    assert list(twin.value.errors) == ["external_id"] and jane.id in twin.value.errors["external_id"]
    assert _count(bench, t.Customer) == 1


def test_an_email_of_a_merged_customer_points_at_the_survivor(bench: Bench) -> None:
    survivor = service.create_customer(bench, _jane())
    with bench.store.session() as s:
        s.add(CustomerAlias(customer_id=survivor.id, email_normalized="old.jane@example.com", merged_from="gone"))
    with pytest.raises(FieldErrors) as refused:
        service.create_customer(bench, _jane(email="Old.Jane@example.com", external_id=""))
    assert "merged into Jane Doe" in refused.value.errors["email"]


def test_bad_fields_are_all_reported_and_nothing_is_written(bench: Bench) -> None:
    with pytest.raises(FieldErrors) as refused:
        service.create_customer(bench, _jane(email="jane@", phone="12", date_of_birth="2999-01-01", status="GOLD"))
    assert set(refused.value.errors) == {"email", "phone", "date_of_birth", "status"}
    assert "'12' is not a valid phone number" in refused.value.errors["phone"]
    assert _count(bench, t.Customer) == 0 and _count(bench, t.Outbox) == 0


# ------------------------------------------------------------------------------------------- change


def test_an_update_changes_only_what_changed_and_checks_the_version(bench: Bench) -> None:
    jane = service.create_customer(bench, _jane())
    queued = _count(bench, t.Outbox)

    same = service.update_customer(bench, jane.id, CustomerDraft.of(jane), expected_version=1)
    assert same.version == 1 and _count(bench, t.Outbox) == queued  # nothing changed, nothing written

    draft = replace(CustomerDraft.of(jane), name="Jane Q. Doe", tags=("vip",), custom_fields={})
    changed = service.update_customer(bench, jane.id, draft, expected_version=1)
    assert (changed.name, changed.tags, changed.custom_fields, changed.version) == ("Jane Q. Doe", ("vip",), {}, 2)

    with pytest.raises(ConflictError, match="changed meanwhile"):
        service.update_customer(bench, jane.id, replace(draft, gender="f"), expected_version=1)
    other = service.create_customer(bench, _jane(email="bob@example.com", name="Bob", external_id=""))
    with pytest.raises(FieldErrors) as dup:
        service.update_customer(bench, other.id, replace(CustomerDraft.of(other), email="jane.doe@example.com"))
    assert "Jane Q. Doe" in dup.value.errors["email"]


def test_a_status_change_needs_a_reason_and_is_recorded_and_audited(bench: Bench) -> None:
    jane = service.create_customer(bench, _jane())
    with pytest.raises(FieldErrors) as no_reason:
        service.set_status(bench, jane.id, "blocked", "  ")
    assert list(no_reason.value.errors) == ["reason"]
    with pytest.raises(FieldErrors, match="status: 'GOLD' is not one of"):
        service.set_status(bench, jane.id, "GOLD", "why not")

    blocked = service.set_status(bench, jane.id, "blocked", "chargeback on SO-1")
    assert blocked.status is CustomerStatus.BLOCKED
    assert service.set_status(bench, jane.id, CustomerStatus.BLOCKED, "again") == blocked  # no change, no row
    with pytest.raises(FieldErrors, match="reason"):
        service.update_customer(bench, jane.id, replace(CustomerDraft.of(blocked), status=CustomerStatus.VIP))
    service.update_customer(
        bench, jane.id, replace(CustomerDraft.of(blocked), status=CustomerStatus.VIP), reason="paid back"
    )

    history = service.status_history(bench, jane.id)
    assert [(h.previous_status, h.status, h.reason) for h in history] == [
        (CustomerStatus.BLOCKED, CustomerStatus.VIP, "paid back"),
        (CustomerStatus.ACTIVE, CustomerStatus.BLOCKED, "chargeback on SO-1"),
    ]
    assert {h.changed_by for h in history} == {bench.user}
    entries = audit.entries(bench, action=AuditAction.CUSTOMER_STATUS.value, target_id=jane.id)
    assert [(e.details["from"], e.details["to"], e.details["reason"]) for e in entries] == [
        ("BLOCKED", "VIP", "paid back"),
        ("ACTIVE", "BLOCKED", "chargeback on SO-1"),
    ]


def test_soft_delete_hides_the_customer_and_restore_brings_them_back(bench: Bench) -> None:
    jane = service.create_customer(bench, _jane())
    service.delete_customer(bench, jane.id)

    with pytest.raises(NotFound):
        service.get_customer(bench, jane.id)
    assert service.get_customer(bench, jane.id, include_deleted=True).deleted_at is not None
    assert service.list_customers(bench) == []
    assert _count(bench, t.Customer) == 1  # kept, with its history
    assert _count(bench, t.Outbox, t.Outbox.entity == "customers", t.Outbox.op == "delete") == 1
    assert [e.target_id for e in audit.entries(bench, action=AuditAction.CUSTOMER_DELETE.value)] == [jane.id]

    # Meanwhile someone else got the e-mail: restoring would make two customers with it.
    newcomer = service.create_customer(bench, _jane(name="New Jane", external_id=""))
    with pytest.raises(FieldErrors, match="New Jane"):
        service.restore_customer(bench, jane.id)
    service.delete_customer(bench, newcomer.id)
    assert service.restore_customer(bench, jane.id).deleted_at is None
    assert [c.id for c in service.list_customers(bench)] == [jane.id]


# ------------------------------------------------------------------------------------------- notes, log, timeline


def test_notes_communications_and_status_changes_make_one_timeline_newest_first(bench: Bench) -> None:
    jane = service.create_customer(bench, _jane())
    order_id = _order(bench, jane.id, "SO-T1", "25.00", days_ago=3)
    note = service.add_note(bench, jane.id, "  Prefers morning delivery  ")
    pinned = service.add_note(bench, jane.id, "Allergic to packing peanuts", pinned=True)
    call = service.log_communication(
        bench,
        jane.id,
        "phone",
        "inbound",
        "Where is my parcel",
        "Asked about SO-T1",
        occurred_at=bench.clock.now() - timedelta(days=1),
    )
    service.set_status(bench, jane.id, CustomerStatus.VIP, "big spender")
    shipment = packing.ship(bench, "SO-T1", weight=Weight.of("0.8", "kg")).shipment

    assert note.body == "Prefers morning delivery" and note.author == bench.user
    assert [n.id for n in service.list_notes(bench, jane.id)] == [pinned.id, note.id]
    assert call.channel is CommunicationChannel.PHONE
    with pytest.raises(FieldErrors) as bad:
        service.log_communication(bench, jane.id, "pigeon", "sideways", "", "")
    assert set(bad.value.errors) == {"channel", "direction", "subject"}
    with pytest.raises(FieldErrors, match="body: is required"):
        service.add_note(bench, jane.id, "   ")

    timeline = service.timeline(bench, jane.id)
    assert [e.at for e in timeline] == sorted((e.at for e in timeline), reverse=True)
    kinds = [e.kind for e in timeline]
    assert set(kinds) == {
        TimelineKind.ORDER,
        TimelineKind.ORDER_STATUS,
        TimelineKind.SHIPMENT,
        TimelineKind.NOTE,
        TimelineKind.COMMUNICATION,
        TimelineKind.STATUS,
    }
    assert kinds[-1] is TimelineKind.ORDER  # placed three days ago: the oldest
    by_ref = {e.ref_id: e for e in timeline if e.kind is not TimelineKind.ORDER_STATUS}
    assert by_ref[order_id].title == "Order SO-T1"
    assert by_ref[shipment.id].title == f"Shipment {shipment.tracking_number} for SO-T1"
    assert by_ref[call.id].title == "Inbound phone: Where is my parcel"
    assert by_ref[pinned.id].title.startswith("Pinned note")
    moves = [e.title for e in timeline if e.kind is TimelineKind.ORDER_STATUS]
    assert "Order SO-T1: processing → shipped" in moves
    status = next(e for e in timeline if e.kind is TimelineKind.STATUS)
    assert status.title == "Status ACTIVE → VIP" and "big spender" in status.detail


# ------------------------------------------------------------------------------------------- order totals


def _totals(bench: Bench, customer_id: str) -> tuple[Decimal, int, Decimal, datetime | None, datetime | None]:
    c = service.get_customer(bench, customer_id)
    return c.total_spent, c.order_count, c.average_order_value, c.first_order_date, c.last_order_date


def test_order_totals_follow_every_order_write(bench: Bench) -> None:
    jane = service.create_customer(bench, _jane())
    bob = service.create_customer(bench, _jane(email="bob@example.com", name="Bob", external_id=""))
    first = _order(bench, jane.id, "SO-A", "10.00", days_ago=10)
    _order(bench, jane.id, "SO-B", "25.50", days_ago=2)
    now = bench.clock.now()
    spent, count, average, first_at, last_at = _totals(bench, jane.id)
    assert (spent, count, average) == (Decimal("35.50"), 2, Decimal("17.75"))
    assert first_at is not None and last_at is not None and first_at < last_at <= now
    queued = _count(bench, t.Outbox, t.Outbox.entity == "customers", t.Outbox.op == "update")
    assert queued >= 1  # the totals sync with the orders that made them

    with bench.store.session() as s:  # a cancelled order is no purchase
        move_order(s, s.get_one(t.Order, first), OrderStatus.CANCELLED, by="test")
    assert _totals(bench, jane.id)[:3] == (Decimal("25.50"), 1, Decimal("25.50"))

    with bench.store.session() as s:  # an order moved to another customer moves its amount too
        row = s.scalars(select(t.Order).where(t.Order.order_number == "SO-B")).one()
        row.customer_id = bob.id
    assert _totals(bench, jane.id) == (Decimal(0), 0, Decimal(0), None, None)
    assert _totals(bench, bob.id)[:3] == (Decimal("25.50"), 1, Decimal("25.50"))

    version = service.get_customer(bench, bob.id).version
    with bench.store.session() as s:  # a change that does not touch the money leaves the customer alone
        row = s.scalars(select(t.Order).where(t.Order.order_number == "SO-B")).one()
        row.requested_service = "ground"
    assert service.get_customer(bench, bob.id).version == version

    with bench.store.session() as s:
        service.refresh_order_totals(s, bob.id)  # the repair call agrees with what the hook keeps
    assert service.get_customer(bench, bob.id).version == version


def test_orders_pulled_from_the_center_update_totals_without_a_local_change(bench: Bench) -> None:
    jane = service.create_customer(bench, _jane())
    before = service.get_customer(bench, jane.id)
    queued = _count(bench, t.Outbox)
    stamp = datetime(2026, 2, 1, 12, 0, tzinfo=UTC).isoformat()
    order_id = "01900000-0000-7000-8000-000000000001"
    data = {
        "id": order_id,
        "order_number": "HUB-1",
        "status": "confirmed",
        "customer_id": jane.id,
        "ship_to": {"name": "Jane", "line1": "1 Main St", "city": "X", "postal_code": "94103", "country": "US"},
        "total_amount": "42.00",
        "currency": "USD",
        "order_date": stamp,
        "requested_service": "",
        "delivery_attempts": 0,
        "created_at": stamp,
        "updated_at": stamp,
        "bench_id": "hub",
        "version": 1,
        "deleted_at": None,
    }
    with bench.store.session(remote=True) as s:
        apply_changes(s, [Change("orders", order_id, 1, data)], Cursor(1, 1))

    after = service.get_customer(bench, jane.id)
    assert (after.total_spent, after.order_count, after.first_order_date) == (
        Decimal("42.00"),
        1,
        datetime(2026, 2, 1, 12, 0, tzinfo=UTC),
    )
    assert after.version == before.version  # derived data: no version bump, nothing to push
    assert _count(bench, t.Outbox) == queued


# ------------------------------------------------------------------------------------------- BLOCKED stops packing


def test_a_blocked_customer_stops_scan_and_buy_naming_who_and_why(bench: Bench) -> None:
    jane = service.create_customer(bench, _jane())
    _order(bench, jane.id, "SO-X", "12.00", days_ago=1)
    ticket = packing.scan(bench, "SO-X")
    assert service.customer_block_reason(bench, ticket.order) is None

    service.set_status(bench, jane.id, CustomerStatus.BLOCKED, "two chargebacks")
    expected = "Customer Jane Doe is BLOCKED (two chargebacks): do not ship order SO-X; hand it to a supervisor."
    assert service.customer_block_reason(bench, ticket.order) == expected
    with pytest.raises(CustomerBlocked) as at_scan:
        packing.scan(bench, "SO-X")
    assert str(at_scan.value) == expected and at_scan.value.customer_id == jane.id
    # Blocked after the scan: the buy refuses before any carrier is called.
    package = packing.package_for(ticket, Weight.of("0.8", "kg"))
    rate = packing.quote(bench, ticket, package).selected
    assert rate is not None
    with pytest.raises(CustomerBlocked, match="two chargebacks"):
        packing.buy(bench, ticket, rate, package)
    with pytest.raises(UserError, match="BLOCKED"):
        packing.ship(bench, "SO-X", weight=Weight.of("0.8", "kg"))
    assert _count(bench, t.LabelPurchase) == 0 and _count(bench, t.Shipment) == 0
    assert _count(bench, CustomerStatusChange) == 1

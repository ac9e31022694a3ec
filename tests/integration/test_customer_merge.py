"""Duplicate customers and merging them (services/customer_merge.py, `customers duplicates|merge`) on a
real bench database: what moves, what is chosen, what becomes an alias, what is audited, and the
outbox mutations that carry it all to the center."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from shipstation_desktop.cli import main
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.customer_duplicates import DuplicateReason
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import (
    CustomerAlias,
    CustomerCommunication,
    CustomerNote,
    CustomerStatusChange,
)
from shipstation_desktop.persistence.notification_tables import NotificationPreference, preference_id
from shipstation_desktop.services import audit, customer_merge
from shipstation_desktop.services.bench import Bench
from tests.fakes.customer_rows import add_customer, add_order

JAN = datetime(2026, 1, 10, tzinfo=UTC)
FEB = datetime(2026, 2, 10, tzinfo=UTC)
MAR = datetime(2026, 3, 10, tzinfo=UTC)
HOME = {"line1": "12 Elm St", "city": "Springfield", "postal_code": "62701"}


def _max_seq(bench: Bench) -> int:
    with bench.store.session() as s:
        return s.scalar(select(func.max(t.Outbox.seq))) or 0


def _outbox_since(bench: Bench, seq: int) -> list[t.Outbox]:
    with bench.store.session() as s:
        return list(s.scalars(select(t.Outbox).where(t.Outbox.seq > seq).order_by(t.Outbox.seq)))


@pytest.fixture
def pair(bench: Bench) -> tuple[str, str]:
    """Ana twice: the survivor with two orders and her home address as default, the duplicate with
    a phone, another default address, a copy of the home address, an order, a note, a call, a status
    change, an alias of her own and notification preferences."""
    survivor = add_customer(
        bench,
        "ana.silva@example.com",
        "Ana Silva",
        tags=["vip"],
        custom_fields={"company": "Acme", "size": "M"},
        addresses=[{**HOME, "is_default": True}],
    )
    add_order(bench, survivor, "SO-1", "40.00", JAN)
    add_order(bench, survivor, "SO-2", "60.00", FEB)
    merged = add_customer(
        bench,
        "Ana.S@Example.com",
        "Ana Silva Pereira",
        phone="+14155550132",
        tags=["b2b", "VIP"],
        custom_fields={"company": "Acme Ltd", "notes": "gate 4"},
        external_id="SHOP-77",
        addresses=[
            {"line1": "500 Oak Ave", "city": "Chicago", "state": "IL", "postal_code": "60601", "is_default": True},
            {**HOME, "recipient_name": " ANA  silva", "line1": "12 elm st"},  # the same label
        ],
    )
    add_order(bench, merged, "SO-3", "50.00", MAR)
    add_order(bench, merged, "SO-4", "99.00", MAR, status=OrderStatus.CANCELLED)
    with bench.store.session() as s:
        s.add(CustomerNote(customer_id=merged, body="prefers mornings", author="packer"))
        s.add(
            CustomerCommunication(
                customer_id=merged, channel="PHONE", direction="INBOUND", subject="s", body="b", occurred_at=FEB
            )
        )
        s.add(CustomerStatusChange(customer_id=merged, previous_status="INACTIVE", status="ACTIVE", reason="back"))
        s.add(CustomerAlias(customer_id=merged, email_normalized="ana.old@example.com", merged_from="old-id"))
        s.add(
            NotificationPreference(
                id=preference_id(merged), customer_id=merged, email_statuses=["shipped"], language="pt"
            )
        )
    return survivor, merged


def _rows(bench: Bench, model: Any, customer_id: str) -> list[Any]:
    with bench.store.session() as s:
        return list(s.scalars(select(model).where(model.customer_id == customer_id, model.deleted_at.is_(None))))


def test_merge_moves_everything_to_the_survivor(bench: Bench, pair: tuple[str, str]) -> None:
    survivor_id, merged_id = pair
    before = _max_seq(bench)

    report = customer_merge.merge_report(bench, survivor_id, merged_id, {"name": "merged"})
    ana = report.customer

    # Fields: the name was chosen, the empty phone and external id filled, the rest kept.
    assert (ana.id, ana.name, ana.email, ana.phone, ana.external_id) == (
        survivor_id,
        "Ana Silva Pereira",
        "ana.silva@example.com",
        "+14155550132",
        "SHOP-77",
    )
    assert ana.tags == ("vip", "b2b")
    assert ana.custom_fields == {"company": "Acme", "size": "M", "notes": "gate 4"}
    assert report.fields_from_merged == ("custom_fields", "external_id", "name", "phone")
    # Totals from the orders she owns now (the cancelled one is not a purchase).
    assert (ana.order_count, ana.total_spent) == (3, Decimal("150.00"))
    assert (ana.first_order_date, ana.last_order_date) == (JAN, MAR)
    # Addresses: the home address once (still the default), the Chicago one moved, no longer default.
    assert sorted((a.city, a.is_default) for a in ana.addresses) == [("Chicago", False), ("Springfield", True)]
    assert report.moved == {
        "addresses": 1,
        "duplicate_addresses": 1,
        "orders": 2,
        "notes": 1,
        "communications": 1,
        "status_changes": 1,
        "aliases": 1,
        "notification_preferences": 1,
    }

    with bench.store.session() as s:
        gone = s.get_one(t.Customer, merged_id)
        assert gone.merged_into == survivor_id and gone.deleted_at is not None
        orders = s.execute(select(t.Order.order_number, t.Order.customer_id)).all()
        assert {number for number, cid in orders if cid == survivor_id} == {"SO-1", "SO-2", "SO-3", "SO-4"}
        aliases = s.execute(
            select(CustomerAlias.email_normalized, CustomerAlias.merged_from).where(
                CustomerAlias.customer_id == survivor_id, CustomerAlias.deleted_at.is_(None)
            )
        ).all()
        assert sorted(aliases) == [("ana.old@example.com", "old-id"), ("ana.s@example.com", merged_id)]
        prefs = s.scalars(select(NotificationPreference).where(NotificationPreference.customer_id == survivor_id)).one()
        assert (prefs.id, prefs.language, prefs.email_statuses) == (preference_id(survivor_id), "pt", ["shipped"])
        assert s.get_one(NotificationPreference, preference_id(merged_id)).deleted_at is not None
    assert [n.body for n in _rows(bench, CustomerNote, survivor_id)] == ["prefers mornings"]
    assert len(_rows(bench, CustomerCommunication, survivor_id)) == 1
    assert [c.reason for c in _rows(bench, CustomerStatusChange, survivor_id)] == ["back"]
    assert len(_rows(bench, t.Address, merged_id)) == 0

    # One audit row: ids, field names and counts — never the values.
    [entry] = audit.entries(bench, action=AuditAction.CUSTOMER_MERGE.value)
    assert (entry.target_type, entry.target_id, entry.user) == ("customer", survivor_id, bench.user)
    assert entry.details["merged_id"] == merged_id
    assert entry.details["fields_from_merged"] == ["custom_fields", "external_id", "name", "phone"]
    assert entry.details["moved"]["orders"] == 2
    text = json.dumps(entry.details)
    assert not any(pii in text for pii in ("Ana", "example.com", "4155550132", "Elm", "gate 4"))

    # Sync: every change is a mutation; the merged customer is linked (update) before its tombstone,
    # and the tombstone comes before the survivor's update (its e-mail leaves the unique index first).
    mutations = [(m.entity, m.entity_id, m.op, tuple(m.changed)) for m in _outbox_since(bench, before)]
    mine = [(op, changed) for entity, eid, op, changed in mutations if entity == "customers" and eid == merged_id]
    assert mine[0] == ("update", ("merged_into",)) and mine[1][0] == "delete"
    first_survivor_update = next(
        i for i, (entity, eid, _, _) in enumerate(mutations) if entity == "customers" and eid == survivor_id
    )
    tombstone = mutations.index(next(m for m in mutations if m[1] == merged_id and m[2] == "delete"))
    assert tombstone < first_survivor_update
    moved_orders = {eid for entity, eid, op, changed in mutations if entity == "orders" and "customer_id" in changed}
    assert len(moved_orders) == 2
    kinds = {(entity, op) for entity, _, op, _ in mutations}
    assert {
        ("addresses", "update"),
        ("addresses", "delete"),
        ("customer_notes", "update"),
        ("customer_communications", "update"),
        ("customer_status_changes", "update"),
        ("customer_aliases", "insert"),
        ("customer_aliases", "update"),
        ("notification_preferences", "insert"),
        ("notification_preferences", "delete"),
        ("audit_log", "insert"),
    } <= kinds
    assert any(
        entity == "customers" and eid == survivor_id and "order_count" in changed
        for entity, eid, _, changed in mutations
    )


def test_taking_the_merged_email_makes_the_survivors_own_an_alias(bench: Bench, pair: tuple[str, str]) -> None:
    survivor_id, merged_id = pair

    ana = customer_merge.merge(bench, survivor_id, merged_id, {"email": "merged", "custom_fields": "merged"})

    assert ana.email == "Ana.S@Example.com"
    assert ana.custom_fields == {"company": "Acme Ltd", "size": "M", "notes": "gate 4"}
    with bench.store.session() as s:
        row = s.get_one(t.Customer, survivor_id)
        assert row.email_normalized == "ana.s@example.com"
        aliases = s.scalars(
            select(CustomerAlias.email_normalized).where(
                CustomerAlias.customer_id == survivor_id, CustomerAlias.deleted_at.is_(None)
            )
        ).all()
    assert sorted(aliases) == ["ana.old@example.com", "ana.silva@example.com"]


def test_a_blocked_duplicate_keeps_the_survivor_blocked(bench: Bench) -> None:
    survivor = add_customer(bench, "bo@example.com", "Bo Li")
    merged = add_customer(bench, "bo.li@example.com", "Bo Li", status="BLOCKED")

    bo = customer_merge.merge(bench, survivor, merged)

    assert bo.status.value == "BLOCKED"
    [change] = _rows(bench, CustomerStatusChange, survivor)
    assert (change.previous_status, change.status, change.reason) == (
        "ACTIVE",
        "BLOCKED",
        f"merged with customer {merged}",
    )
    assert change.changed_by == bench.user
    # Chosen explicitly, the survivor's status stands.
    other = add_customer(bench, "cy@example.com", "Cy")
    blocked = add_customer(bench, "cy2@example.com", "Cy", status="BLOCKED")
    assert customer_merge.merge(bench, other, blocked, {"status": "survivor"}).status.value == "ACTIVE"


def test_refused_merges_change_nothing(bench: Bench, pair: tuple[str, str]) -> None:
    survivor_id, merged_id = pair
    before = _max_seq(bench)

    with pytest.raises(UserError, match="cannot be merged into itself"):
        customer_merge.merge(bench, survivor_id, survivor_id)
    with pytest.raises(NotFound, match="no customer nope"):
        customer_merge.merge(bench, survivor_id, "nope")
    with pytest.raises(UserError, match="cannot choose 'tags'"):
        customer_merge.merge(bench, survivor_id, merged_id, {"tags": "merged"})
    assert _max_seq(bench) == before

    customer_merge.merge(bench, survivor_id, merged_id)
    with pytest.raises(UserError, match=f"already merged into {survivor_id}"):
        customer_merge.merge(bench, survivor_id, merged_id)
    with pytest.raises(UserError, match=f"already merged into {survivor_id}"):
        customer_merge.merge(bench, merged_id, survivor_id)
    third = add_customer(bench, "gone@example.com", "Gone")
    with bench.store.session() as s:
        s.get_one(t.Customer, third).deleted_at = bench.clock.now()
    with pytest.raises(UserError, match="is deleted"):
        customer_merge.merge(bench, survivor_id, third)
    assert len(audit.entries(bench, action=AuditAction.CUSTOMER_MERGE.value)) == 1


def test_duplicate_candidates_by_email_phone_and_name_at_a_postal_code(bench: Bench) -> None:
    a1 = add_customer(bench, "ana.silva@gmail.com", "Ana Silva")
    a2 = add_customer(bench, "anasilva+shop@googlemail.com", "A. Silva")
    b1 = add_customer(bench, "bo@example.com", "Bo Li", phone="+14155550132")
    b2 = add_customer(bench, "li.bo@example.com", "Li Bo", phone="(415) 555-0132", addresses=[{"country": "US"}])
    c1 = add_customer(bench, "c1@example.com", "Émile Zola", addresses=[{"postal_code": "SW1A 1AA", "country": "GB"}])
    c2 = add_customer(bench, "c2@example.com", "emile ZOLA", addresses=[{"postal_code": "sw1a1aa", "country": "GB"}])
    add_customer(bench, "x@example.com", "Emile Zola", addresses=[{"postal_code": "75001", "country": "FR"}])
    # An e-mail once merged away (an alias of d1) that came back as a new customer.
    d1 = add_customer(bench, "dee@example.com", "Dee")
    d2 = add_customer(bench, "dee.old@example.com", "Dee Old")
    with bench.store.session() as s:
        s.add(CustomerAlias(customer_id=d1, email_normalized="dee.old@example.com", merged_from="x"))
    # A deleted customer is never a candidate.
    e = add_customer(bench, "ana.silva+old@gmail.com", "Ana")
    with bench.store.session() as s:
        s.get_one(t.Customer, e).deleted_at = bench.clock.now()

    groups = customer_merge.duplicate_candidates(bench)

    assert [(g.reason, g.customer_ids) for g in groups] == [
        (DuplicateReason.EMAIL, (a1, a2)),
        (DuplicateReason.EMAIL, (d1, d2)),
        (DuplicateReason.PHONE, (b1, b2)),
        (DuplicateReason.NAME_POSTAL, (c1, c2)),
    ]
    assert customer_merge.duplicate_candidates(bench, limit=2) == groups[:2]
    assert [g.customer_ids for g in customer_merge.candidates_for(bench, c2)] == [(c1, c2)]
    assert customer_merge.candidates_for(bench, e) == []

    customer_merge.merge(bench, a1, a2)
    assert (DuplicateReason.EMAIL, (a1, a2)) not in [
        (g.reason, g.customer_ids) for g in customer_merge.duplicate_candidates(bench)
    ]


# ---------------------------------------------------------------------------------------------- CLI


def _cli(capsys: pytest.CaptureFixture[str], bench: Bench, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(bench.paths.data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_duplicates_and_merge(bench: Bench, pair: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    survivor_id, merged_id = pair
    twin = add_customer(bench, "ana.twin@example.com", "Ana Twin", phone="+14155550132")

    code, out, err = _cli(capsys, bench, "customers", "duplicates", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == [{"reason": "phone", "reasons": ["phone"], "customer_ids": [merged_id, twin]}]

    code, out, err = _cli(
        capsys, bench, "customers", "merge", survivor_id, merged_id, "--take", "name=merged", "--json"
    )
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["survivor_id"], doc["merged_id"]) == (survivor_id, merged_id)
    assert doc["fields_from_merged"] == ["custom_fields", "external_id", "name", "phone"]
    assert doc["moved"]["orders"] == 2
    assert (doc["customer"]["name"], doc["customer"]["order_count"]) == ("Ana Silva Pereira", 3)

    code, out, err = _cli(capsys, bench, "customers", "merge", survivor_id, twin)
    assert code == 0 and out.startswith(f"merged {twin} into {survivor_id}: took nothing from it")

    code, out, err = _cli(capsys, bench, "customers", "merge", survivor_id, survivor_id)
    assert code == 1 and out == "" and err.strip().endswith(": a customer cannot be merged into itself")
    code, out, err = _cli(capsys, bench, "customers", "merge", survivor_id, merged_id, "--take", "colour=merged")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "cannot choose 'colour'" in err

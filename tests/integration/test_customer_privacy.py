"""GDPR for one customer (services/customer_privacy.py, `customers gdpr-export|erase|rotate-key`): the
export's content, erasure that keeps orders and shipments, and the audit trail of views, exports and
erasures."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from shipstation_desktop.cli import main
from shipstation_desktop.domain import privacy
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.persistence import db
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import (
    CustomerAlias,
    CustomerCommunication,
    CustomerNote,
    CustomerStatusChange,
)
from shipstation_desktop.persistence.notification_tables import Notification, NotificationPreference
from shipstation_desktop.persistence.pii import PiiKeyMissing
from shipstation_desktop.services import audit, customer_privacy, packing, pii_keys
from shipstation_desktop.services import customers as customer_service
from shipstation_desktop.services.bench import Bench
from tests.fakes.pii_person import Added, Person, add_person

PERSON = Person()
OTHER = Person(
    name="Osgood Pembleton-Rax",
    email="osgood@rax-example.org",
    phone="+14155550199",
    line1="99 Larkspur Way",
    line2="Suite 4",
    recipient="Osgood Pembleton-Rax",
    ship_line1="99 Larkspur Way",
    ship_phone="+14155550100",
    note="other customer's note",
    subject="Question about invoice",
    message="Asked for a copy of the invoice",
    date_of_birth="1975-09-02",
    order_number="PII-2002",
    city="San Francisco",
    postal_code="94103",
    country="US",
)


def _ship(bench: Bench, number: str) -> str:
    outcome = packing.ship(bench, number, weight=Weight(Decimal("0.8"), WeightUnit.KG))
    return outcome.shipment.tracking_number


@pytest.fixture
def person(bench: Bench) -> Added:
    added = add_person(bench)
    add_person(bench, OTHER)
    return added


def _audit(bench: Bench, action: AuditAction) -> list[Any]:
    return audit.entries(bench, action=action.value)


# ------------------------------------------------------------------------------------------- export


def test_gdpr_export_holds_everything_about_the_customer_and_nobody_else(
    bench: Bench, person: Added, tmp_path: Path
) -> None:
    tracking = _ship(bench, PERSON.order_number)
    out = tmp_path / "export"

    files = customer_privacy.gdpr_export(bench, person.customer_id, out)

    stem = f"customer-{person.customer_id}"
    assert files[0] == out / f"{stem}.json"
    assert [f.name for f in files[1:]] == [f"{stem}-{name}.csv" for name in customer_privacy.SECTIONS]
    assert all(f.exists() for f in files)
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    c = doc["customer"]
    assert (c["id"], c["name"], c["email"], c["phone"], c["date_of_birth"]) == (
        person.customer_id,
        PERSON.name,
        PERSON.email,
        PERSON.phone,
        PERSON.date_of_birth,
    )
    assert c["custom_fields"] == {"notes": PERSON.note} and c["tags"] == ["vip"]
    assert [(a["line1"], a["line2"], a["city"]) for a in doc["addresses"]] == [(PERSON.line1, PERSON.line2, "Madrid")]
    assert [n["body"] for n in doc["notes"]] == [PERSON.note]
    assert [(m["subject"], m["body"]) for m in doc["communications"]] == [(PERSON.subject, PERSON.message)]
    assert [p["phone"] for p in doc["notification_preferences"]] == [PERSON.phone]
    assert [n["recipient"] for n in doc["notifications"] if n["id"] == person.notification_id] == [PERSON.email]
    [order] = doc["orders"]
    assert (order["order_number"], order["total_amount"], order["currency"]) == (PERSON.order_number, "42.50", "EUR")
    assert order["ship_to"]["name"] == PERSON.recipient
    assert [(ln["sku"], ln["quantity"], ln["unit_price"]) for ln in order["lines"]] == [("MUG-RED", 2, "21.25")]
    assert [h["status"] for h in order["status_history"]][-1] == "shipped"
    [shipment] = doc["shipments"]
    assert shipment["tracking_number"] == tracking and shipment["to_address"]["line1"] == PERSON.ship_line1
    assert shipment["tracking_events"] and {e["shipment_id"] for e in shipment["tracking_events"]} == {shipment["id"]}
    assert doc["aliases"] == [] and doc["merged_customers"] == []
    text = files[0].read_text(encoding="utf-8")
    assert OTHER.name not in text and OTHER.email not in text and OTHER.order_number not in text

    # The CSV files: UTF-8 with a BOM (Excel), one row per record, nested values as JSON.
    def rows(section: str) -> list[dict[str, str]]:
        raw = (out / f"{stem}-{section}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))

    [customer_row] = rows("customer")
    assert (customer_row["name"], customer_row["email"], customer_row["tags"]) == (PERSON.name, PERSON.email, '["vip"]')
    assert next(iter(customer_row)) == "id"
    [order_row] = rows("orders")
    assert order_row["order_number"] == PERSON.order_number
    assert json.loads(order_row["ship_to"])["line1"] == PERSON.ship_line1
    assert [(r["sku"], r["quantity"]) for r in rows("order_lines")] == [("MUG-RED", "2")]
    assert [r["tracking_number"] for r in rows("shipments")] == [tracking]
    assert len(rows("tracking_events")) == len(shipment["tracking_events"])
    assert rows("aliases") == []
    with (out / f"{stem}-aliases.csv").open(encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f))[:3] == ["id", "customer_id", "email_normalized"]

    [entry] = _audit(bench, AuditAction.PII_EXPORT)
    assert entry.target_id == person.customer_id and entry.user == bench.user
    assert entry.bench_name == bench.settings.bench_name
    assert entry.details["files"] == len(files) and entry.details["records"]["orders"] == 1
    assert PERSON.name not in json.dumps(entry.details)


def test_exporting_an_unknown_customer_says_so(bench: Bench, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="No customer with id 'nope'"):
        customer_privacy.gdpr_export(bench, "nope", tmp_path / "out")
    assert not (tmp_path / "out").exists()


# -------------------------------------------------------------------------------------------- erase


def _sealed_cells(path: Path) -> dict[tuple[str, str], str]:
    cells = {}
    with sqlite3.connect(path) as conn:
        for table, columns in pii_keys.sealed_tables():
            for column in columns:
                for row_id, value in conn.execute(f'SELECT id, "{column}" FROM "{table.name}"'):
                    if value:
                        cells[(f"{table.name}.{column}", row_id)] = value
    return cells


def _raw(bench: Bench) -> bytes:
    out = b""
    for name in (db.DB_FILENAME, db.DB_FILENAME + "-wal"):
        path = bench.paths.data_dir / name
        if path.exists():
            out += path.read_bytes()
    return out


def test_erase_removes_the_person_and_keeps_orders_shipments_and_tracking(bench: Bench, person: Added) -> None:
    tracking = _ship(bench, PERSON.order_number)
    with bench.store.session() as s:
        events_before = s.scalar(select(func.count()).select_from(t.TrackingEvent)) or 0
    before = _sealed_cells(bench.paths.database)

    result = customer_privacy.erase_customer(bench, person.customer_id, "customer asked by e-mail")

    assert not result.already_erased
    assert result.records["customers"] == 1 and result.records["orders"] == 1 and result.records["shipments"] == 1
    assert "erased" in result.message and "orders, shipments and tracking kept" in result.message
    short = person.customer_id.replace("-", "")[-8:]
    with bench.store.session() as s:
        c = s.get_one(t.Customer, person.customer_id)
        assert c.name == f"Erased customer {short}"
        assert c.email == c.email_normalized == f"erased-{person.customer_id}@invalid"
        assert (c.phone, c.date_of_birth, c.gender, c.external_id) == ("", None, "", "")
        assert c.status == "INACTIVE" and set(c.custom_fields) == {"erased_at"}
        assert c.tags == ["vip"] and c.deleted_at is None
        change = s.scalars(select(CustomerStatusChange).where(CustomerStatusChange.customer_id == c.id)).one()
        assert (change.previous_status, change.status, change.changed_by) == ("ACTIVE", "INACTIVE", bench.user)
        a = s.get_one(t.Address, person.address_id)
        assert (a.recipient_name, a.line1, a.line2, a.phone) == ("", "", "", "")
        assert (a.city, a.postal_code, a.country) == (PERSON.city, PERSON.postal_code, PERSON.country)
        assert s.get_one(CustomerNote, person.note_id).body == "[erased]"
        call = s.get_one(CustomerCommunication, person.communication_id)
        assert (call.subject, call.body, call.channel) == ("[erased]", "[erased]", "PHONE")
        assert s.scalars(select(NotificationPreference.phone)).all().count("") >= 1
        sent = s.get_one(Notification, person.notification_id)
        assert (sent.recipient, sent.body, sent.state) == ("", "[erased]", "SENT")
        order = s.get_one(t.Order, person.order_id)
        assert order.order_number == PERSON.order_number and order.total_amount == Decimal("42.50")
        assert order.ship_to == {
            "name": f"Erased customer {short}",
            "line1": "",
            "city": PERSON.city,
            "postal_code": PERSON.postal_code,
            "country": PERSON.country,
            "phone": "",
            "email": "",
        }
        assert [(ln.sku, ln.quantity) for ln in order.lines] == [("MUG-RED", 2)]
        shipment = s.scalars(select(t.Shipment).where(t.Shipment.order_id == order.id)).one()
        assert shipment.tracking_number == tracking and shipment.shipping_cost > 0
        assert shipment.to_address["name"] == f"Erased customer {short}" and shipment.to_address["line1"] == ""
        assert (s.scalar(select(func.count()).select_from(t.TrackingEvent)) or 0) == events_before
        # The other customer is untouched.
        other = s.scalars(select(t.Customer).where(t.Customer.email_normalized == OTHER.email)).one()
        assert other.name == OTHER.name
        # No mutation in the outbox, sent or waiting, still carries the person.
        payloads = json.dumps([o.payload for o in s.scalars(select(t.Outbox))], ensure_ascii=False)
    assert result.outbox_rewritten > 0
    assert [x for x in PERSON.secrets() if x in payloads] == []
    assert customer_service.search_customers(bench, "Vexmarth") == []
    assert [x.id for x in customer_service.search_customers(bench, f"erased {short}")] == [person.customer_id]
    # The WAL's old page images are checkpointed away. Copies of the old ciphertexts that page splits
    # left in free space may remain; a key rotation shreds them: nothing opens them any more.
    assert (bench.paths.data_dir / (db.DB_FILENAME + "-wal")).stat().st_size == 0
    after = _sealed_cells(bench.paths.database)
    replaced = [v for k, v in before.items() if after.get(k) != v]
    assert replaced and bench.store.cipher is not None
    assert bench.store.cipher.open(replaced[0]) != ""  # still opens now, with the bench key
    customer_privacy.rotate_key(bench)
    raw = _raw(bench)
    for old in replaced:
        if old.encode() in raw:
            with pytest.raises(PiiKeyMissing):
                bench.store.cipher.open(old)

    [entry] = _audit(bench, AuditAction.CUSTOMER_ERASE)
    assert entry.target_id == person.customer_id and entry.user == bench.user
    assert entry.bench_name == bench.settings.bench_name
    assert entry.details["reason"] == "customer asked by e-mail" and entry.details["records"] == result.records


def test_erasing_twice_is_a_no_op_with_a_message(bench: Bench, person: Added) -> None:
    customer_privacy.erase_customer(bench, person.customer_id, "asked")
    with bench.store.session() as s:
        outbox = s.scalar(select(func.count()).select_from(t.Outbox))
    again = customer_privacy.erase_customer(bench, person.customer_id, "asked again")
    assert again.already_erased and again.records == {}
    assert again.message == f"customer {person.customer_id} was already erased; nothing changed"
    with bench.store.session() as s:
        assert s.scalar(select(func.count()).select_from(t.Outbox)) == outbox
    assert len(_audit(bench, AuditAction.CUSTOMER_ERASE)) == 1


def test_erase_needs_a_reason_and_a_known_customer(bench: Bench, person: Added) -> None:
    with pytest.raises(UserError, match="reason"):
        customer_privacy.erase_customer(bench, person.customer_id, "  ")
    with pytest.raises(NotFound):
        customer_privacy.erase_customer(bench, "no-such-id", "asked")


def test_customers_merged_into_the_erased_one_go_too_and_their_aliases_are_deleted(bench: Bench, person: Added) -> None:
    now = bench.clock.now()
    with bench.store.session() as s:
        merged = t.Customer(
            email="old.vexmarth@zorblat.example",
            email_normalized="old.vexmarth@zorblat.example",
            name="Q. Vexmarth (old account)",
            phone="+34600111222",
            tags=[],
            custom_fields={},
            merged_into=person.customer_id,
            deleted_at=now,
        )
        s.add(merged)
        s.flush()
        s.add(
            CustomerAlias(
                customer_id=person.customer_id, email_normalized="old.vexmarth@zorblat.example", merged_from=merged.id
            )
        )
        merged_id = merged.id
    with pytest.raises(UserError, match=f"merged into {person.customer_id}"):
        customer_privacy.erase_customer(bench, merged_id, "asked")

    result = customer_privacy.erase_customer(bench, person.customer_id, "asked")

    assert result.records["customers"] == 2 and result.records["customer_aliases"] == 1
    with bench.store.session() as s:
        old = s.get_one(t.Customer, merged_id)
        assert old.name == privacy.erased_name(merged_id) and old.phone == ""
        assert old.email_normalized == f"erased-{merged_id}@invalid" and old.deleted_at is not None
        alias = s.scalars(select(CustomerAlias)).one()
        assert alias.deleted_at is not None and privacy.is_erased_email(alias.email_normalized)
        # Two mutations for the alias: its e-mail erased, then its tombstone (which keeps the erased one).
        ops = [
            (o.op, o.payload["email_normalized"])
            for o in s.scalars(select(t.Outbox).where(t.Outbox.entity_id == alias.id).order_by(t.Outbox.seq))
        ]
    assert [op for op, _ in ops] == ["insert", "update", "delete"]
    assert all(privacy.is_erased_email(e) for _, e in ops)


# -------------------------------------------------------------------------------------------- audit


def test_views_are_audited_with_who_where_and_which_fields_never_the_data(bench: Bench, person: Added) -> None:
    customer_privacy.record_pii_view(bench, [person.customer_id], ["email", "phone"], "customer detail")
    with bench.store.session() as s:
        ids = list(s.scalars(select(t.Customer.id)))
    customer_privacy.record_pii_view(bench, [*ids, ids[0]], ["name", "email"], "cli customers list")
    customer_privacy.record_pii_view(bench, [], ["name"], "empty list")

    [view] = _audit(bench, AuditAction.PII_VIEW)
    assert (view.target_type, view.target_id, view.user, view.bench_name) == (
        "customer",
        person.customer_id,
        bench.user,
        bench.settings.bench_name,
    )
    assert view.details == {"fields": ["email", "phone"], "how": "customer detail"}
    [listed] = _audit(bench, AuditAction.PII_LIST)
    assert listed.details["count"] == len(ids) == 2 and sorted(listed.details["ids"]) == sorted(ids)
    assert listed.details["how"] == "cli customers list"
    everything = json.dumps([e.details for e in audit.entries(bench)], ensure_ascii=False)
    assert [x for x in [*PERSON.secrets(), *OTHER.secrets()] if x in everything] == []


# ---------------------------------------------------------------------------------------------- CLI


def _cli(capsys: pytest.CaptureFixture[str], bench: Bench, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(bench.paths.data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_gdpr_export_prints_the_files(
    bench: Bench, person: Added, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "gdpr"
    code, out, err = _cli(capsys, bench, "customers", "gdpr-export", person.customer_id, "-o", str(out_dir))
    assert (code, err) == (0, "")
    printed = out.splitlines()
    assert printed[0] == str(out_dir / f"customer-{person.customer_id}.json")
    assert len(printed) == 1 + len(customer_privacy.SECTIONS) and all(Path(p).exists() for p in printed)
    code, out, _ = _cli(capsys, bench, "customers", "gdpr-export", person.customer_id, "-o", str(out_dir), "--json")
    assert code == 0 and json.loads(out) == {"customer_id": person.customer_id, "files": printed}
    code, out, err = _cli(capsys, bench, "customers", "gdpr-export", "missing", "-o", str(out_dir))
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and "No customer" in err


def test_cli_erase_runs_without_a_terminal_and_reports_a_second_time(
    bench: Bench, person: Added, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, bench, "customers", "erase", person.customer_id)
    assert (code, err) == (0, "")
    assert out.startswith(f"customer {person.customer_id} erased:")
    code, out, _ = _cli(capsys, bench, "customers", "erase", person.customer_id, "--json")
    assert code == 0
    assert json.loads(out) == {
        "customer_id": person.customer_id,
        "erased": False,
        "already_erased": True,
        "records": {},
    }
    [entry] = _audit(bench, AuditAction.CUSTOMER_ERASE)
    assert entry.details["reason"] == "erasure requested"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_erase_on_a_terminal_asks_first(
    bench: Bench, person: Added, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal("no\n"))
    code, out, err = _cli(capsys, bench, "customers", "erase", person.customer_id, "--reason", "ticket 7")
    assert code == 130 and out == "" and "Type yes" in err and "cancelled" in err
    with bench.store.session() as s:
        assert s.get_one(t.Customer, person.customer_id).name == PERSON.name

    monkeypatch.setattr("sys.stdin", _Terminal("yes\n"))
    code, out, _ = _cli(capsys, bench, "customers", "erase", person.customer_id, "--reason", "ticket 7", "--json")
    assert code == 0 and json.loads(out)["erased"] is True
    assert _audit(bench, AuditAction.CUSTOMER_ERASE)[0].details["reason"] == "ticket 7"


def test_cli_rotate_key(bench: Bench, person: Added, capsys: pytest.CaptureFixture[str]) -> None:
    old = bench.store.cipher.key_id if bench.store.cipher else ""
    code, out, err = _cli(capsys, bench, "customers", "rotate-key")
    assert (code, err) == (0, "")
    first = out.strip()
    assert first.startswith("rotated: ") and " values re-sealed with key " in first
    new = first.rsplit(" ", 1)[1]
    assert new != old
    code, out, _ = _cli(capsys, bench, "customers", "rotate-key", "--json")
    data = json.loads(out)
    assert code == 0 and data["old_key"] == new and data["key_location"] == "keyring" and data["values"] > 0


def test_every_cli_view_of_customer_data_is_audited(
    bench: Bench, person: Added, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(capsys, bench, "customers", "show", person.customer_id, "--json")
    assert code == 0 and PERSON.email in out
    [view] = _audit(bench, AuditAction.PII_VIEW)
    assert view.target_id == person.customer_id and view.details["how"] == "cli customers show"
    assert view.user == bench.user and view.bench_name == bench.settings.bench_name

    assert _cli(capsys, bench, "customers", "list", "--json")[0] == 0
    assert _cli(capsys, bench, "customers", "search", "vexmarth", "--json")[0] == 0
    listed = {e.details["how"]: e.details for e in _audit(bench, AuditAction.PII_LIST)}
    assert listed["cli customers list"]["count"] == 2
    assert listed["cli customers search"]["ids"] == [person.customer_id]

    assert _cli(capsys, bench, "customers", "export", "-o", str(tmp_path / "all.csv"))[0] == 0
    [exported] = _audit(bench, AuditAction.PII_EXPORT)
    assert exported.details["count"] == 2
    everything = json.dumps([e.details for e in audit.entries(bench)], ensure_ascii=False)
    assert [x for x in [*PERSON.secrets(), *OTHER.secrets()] if x in everything] == []

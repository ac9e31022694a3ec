"""GDPR for one customer: export everything this bench holds about them, erase them, and the audit
trail of who saw their personal data.

Erasure anonymizes, it does not delete: orders, shipments, amounts, tracking numbers and events stay
(the business must keep them, and statistics need them). What goes is the person — see
domain/privacy.py for exactly which columns and what they become. City, state, postal code and
country of addresses are kept on purpose (sales by region, carrier zones). Every change is an
ordinary ORM write, so it syncs: the center and the other benches end up anonymized too, and the
center accepts the erasure even where it refuses other edits (a bought label's address, tombstones).
Copies of the old values in this bench's outbox are rewritten as well.

Not covered: label documents already printed or stored (label bytes, spool files) keep the
address as it was printed.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shipstation_desktop.domain import privacy
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.enums import CustomerStatus
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.persistence import secure_erase
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import (
    CustomerAlias,
    CustomerCommunication,
    CustomerNote,
    CustomerStatusChange,
)
from shipstation_desktop.persistence.notification_tables import Notification, NotificationPreference
from shipstation_desktop.persistence.outbox import row_payload

from . import audit, pii_keys, pii_view
from .bench import Bench

EXPORT_FORMAT = "shipstation-desktop/gdpr-export/1"
# The export's sections, in the order of the JSON document; each also becomes one CSV file.
SECTIONS = (
    "customer",
    "addresses",
    "notes",
    "communications",
    "status_changes",
    "aliases",
    "merged_customers",
    "notification_preferences",
    "orders",
    "order_lines",
    "order_status_history",
    "shipments",
    "tracking_events",
    "notifications",
)
# Where each CSV section comes from: its columns are the table's, in the table's order.
_SECTION_TABLES: dict[str, type[t.Base]] = {
    "customer": t.Customer,
    "addresses": t.Address,
    "notes": CustomerNote,
    "communications": CustomerCommunication,
    "status_changes": CustomerStatusChange,
    "aliases": CustomerAlias,
    "merged_customers": t.Customer,
    "notification_preferences": NotificationPreference,
    "orders": t.Order,
    "order_lines": t.OrderLine,
    "order_status_history": t.OrderStatusHistory,
    "shipments": t.Shipment,
    "tracking_events": t.TrackingEvent,
    "notifications": Notification,
}


# ------------------------------------------------------------------------------------ audit of views


def record_pii_view(
    bench: Bench,
    customer_ids: Sequence[str],
    fields: Sequence[str],
    how: str,
    *,
    session: Session | None = None,
) -> None:
    """Appends who saw which customers' personal data, where (`how`: "cli customers show",
    "customer detail"), and which fields — never the data itself (services/pii_view.record_view)."""
    pii_view.record_view(bench, customer_ids, fields, how, session=session)


# ------------------------------------------------------------------------------------------ export


def _load_customer(s: Session, customer_id: str) -> t.Customer:
    row = s.get(t.Customer, customer_id.strip())
    if row is None:
        raise NotFound(f"No customer with id {customer_id!r} on this bench.")
    return row


def _merged_into(s: Session, customer_id: str) -> list[t.Customer]:
    """Customers merged into this one, and those merged into them (merges chain)."""
    found: list[t.Customer] = []
    frontier = [customer_id]
    seen = {customer_id}
    while frontier:
        rows = [
            r for r in s.scalars(select(t.Customer).where(t.Customer.merged_into.in_(frontier))) if r.id not in seen
        ]
        seen.update(r.id for r in rows)
        found.extend(rows)
        frontier = [r.id for r in rows]
    return found


def _rows(s: Session, model: Any, column: Any, ids: Iterable[str]) -> list[Any]:
    wanted = list(ids)
    out: list[Any] = []
    for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        out.extend(s.scalars(select(model).where(column.in_(chunk)).order_by(model.created_at, model.id)))
    return out


def _record(row: Any) -> dict[str, Any]:
    """One row as JSON values (the outbox's own conversion), its id first for a reader."""
    values = row_payload(row)
    return {"id": values.pop("id"), **values}


def _collect(s: Session, customer: t.Customer) -> dict[str, list[dict[str, Any]]]:
    merged = _merged_into(s, customer.id)
    people = [customer.id, *(m.id for m in merged)]
    orders = _rows(s, t.Order, t.Order.customer_id, people)
    order_ids = [o.id for o in orders]
    shipments = _rows(s, t.Shipment, t.Shipment.order_id, order_ids)
    return {
        "customer": [_record(customer)],
        "addresses": [_record(r) for r in _rows(s, t.Address, t.Address.customer_id, people)],
        "notes": [_record(r) for r in _rows(s, CustomerNote, CustomerNote.customer_id, people)],
        "communications": [
            _record(r) for r in _rows(s, CustomerCommunication, CustomerCommunication.customer_id, people)
        ],
        "status_changes": [
            _record(r) for r in _rows(s, CustomerStatusChange, CustomerStatusChange.customer_id, people)
        ],
        "aliases": [_record(r) for r in _rows(s, CustomerAlias, CustomerAlias.customer_id, people)],
        "merged_customers": [_record(m) for m in merged],
        "notification_preferences": [
            _record(r) for r in _rows(s, NotificationPreference, NotificationPreference.customer_id, people)
        ],
        "orders": [_record(o) for o in orders],
        "order_lines": [_record(r) for r in _rows(s, t.OrderLine, t.OrderLine.order_id, order_ids)],
        "order_status_history": [
            _record(r) for r in _rows(s, t.OrderStatusHistory, t.OrderStatusHistory.order_id, order_ids)
        ],
        "shipments": [_record(r) for r in shipments],
        "tracking_events": [
            _record(r) for r in _rows(s, t.TrackingEvent, t.TrackingEvent.shipment_id, [x.id for x in shipments])
        ],
        "notifications": [_record(r) for r in _rows(s, Notification, Notification.customer_id, people)],
    }


def _document(bench: Bench, sections: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The JSON file: the customer at the top, orders with their lines and history, shipments with
    their tracking events (the CSV files hold the same rows flat, one file per section)."""
    lines: dict[str, list[dict[str, Any]]] = {}
    for line in sections["order_lines"]:
        lines.setdefault(line["order_id"], []).append(line)
    history: dict[str, list[dict[str, Any]]] = {}
    for h in sections["order_status_history"]:
        history.setdefault(h["order_id"], []).append(h)
    events: dict[str, list[dict[str, Any]]] = {}
    for e in sections["tracking_events"]:
        events.setdefault(e["shipment_id"], []).append(e)
    nested = {"order_lines", "order_status_history", "tracking_events", "customer", "orders", "shipments"}
    return {
        "format": EXPORT_FORMAT,
        "exported_at": bench.clock.now().isoformat(),
        "bench": bench.settings.bench_name,
        "customer": sections["customer"][0],
        **{name: rows for name, rows in sections.items() if name not in nested},
        "orders": [
            {**o, "lines": lines.get(o["id"], []), "status_history": history.get(o["id"], [])}
            for o in sections["orders"]
        ],
        "shipments": [{**x, "tracking_events": events.get(x["id"], [])} for x in sections["shipments"]],
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    tmp = path.with_name(path.name + ".part")
    try:
        write(tmp)
        tmp.replace(path)  # readers never see half a file
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_csv(path: Path, model: Any, rows: list[dict[str, Any]]) -> None:
    columns = ["id", *(attr.key for attr in model.__mapper__.column_attrs if attr.key != "id")]

    def write(tmp: Path) -> None:
        # UTF-8 with a BOM: Excel then reads accents and non-Latin names correctly.
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])

    _write_atomic(path, write)


def gdpr_export(bench: Bench, customer_id: str, out_dir: Path) -> list[Path]:
    """Writes customer-<id>.json (everything, nested) and customer-<id>-<section>.csv (one per
    section, every section even when empty) into out_dir; returns the files, the JSON first."""
    with bench.store.session() as s:
        customer = _load_customer(s, customer_id)
        sections = _collect(s, customer)
        cid = customer.id
    document = _document(bench, sections)
    out_dir = Path(out_dir)
    stem = f"customer-{cid}"
    files = [out_dir / f"{stem}.json", *(out_dir / f"{stem}-{name}.csv" for name in SECTIONS)]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        _write_atomic(files[0], lambda tmp: tmp.write_text(text, encoding="utf-8"))
        for name, path in zip(SECTIONS, files[1:], strict=True):
            _write_csv(path, _SECTION_TABLES[name], sections[name])
    except OSError as exc:
        raise UserError(f"Cannot write the export into {out_dir}: {exc.strerror or exc}.") from None
    audit.record(
        bench,
        AuditAction.PII_EXPORT,
        target_type="customer",
        target_id=cid,
        details={
            "how": "gdpr export",
            "files": len(files),
            "records": {name: len(rows) for name, rows in sections.items() if rows},
        },
    )
    return files


# ------------------------------------------------------------------------------------------- erase


@dataclass(frozen=True)
class Erasure:
    customer_id: str
    already_erased: bool
    # Records whose personal data was removed, per table ("customers", "orders", ...).
    records: dict[str, int] = field(default_factory=dict)
    outbox_rewritten: int = 0

    @property
    def message(self) -> str:
        if self.already_erased:
            return f"customer {self.customer_id} was already erased; nothing changed"
        total = sum(self.records.values())
        return (
            f"customer {self.customer_id} erased: personal data removed from {total} records; "
            "orders, shipments and tracking kept (addresses keep city, state, postal code and country)"
        )


def erase_customer(bench: Bench, customer_id: str, reason: str) -> Erasure:
    """Anonymizes the customer, the customers merged into them, and every record holding their
    personal data, in one transaction with its CUSTOMER_ERASE audit row. A second call is a no-op."""
    reason = reason.strip()
    if not reason:
        raise UserError("Say why the customer is erased (a reason is kept in the audit log).")
    with bench.store.session() as s:
        root = _load_customer(s, customer_id)
        if root.merged_into:
            raise UserError(
                f"Customer {root.id} was merged into {root.merged_into}, which holds their data now: erase that one."
            )
        if privacy.is_erased_customer(root.custom_fields):
            return Erasure(root.id, already_erased=True)
        # The old values' bytes are zeroed as the rows are rewritten: the bench key would still open them.
        with secure_erase.zeroing(s.connection()):
            counts, merged, rewritten = _erase(bench, s, root)
            s.flush()
        audit.record(
            bench,
            AuditAction.CUSTOMER_ERASE,
            target_type="customer",
            target_id=root.id,
            details={"reason": reason, "records": dict(counts), "merged_customers": merged},
            session=s,
        )
        result = Erasure(root.id, already_erased=False, records=dict(counts), outbox_rewritten=rewritten)
    secure_erase.checkpoint(bench.store.engine)  # and the WAL's copies of the old pages go too
    bench.changed("customers")
    bench.changed("orders")
    return result


def _erase(bench: Bench, s: Session, root: t.Customer) -> tuple[Counter[str], int, int]:
    """The erasure's writes: (records changed per table, customers merged into root, outbox rows rewritten)."""
    now = bench.clock.now()
    now_iso = now.isoformat()
    people = [root, *_merged_into(s, root.id)]
    ids = [p.id for p in people]
    counts: Counter[str] = Counter()
    touched: list[Any] = []

    def erase(obj: Any, entity: str, name_id: str) -> None:
        columns = privacy.PII_COLUMNS[entity]
        current = {c: getattr(obj, c) for c in columns}
        changed = False
        for column, value in privacy.erased_values(entity, obj.id, name_id, current, now_iso).items():
            if current[column] != value:
                setattr(obj, column, value)
                changed = True
        if changed:
            counts[entity] += 1
            touched.append(obj)

    for person in people:
        erase(person, "customers", person.id)
    previous = root.status
    if previous != CustomerStatus.INACTIVE.value:
        root.status = CustomerStatus.INACTIVE.value
        s.add(
            CustomerStatusChange(
                customer_id=root.id,
                previous_status=previous,
                status=CustomerStatus.INACTIVE.value,
                reason="customer erased (GDPR)",
                changed_by=bench.user,
            )
        )
    orders = _rows(s, t.Order, t.Order.customer_id, ids)
    owned: list[tuple[str, list[Any]]] = [
        ("addresses", _rows(s, t.Address, t.Address.customer_id, ids)),
        ("customer_notes", _rows(s, CustomerNote, CustomerNote.customer_id, ids)),
        ("customer_communications", _rows(s, CustomerCommunication, CustomerCommunication.customer_id, ids)),
        ("notification_preferences", _rows(s, NotificationPreference, NotificationPreference.customer_id, ids)),
        ("notifications", _rows(s, Notification, Notification.customer_id, ids)),
        ("orders", orders),
        ("shipments", _rows(s, t.Shipment, t.Shipment.order_id, [o.id for o in orders])),
    ]
    for entity, rows in owned:
        for row in rows:
            erase(row, entity, root.id)
    aliases = _rows(s, CustomerAlias, CustomerAlias.customer_id, ids)
    for alias in aliases:
        erase(alias, "customer_aliases", root.id)
    s.flush()
    # Aliases go: first their e-mail is erased (above), then they are deleted, as two changes — the
    # center keeps a tombstone's last values, which must not be the e-mail.
    for alias in aliases:
        if alias.deleted_at is None:
            alias.deleted_at = now
    s.flush()
    return counts, len(people) - 1, _rewrite_outbox(s, touched)


def _rewrite_outbox(s: Session, touched: list[Any]) -> int:
    """Earlier mutations of the erased records (sent or waiting) carry the old personal data in
    their payloads; those values are replaced by the erased ones. The center ignores mutations it
    has applied already, so a replay (resync) sends the erased values, never the old ones."""
    erased: dict[tuple[str, str], dict[str, Any]] = {}
    for obj in touched:
        entity = type(obj).__tablename__
        now = row_payload(obj)
        erased[(entity, obj.id)] = {c: now[c] for c in privacy.PII_COLUMNS[entity]}
    ids = sorted({i for _, i in erased})
    rewritten = 0
    for start in range(0, len(ids), 500):
        for row in s.scalars(select(t.Outbox).where(t.Outbox.entity_id.in_(ids[start : start + 500]))):
            values = erased.get((row.entity, row.entity_id))
            if values is None or not isinstance(row.payload, dict):
                continue
            payload = {**row.payload, **{k: v for k, v in values.items() if k in row.payload}}
            if payload != row.payload:
                row.payload = payload
                rewritten += 1
    return rewritten


# -------------------------------------------------------------------------------------- key rotation


def rotate_key(bench: Bench) -> pii_keys.Rotation:
    """A new PII key for this bench; every sealed value is rewritten with it (services/pii_keys.py).
    Where a keyring has appeared since, the key moves into it and the warning goes."""
    rotation = pii_keys.rotate(bench.store, bench.secrets, bench.paths)
    bench.pii_key_warning = rotation.location.warning()
    audit.record(
        bench,
        AuditAction.PII_KEY_ROTATE,
        target_type="bench",
        target_id=bench.store.bench_id,
        details={
            "old_key": rotation.old_key,
            "new_key": rotation.new_key,
            "values": rotation.values,
            "in_keyring": rotation.location.in_keyring,
        },
    )
    return rotation

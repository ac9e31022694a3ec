"""Customers (seed 001): queries, and one customer's life: create, change, status, notes, communications,
timeline, soft delete; the order totals and the BLOCKED check the pack flow asks for."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from shipstation_desktop.domain import customer_rules as rules
from shipstation_desktop.domain import customer_search as cs
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.enums import (
    CommunicationChannel,
    CommunicationDirection,
    CustomerSource,
    CustomerStatus,
    TimelineKind,
)
from shipstation_desktop.domain.errors import ConflictError, CustomerBlocked, FieldErrors, NotFound, UserError
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.persistence import customer_totals, mappers, search_index
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import (
    CustomerAlias,
    CustomerCommunication,
    CustomerNote,
    CustomerStatusChange,
)

from . import access, audit, customer_list
from .bench import Bench


def normalize_email(email: str) -> str:
    return rules.normalize_email(email)


def list_customers(
    bench: Bench, *, search: str = "", status: CustomerStatus | None = None, limit: int | None = None
) -> list[dm.Customer]:
    """Every live customer (of one status; matching `search` as search_customers does), by name.
    Names are sealed, so the sort happens here after loading: for big lists use
    customer_list.list_page."""
    if search.strip():
        found = [c for c in search_customers(bench, search, limit=10_000) if status is None or c.status is status]
        return found if limit is None else found[:limit]
    with bench.store.session() as s:
        q = select(t.Customer).options(selectinload(t.Customer.addresses)).where(t.Customer.deleted_at.is_(None))
        if status is not None:
            q = q.where(t.Customer.status == status.value)
        people = [mappers.customer(r, with_addresses=True) for r in s.scalars(q)]
    people.sort(key=lambda c: (cs.fold(c.name), c.id))
    return people if limit is None else people[:limit]


def search_customers(bench: Bench, query: str, *, limit: int = 50) -> list[dm.Customer]:
    """Customers with a word (name, e-mail, external id, tag, postal code) starting with each query
    word, or whose phone starts or ends with the digits typed (an ending: 4 digits or more); accents
    and case ignored. The newest `limit` matches, sorted by name.

    The index holds keyed hashes only (PII is sealed at rest): it narrows to candidates, and every
    customer returned has been checked against its decrypted fields (persistence/search_index.py)."""
    with bench.store.session() as s:
        found = customer_list.load(s, search_index.matching_rowids(s.connection(), query, limit=limit))
    return sorted(search_index.verified(query, found), key=lambda c: (cs.fold(c.name), c.id))


def search_fields(row: t.Customer) -> cs.SearchFields:
    """The plain fields a loaded customer row is found by (the same ones the index hashes)."""
    return cs.SearchFields(
        name=row.name,
        email=row.email,
        phone=row.phone,
        external_id=row.external_id,
        tags=tuple(row.tags or ()),
        postal_codes=tuple(a.postal_code for a in row.addresses if a.deleted_at is None),
    )


# ------------------------------------------------------------------------------------------- one customer
# Create, change, block and soft-delete one customer (seed 001). Input is normalized and checked field
# by field (domain/customer_rules.py); everything refused comes back at once as FieldErrors.


def _home_country(bench: Bench) -> str:
    """Phones typed without + are read in the bench's own country's dialling plan."""
    return bench.settings.ship_from.country


def checked_draft(bench: Bench, draft: rules.CustomerDraft) -> tuple[rules.CustomerDraft, dict[str, str]]:
    """The draft normalized, and what is wrong with its fields (uniqueness is checked on saving)."""
    clean = rules.normalize(draft, _home_country(bench))
    return clean, rules.validate(clean, today=bench.clock.now().date(), home_country=_home_country(bench))


def _describe(row: t.Customer) -> str:
    return f"{row.name} (id {row.id})"


def _uniqueness_errors(s: Session, draft: rules.CustomerDraft, exclude_id: str | None) -> dict[str, str]:
    """An e-mail (or external id) another live customer has, or that a merged customer had."""
    errors: dict[str, str] = {}
    if not draft.email:
        return errors
    key = rules.normalize_email(draft.email)
    others = select(t.Customer).where(t.Customer.deleted_at.is_(None))
    if exclude_id is not None:
        others = others.where(t.Customer.id != exclude_id)
    owner = s.scalars(others.where(t.Customer.email_normalized == key).limit(1)).first()
    if owner is not None:
        errors["email"] = f"{draft.email} is already used by customer {_describe(owner)}"
    else:
        alias = s.scalars(
            select(CustomerAlias).where(CustomerAlias.email_normalized == key, CustomerAlias.deleted_at.is_(None))
        ).first()
        survivor = s.get(t.Customer, alias.customer_id) if alias is not None else None
        if survivor is not None and survivor.id != exclude_id:
            errors["email"] = f"{draft.email} belonged to a customer merged into {_describe(survivor)}"
    if draft.external_id:
        twin = s.scalars(others.where(t.Customer.external_id == draft.external_id).limit(1)).first()
        if twin is not None:
            errors["external_id"] = f"{draft.external_id} is already the external id of customer {_describe(twin)}"
    return errors


def _row_values(draft: rules.CustomerDraft) -> dict[str, Any]:
    dob = draft.date_of_birth
    return {
        "email": draft.email,
        "email_normalized": rules.normalize_email(draft.email),
        "name": draft.name,
        "phone": draft.phone,
        "date_of_birth": dob.isoformat() if isinstance(dob, date) else None,
        "gender": draft.gender,
        "status": CustomerStatus(draft.status).value,
        "source": CustomerSource(draft.source).value,
        "external_id": draft.external_id,
        "tags": list(draft.tags),
        "custom_fields": dict(draft.custom_fields),
    }


def _flush(s: Session, row: t.Customer) -> None:
    """Writes now, turning the database's refusals into messages: the unique e-mail index (two benches
    or two windows creating the same customer) and the optimistic lock."""
    try:
        s.flush()
    except IntegrityError:
        raise FieldErrors({"email": f"{row.email} is already used by another customer"}) from None
    except StaleDataError:
        raise ConflictError(f"Customer {row.name} was changed by someone else; reload and try again.") from None


def _live_row(s: Session, customer_id: str) -> t.Customer:
    row = s.get(t.Customer, customer_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"No customer with id {customer_id}.")
    return row


def get_customer(bench: Bench, customer_id: str, *, include_deleted: bool = False) -> dm.Customer:
    """One customer with their addresses; NotFound when there is none (or it was deleted)."""
    with bench.store.session() as s:
        row = s.get(t.Customer, customer_id, options=[selectinload(t.Customer.addresses)])
        if row is None or (row.deleted_at is not None and not include_deleted):
            raise NotFound(f"No customer with id {customer_id}.")
        return mappers.customer(row, with_addresses=True)


def create_customer(bench: Bench, draft: rules.CustomerDraft) -> dm.Customer:
    """A new customer. FieldErrors for bad fields, an e-mail another customer has (naming them) or
    an external id already used."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    clean, errors = checked_draft(bench, draft)
    with bench.store.session() as s:
        errors = _uniqueness_errors(s, clean, None) | errors
        if errors:
            raise FieldErrors(errors)
        row = t.Customer(**_row_values(clean))
        s.add(row)
        _flush(s, row)
        created = mappers.customer(row, with_addresses=True)
    bench.changed("customers")
    return created


def update_customer(
    bench: Bench,
    customer_id: str,
    draft: rules.CustomerDraft,
    *,
    expected_version: int | None = None,
    reason: str = "",
) -> dm.Customer:
    """Saves the draft over the customer (CustomerDraft.of(customer) and change what you need). A
    status change needs `reason` and is recorded like set_status(). With `expected_version`, a
    customer changed meanwhile (another window, another bench's sync) raises ConflictError."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    clean, errors = checked_draft(bench, draft)
    with bench.store.session() as s:
        row = _live_row(s, customer_id)
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(
                f"Customer {row.name} was changed meanwhile (version {row.version}, you edited "
                f"{expected_version}); reload and try again."
            )
        errors = _uniqueness_errors(s, clean, row.id) | errors
        current = CustomerStatus(row.status)
        if isinstance(clean.status, CustomerStatus):
            errors.update(rules.status_change_errors(current, clean.status, reason))
        if errors:
            raise FieldErrors(errors)
        target = CustomerStatus(clean.status)
        if target is not current:
            _record_status(bench, s, row, target, reason)
        for key, value in _row_values(clean).items():
            if getattr(row, key) != value:
                setattr(row, key, value)
        _flush(s, row)
        s.refresh(row, ["addresses"])
        updated = mappers.customer(row, with_addresses=True)
    bench.changed("customers")
    return updated


def _record_status(bench: Bench, s: Session, row: t.Customer, target: CustomerStatus, reason: str) -> None:
    """The status change as a timeline row and an audit entry, in the change's own transaction."""
    previous = row.status
    s.add(
        CustomerStatusChange(
            customer_id=row.id,
            previous_status=previous,
            status=target.value,
            reason=reason.strip(),
            changed_by=bench.user,
        )
    )
    audit.record(
        bench,
        AuditAction.CUSTOMER_STATUS,
        target_type="customer",
        target_id=row.id,
        details={"from": previous, "to": target.value, "reason": reason.strip()},
        session=s,
    )
    row.status = target.value


def parse_status(value: CustomerStatus | str) -> CustomerStatus:
    if isinstance(value, CustomerStatus):
        return value
    try:
        return CustomerStatus(value.strip().upper())
    except ValueError:
        raise FieldErrors({"status": f"{value!r} is not one of {', '.join(s.value for s in CustomerStatus)}"}) from None


def set_status(bench: Bench, customer_id: str, status: CustomerStatus | str, reason: str) -> dm.Customer:
    """ACTIVE / INACTIVE / BLOCKED / VIP, with why (shown on the pack screen for a BLOCKED customer).
    Setting the status a customer already has changes nothing."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    target = parse_status(status)
    with bench.store.session() as s:
        row = _live_row(s, customer_id)
        current = CustomerStatus(row.status)
        if target is not current:
            errors = rules.status_change_errors(current, target, reason)
            if errors:
                raise FieldErrors(errors)
            _record_status(bench, s, row, target, reason)
            _flush(s, row)
        s.refresh(row, ["addresses"])
        result = mappers.customer(row, with_addresses=True)
    bench.changed("customers")
    return result


def delete_customer(bench: Bench, customer_id: str) -> None:
    """Soft delete: hidden everywhere, kept with its orders and history (restore_customer undoes it)."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    with bench.store.session() as s:
        row = _live_row(s, customer_id)
        row.deleted_at = bench.clock.now()
        audit.record(bench, AuditAction.CUSTOMER_DELETE, target_type="customer", target_id=row.id, session=s)
        _flush(s, row)
    bench.changed("customers")


def restore_customer(bench: Bench, customer_id: str) -> dm.Customer:
    """Brings a soft-deleted customer back, unless merged into another or their e-mail was taken since."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    with bench.store.session() as s:
        row = s.get(t.Customer, customer_id)
        if row is None:
            raise NotFound(f"No customer with id {customer_id}.")
        if row.deleted_at is not None:
            if row.merged_into:
                raise UserError(f"Customer {row.name} was merged into customer {row.merged_into}; it cannot come back.")
            errors = _uniqueness_errors(s, rules.CustomerDraft(email=row.email, name=row.name), row.id)
            if errors:
                raise FieldErrors(errors)
            row.deleted_at = None
            audit.record(bench, AuditAction.CUSTOMER_RESTORE, target_type="customer", target_id=row.id, session=s)
            _flush(s, row)
        s.refresh(row, ["addresses"])
        result = mappers.customer(row, with_addresses=True)
    bench.changed("customers")
    return result


# ------------------------------------------------------------------------------------------- notes, log, timeline


def add_note(bench: Bench, customer_id: str, body: str, *, pinned: bool = False) -> dm.CustomerNote:
    text = body.strip()
    if not text:
        raise FieldErrors({"body": "is required"})
    if len(text) > rules.MAX_NOTE:
        raise FieldErrors({"body": f"is longer than {rules.MAX_NOTE} characters"})
    with bench.store.session() as s:
        _live_row(s, customer_id)
        row = CustomerNote(customer_id=customer_id, body=text, author=bench.user, pinned=pinned)
        s.add(row)
        s.flush()
        note = mappers.customer_note(row)
    bench.changed("customers")
    return note


def list_notes(bench: Bench, customer_id: str) -> list[dm.CustomerNote]:
    """Pinned notes first, then newest first."""
    with bench.store.session() as s:
        rows = s.scalars(
            select(CustomerNote).where(CustomerNote.customer_id == customer_id, CustomerNote.deleted_at.is_(None))
        )
        notes = [mappers.customer_note(r) for r in rows]
    return sorted(notes, key=lambda n: (n.pinned, n.created_at, n.id), reverse=True)


def _enum_field(enum: Any, value: object, name: str) -> Any:
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().upper())
    except ValueError:
        raise FieldErrors({name: f"{value!r} is not one of {', '.join(m.value for m in enum)}"}) from None


def log_communication(
    bench: Bench,
    customer_id: str,
    channel: CommunicationChannel | str,
    direction: CommunicationDirection | str,
    subject: str,
    body: str,
    occurred_at: datetime | None = None,
) -> dm.Communication:
    """One e-mail, call, SMS, chat or letter in the customer's communications log."""
    errors: dict[str, str] = {}
    try:
        chosen_channel = _enum_field(CommunicationChannel, channel, "channel")
    except FieldErrors as e:
        errors.update(e.errors)
    try:
        chosen_direction = _enum_field(CommunicationDirection, direction, "direction")
    except FieldErrors as e:
        errors.update(e.errors)
    if not subject.strip() and not body.strip():
        errors["subject"] = "say what it was about (a subject or a body)"
    if occurred_at is not None and occurred_at.tzinfo is None:
        errors["occurred_at"] = "needs a time zone"
    if errors:
        raise FieldErrors(errors)
    with bench.store.session() as s:
        _live_row(s, customer_id)
        row = CustomerCommunication(
            customer_id=customer_id,
            channel=chosen_channel.value,
            direction=chosen_direction.value,
            subject=subject.strip(),
            body=body.strip(),
            occurred_at=occurred_at or bench.clock.now(),
            author=bench.user,
        )
        s.add(row)
        s.flush()
        logged = mappers.communication(row)
    bench.changed("customers")
    return logged


def list_communications(bench: Bench, customer_id: str) -> list[dm.Communication]:
    """Newest first."""
    with bench.store.session() as s:
        rows = s.scalars(
            select(CustomerCommunication).where(
                CustomerCommunication.customer_id == customer_id, CustomerCommunication.deleted_at.is_(None)
            )
        )
        found = [mappers.communication(r) for r in rows]
    return sorted(found, key=lambda c: (c.occurred_at, c.id), reverse=True)


def status_history(bench: Bench, customer_id: str) -> list[dm.CustomerStatusChangeRecord]:
    """Newest first."""
    with bench.store.session() as s:
        rows = s.scalars(
            select(CustomerStatusChange).where(
                CustomerStatusChange.customer_id == customer_id, CustomerStatusChange.deleted_at.is_(None)
            )
        )
        found = [mappers.status_change(r) for r in rows]
    return sorted(found, key=lambda c: (c.at, c.id), reverse=True)


def timeline(bench: Bench, customer_id: str) -> list[dm.TimelineEntry]:
    """Orders, their status changes and shipments, notes, communications and the customer's status
    changes in one chronological view, newest first."""
    entries: list[dm.TimelineEntry] = []
    with bench.store.session() as s:
        row = s.get(t.Customer, customer_id)
        if row is None:
            raise NotFound(f"No customer with id {customer_id}.")
        orders = {
            o.id: o
            for o in s.scalars(select(t.Order).where(t.Order.customer_id == customer_id, t.Order.deleted_at.is_(None)))
        }
        for o in orders.values():
            entries.append(
                dm.TimelineEntry(
                    TimelineKind.ORDER,
                    o.order_date,
                    f"Order {o.order_number}",
                    f"{o.total_amount} {o.currency} · {o.status}",
                    o.id,
                )
            )
        ids = list(orders)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            history = s.scalars(
                select(t.OrderStatusHistory).where(
                    t.OrderStatusHistory.order_id.in_(chunk),
                    t.OrderStatusHistory.previous_status.is_not(None),
                    t.OrderStatusHistory.deleted_at.is_(None),
                )
            )
            for h in history:
                why = " · ".join(p for p in (h.status_details, h.notes, h.created_by) if p)
                entries.append(
                    dm.TimelineEntry(
                        TimelineKind.ORDER_STATUS,
                        h.created_at,
                        f"Order {orders[h.order_id].order_number}: {h.previous_status} → {h.status}",
                        why,
                        h.order_id,
                    )
                )
            shipments = s.scalars(
                select(t.Shipment).where(t.Shipment.order_id.in_(chunk), t.Shipment.deleted_at.is_(None))
            )
            for sh in shipments:
                entries.append(
                    dm.TimelineEntry(
                        TimelineKind.SHIPMENT,
                        sh.label_created_at or sh.created_at,
                        f"Shipment {sh.tracking_number} for {orders[sh.order_id].order_number}",
                        f"{sh.carrier} {sh.service} · {sh.status}",
                        sh.id,
                    )
                )
    for note in list_notes(bench, customer_id):
        title = f"Pinned note by {note.author}" if note.pinned else f"Note by {note.author}"
        entries.append(dm.TimelineEntry(TimelineKind.NOTE, note.created_at, title, note.body, note.id))
    for c in list_communications(bench, customer_id):
        what = c.subject or c.body.splitlines()[0][:80]
        title = f"{c.direction.value.title()} {c.channel.value.lower()}: {what}"
        entries.append(dm.TimelineEntry(TimelineKind.COMMUNICATION, c.occurred_at, title, c.body, c.id))
    for change in status_history(bench, customer_id):
        detail = " · ".join(p for p in (change.reason, change.changed_by) if p)
        title = f"Status {change.previous_status.value} → {change.status.value}"
        entries.append(dm.TimelineEntry(TimelineKind.STATUS, change.at, title, detail, change.id))
    return sorted(entries, key=lambda e: (e.at, e.kind.value, e.ref_id), reverse=True)


# ------------------------------------------------------------------------------------------- orders and packing


def refresh_order_totals(session: Session, customer_id: str) -> bool:
    """Recomputes total spent, order count, average order value and first/last order dates from the
    customer's orders, in `session`. The store does this by itself at every commit that touched an
    order (persistence/customer_totals.py); call it only to repair totals. Returns whether they changed."""
    return customer_totals.refresh(session, customer_id)


def block_reason_message(name: str, order_number: str, reason: str) -> str:
    why = reason or "no reason recorded"
    return f"Customer {name} is BLOCKED ({why}): do not ship order {order_number}; hand it to a supervisor."


def customer_block_reason(bench: Bench, order: dm.Order) -> str | None:
    """None when the order's customer may be shipped to; else the message that stops the pack flow,
    naming the customer and why they were blocked (read fresh: a block set a minute ago counts)."""
    if order.customer_id is None:
        return None
    with bench.store.session() as s:
        row = s.get(t.Customer, order.customer_id)
        if row is None or row.status != CustomerStatus.BLOCKED.value:
            return None
        reason = s.scalar(
            select(CustomerStatusChange.reason)
            .where(
                CustomerStatusChange.customer_id == row.id,
                CustomerStatusChange.status == CustomerStatus.BLOCKED.value,
                CustomerStatusChange.deleted_at.is_(None),
            )
            .order_by(CustomerStatusChange.created_at.desc(), CustomerStatusChange.id.desc())
            .limit(1)
        )
        return block_reason_message(row.name, order.order_number, reason or "")


def refuse_if_blocked(bench: Bench, order: dm.Order) -> None:
    """Raises CustomerBlocked (a UserError) when the order's customer is BLOCKED."""
    message = customer_block_reason(bench, order)
    if message is not None:
        raise CustomerBlocked(message, customer_id=order.customer_id or "")

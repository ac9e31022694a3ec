"""Shipment queries, void, reprint and tracking refresh."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shipstation_desktop.carriers.port import TrackingResult
from shipstation_desktop.devices.printer_port import PrintResult
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType, OrderStatus, ShipmentStatus
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.exception_rules import BASE_SEVERITY
from shipstation_desktop.domain.ids import tracking_event_id
from shipstation_desktop.domain.order_workflow import TrackingNews
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.domain.states import SHIPMENT_TERMINAL, SHIPMENT_TRANSITIONS
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t

from . import access, audit, order_status, packing
from . import exceptions as exc_service
from .bench import Bench
from .status import move_order, move_shipment

# How bad each exception is at first (kept importable; the rules, with escalation, are domain/exception_rules.py).
EXCEPTION_SEVERITY: dict[ExceptionType, ExceptionSeverity] = dict(BASE_SEVERITY)


def list_shipments(
    bench: Bench,
    *,
    status: ShipmentStatus | None = None,
    carrier: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    search: str = "",
    limit: int | None = None,
) -> list[dm.Shipment]:
    with bench.store.session() as s:
        q = (
            select(t.Shipment, t.Order.order_number)
            .join(t.Order, t.Order.id == t.Shipment.order_id)
            .where(t.Shipment.deleted_at.is_(None))
            .order_by(t.Shipment.created_at.desc())
        )
        if status is not None:
            q = q.where(t.Shipment.status == status.value)
        if carrier:
            q = q.where(t.Shipment.carrier == carrier)
        if since is not None:
            q = q.where(t.Shipment.created_at >= since)
        if until is not None:
            q = q.where(t.Shipment.created_at < until)
        if search.strip():
            term = f"%{search.strip()}%"
            q = q.where(or_(t.Shipment.tracking_number.ilike(term), t.Order.order_number.ilike(term)))
        if limit is not None:
            q = q.limit(limit)
        return [mappers.shipment(row, number) for row, number in s.execute(q)]


def get_shipment(bench: Bench, key: str) -> dm.Shipment:
    """By id or tracking number, with its tracking events (newest first)."""
    with bench.store.session() as s:
        row = s.scalar(
            select(t.Shipment).where(
                or_(t.Shipment.id == key, t.Shipment.tracking_number == key.strip().upper()),
                t.Shipment.deleted_at.is_(None),
            )
        )
        if row is None:
            raise NotFound(f"No shipment {key!r} on this bench.")
        events = list(
            s.scalars(
                select(t.TrackingEvent)
                .where(t.TrackingEvent.shipment_id == row.id)
                .order_by(t.TrackingEvent.timestamp.desc())
            )
        )
        return mappers.shipment(row, row.order.order_number, events)


def void(bench: Bench, key: str, reason: str = "") -> dm.Shipment:
    """Cancels the label at the carrier, then the shipment; the order goes back to the bench."""
    access.require(bench, Permission.VOID_LABELS)
    shipment = get_shipment(bench, key)
    if shipment.status is not ShipmentStatus.LABEL_CREATED:
        raise UserError(
            f"Label {shipment.tracking_number} is {shipment.status.value}; only a label the carrier has not "
            "picked up yet can be voided."
        )
    bench.carrier(shipment.carrier).void(shipment.tracking_number)
    now = bench.clock.now()
    with bench.store.session() as s:
        row = s.get_one(t.Shipment, shipment.id)
        move_shipment(row, ShipmentStatus.CANCELLED, now, reason or "label voided")
        audit.record(
            bench,
            AuditAction.LABEL_VOID,
            target_type="shipment",
            target_id=row.id,
            details={"tracking_number": row.tracking_number, "carrier": row.carrier, "reason": reason},
            session=s,
        )
        order = s.get_one(t.Order, row.order_id)
        if OrderStatus(order.status) is OrderStatus.SHIPPED:
            move_order(
                s,
                order,
                OrderStatus.PROCESSING,
                by=bench.user,
                details=f"label {row.tracking_number} voided",
                notes=reason,
                tracking_number=row.tracking_number,
                carrier=row.carrier,
            )
    bench.changed("shipments")
    return get_shipment(bench, shipment.id)


def reprint(bench: Bench, key: str) -> PrintResult:
    shipment = get_shipment(bench, key)
    if shipment.status is ShipmentStatus.CANCELLED:
        raise UserError(f"Label {shipment.tracking_number} was voided; it must not be printed again.")
    return packing.print_label(bench, shipment.id, document="reprint")


def refresh_tracking(bench: Bench, key: str) -> dm.Shipment:
    """Asks the carrier for news; new events are appended, status only moves forward."""
    shipment = get_shipment(bench, key)
    if shipment.status in SHIPMENT_TERMINAL:
        return shipment
    result = bench.carrier(shipment.carrier).track(shipment.tracking_number)
    apply_tracking(bench, shipment.id, result, source="carrier")
    return get_shipment(bench, shipment.id)


def apply_tracking(bench: Bench, shipment_id: str, result: TrackingResult, source: str) -> int:
    """Stores new events (insert-or-ignore by deterministic id) and moves statuses forward.

    Returns how many events were new. Exception events raise supervisor exceptions once each.
    """
    new_exceptions: list[tuple[ExceptionType, str]] = []
    with bench.store.session() as s:
        row = s.get_one(t.Shipment, shipment_id)
        known = set(s.scalars(select(t.TrackingEvent.id).where(t.TrackingEvent.shipment_id == shipment_id)))
        added = 0
        fresh: list[TrackingNews] = []
        for ev in sorted(result.events, key=lambda e: e.time):
            event_id = tracking_event_id(row.carrier, row.tracking_number, ev.time, ev.code)
            if event_id in known:
                continue
            known.add(event_id)
            added += 1
            fresh.append(TrackingNews(ev.status, ev.exception, ev.time, ev.description, event_id))
            s.add(
                t.TrackingEvent(
                    id=event_id,
                    shipment_id=shipment_id,
                    status=ev.status.value,
                    description=ev.description,
                    location=ev.location,
                    timestamp=ev.time,
                    carrier_code=ev.code,
                    exception_type=ev.exception.value if ev.exception else None,
                )
            )
            if ev.exception is not None:
                new_exceptions.append((ev.exception, f"{ev.description} ({ev.location})".strip()))
            _advance(s, row, ev.status, ev.time, source)
        _advance(s, row, result.status, bench.clock.now(), source)
        # Only real changes are written: each UPDATE of a synced row becomes a mutation for the center.
        if result.estimated_delivery and row.estimated_delivery != result.estimated_delivery:
            row.estimated_delivery = result.estimated_delivery
        if result.estimated_delivery and row.promised_delivery is None:
            row.promised_delivery = result.estimated_delivery  # the first promise is what on-time means
        if result.delivered_at and row.actual_delivery != result.delivered_at:
            row.actual_delivery = result.delivered_at
        if result.signed_by and row.delivery_signature != result.signed_by:
            row.delivery_signature = result.signed_by[:200]
        if result.proof_url and row.delivery_photo != result.proof_url:
            row.delivery_photo = result.proof_url[:500]
        order_status.follow_tracking(bench, s, row, fresh, source)  # after the ETA update: overdue = delayed
        order_id, tracking = row.order_id, row.tracking_number
    for kind, text in new_exceptions:
        exc_service.raise_exception(
            bench,
            type=kind,
            severity=EXCEPTION_SEVERITY[kind],
            description=f"{tracking}: {text}",
            shipment_id=shipment_id,
            order_id=order_id,
        )
    if added:
        bench.changed("shipments")
    return added


def _advance(s: Session, row: t.Shipment, target: ShipmentStatus, at: datetime, source: str) -> None:
    current = ShipmentStatus(row.status)
    if target == current or target not in SHIPMENT_TRANSITIONS[current]:
        return  # stale or backwards news never moves a shipment back
    move_shipment(row, target, at, f"from {source}")
    # The order follows once per batch of news, in order_status.follow_tracking (one history row, not one per scan).

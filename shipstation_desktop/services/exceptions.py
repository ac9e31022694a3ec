"""Supervisor exceptions: raised by the flow and by tracking, resolved with a note (the queue itself:
assigning, notes, filters, counts, lives in services/exception_queue.py)."""

from __future__ import annotations

from sqlalchemy import select

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t

from . import access, audit, exception_queue
from .bench import Bench

_SEVERITY_ORDER = {s: i for i, s in enumerate(reversed(list(ExceptionSeverity)))}


def raise_exception(
    bench: Bench,
    *,
    type: ExceptionType,
    description: str,
    severity: ExceptionSeverity | None = None,
    shipment_id: str | None = None,
    order_id: str | None = None,
    subject: str | None = None,
) -> dm.ShipmentException:
    """Raises a supervisor exception; severity by domain/exception_rules.py (a given one is a floor), and
    the same open problem is reported again rather than twice (services/exception_queue.py)."""
    return exception_queue.raise_problem(
        bench,
        type=type,
        description=description,
        shipment_id=shipment_id,
        order_id=order_id,
        severity=severity,
        subject=subject,
    )


def list_exceptions(
    bench: Bench,
    *,
    open_only: bool = False,
    severity: ExceptionSeverity | None = None,
    limit: int | None = None,
) -> list[dm.ShipmentException]:
    """Most severe first, then oldest first: the queue a supervisor works down."""
    with bench.store.session() as s:
        q = (
            select(t.ShipmentException, t.Order.order_number, t.Shipment.tracking_number)
            .outerjoin(t.Order, t.Order.id == t.ShipmentException.order_id)
            .outerjoin(t.Shipment, t.Shipment.id == t.ShipmentException.shipment_id)
            .where(t.ShipmentException.deleted_at.is_(None))
        )
        if open_only:
            q = q.where(t.ShipmentException.resolved_at.is_(None))
        if severity is not None:
            q = q.where(t.ShipmentException.severity == severity.value)
        rows = [mappers.exception(e, o or "", tn or "") for e, o, tn in s.execute(q)]
    rows.sort(key=lambda e: (e.resolved_at is not None, _SEVERITY_ORDER[e.severity], e.created_at))
    return rows[:limit] if limit is not None else rows


def resolve(bench: Bench, exception_id: str, resolution: str, by: str | None = None) -> dm.ShipmentException:
    access.require(bench, Permission.RESOLVE_EXCEPTIONS)
    text = resolution.strip()
    if not text:
        raise UserError("Write what was done to resolve the exception.")
    with bench.store.session() as s:
        row = s.get(t.ShipmentException, exception_id)
        if row is None or row.deleted_at is not None:
            raise NotFound(f"No exception {exception_id}.")
        if row.resolved_at is not None:
            raise UserError(f"Exception {exception_id} was already resolved by {row.resolved_by or 'someone'}.")
        row.resolution = text
        row.resolved_at = bench.clock.now()
        row.resolved_by = by or bench.user
        s.flush()
        audit.record(
            bench,
            AuditAction.EXCEPTION_RESOLVE,
            target_type="exception",
            target_id=row.id,
            details={"type": row.type, "resolved_by": row.resolved_by},
            session=s,
        )
        result = mappers.exception(row)
    bench.changed("exceptions")
    return result


def open_counts(bench: Bench) -> dict[ExceptionSeverity, int]:
    return exception_queue.open_counts(bench)

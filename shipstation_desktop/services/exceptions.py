"""Supervisor exceptions: raised by the flow and by tracking, resolved with a note."""

from __future__ import annotations

from sqlalchemy import select

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t

from .bench import Bench

_SEVERITY_ORDER = {s: i for i, s in enumerate(reversed(list(ExceptionSeverity)))}


def raise_exception(
    bench: Bench,
    *,
    type: ExceptionType,
    severity: ExceptionSeverity,
    description: str,
    shipment_id: str | None = None,
    order_id: str | None = None,
) -> dm.ShipmentException:
    with bench.store.session() as s:
        row = t.ShipmentException(
            shipment_id=shipment_id,
            order_id=order_id,
            type=type.value,
            severity=severity.value,
            description=description,
        )
        s.add(row)
        s.flush()
        result = mappers.exception(row)
    bench.changed("exceptions")
    return result


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
        result = mappers.exception(row)
    bench.changed("exceptions")
    return result


def open_counts(bench: Bench) -> dict[ExceptionSeverity, int]:
    counts = {s: 0 for s in ExceptionSeverity}
    for e in list_exceptions(bench, open_only=True):
        counts[e.severity] += 1
    return counts

"""The order status engine (seed 002): manual changes with optimistic locking, the history, and what
carrier tracking does to an order (delivered, delayed, exception, returned, failed delivery attempts).

Every change goes through move_order, so it writes an order_status_history row (actor, source, reason,
time) in the same transaction; the outbox and the notification hook (services/notifications.py) see that
row in the same flush, so the change, its sync mutation and the customer's notifications commit together.

The active workflow (settings.order_workflow) governs the changes made here: by hand and from tracking.
The pack flow's own moves (processing/shipped when a label is bought, back to processing on a void) keep
the built-in rules: refusing them after the carrier has charged would lose a paid label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import OrderStatus, ShipmentStatus
from shipstation_desktop.domain.errors import ConflictError, NotFound, UserError
from shipstation_desktop.domain.order_workflow import (
    SYSTEM_ACTOR,
    StatusSource,
    TrackingNews,
    Workflow,
    conflict_message,
    failed_attempts,
    order_target,
)
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t

from . import jsonview as jv
from . import workflows
from .bench import Bench
from .orders import history_rows, load_order_row, normalize_scan
from .status import move_order


@dataclass(frozen=True, slots=True)
class OrderStatusView:
    """An order with what the status engine knows about it."""

    order: dm.Order
    delivery_attempts: int
    workflow: str
    next_statuses: tuple[OrderStatus, ...]

    def as_json(self) -> dict[str, Any]:
        data = jv.order(self.order)
        data.update(
            version=self.order.version,
            delivery_attempts=self.delivery_attempts,
            workflow=self.workflow,
            next_statuses=[s.value for s in self.next_statuses],
            history=[history_json(h) for h in self.order.history],
        )
        return data


def history_json(h: dm.OrderStatusChange) -> dict[str, Any]:
    return {
        "id": h.id,
        "status": h.status.value,
        "previous_status": h.previous_status.value if h.previous_status else None,
        "actor": h.created_by,
        "source": h.source,
        "reason": h.notes,
        "details": h.status_details,
        "tracking_number": h.tracking_number or None,
        "carrier": h.carrier or None,
        "at": h.created_at.isoformat(),
    }


def _row(s: Session, order_number: str) -> t.Order:
    row = load_order_row(s, normalize_scan(order_number))
    if row is None:
        raise NotFound(f"No order {order_number.strip()!r} on this bench.")
    return row


def _view(s: Session, row: t.Order, workflow: Workflow) -> OrderStatusView:
    status = OrderStatus(row.status)
    ordered = [st for st in OrderStatus if workflow.allows(status, st)]
    return OrderStatusView(
        mappers.order(row, history_rows(s, row.id)), row.delivery_attempts, workflow.name, tuple(ordered)
    )


def get(bench: Bench, order_number: str) -> OrderStatusView:
    workflow = workflows.active(bench)
    with bench.store.session() as s:
        return _view(s, _row(s, order_number), workflow)


def history(bench: Bench, order_number: str) -> list[dm.OrderStatusChange]:
    return list(get(bench, order_number).order.history)


def change_status(
    bench: Bench,
    order_number: str,
    status: OrderStatus,
    reason: str,
    actor: str | None = None,
    source: StatusSource = StatusSource.BENCH,
    expected_version: int | None = None,
) -> OrderStatusView:
    """Moves one order by hand (or for an integration), refusing what the active workflow forbids.

    expected_version: the version the caller last saw; a different one means someone else changed the
    order since, and the caller must reload rather than overwrite. Without it, a change that lands
    between this read and this write is still caught (the UPDATE checks the version).
    """
    if source is StatusSource.BENCH and not reason.strip():
        raise UserError("Say why the status changes (a reason is required for changes made at the bench).")
    workflow = workflows.active(bench)
    number = normalize_scan(order_number)
    try:
        with bench.store.session() as s:
            row = _row(s, number)
            current = OrderStatus(row.status)
            if expected_version is not None and row.version != expected_version:
                raise ConflictError(conflict_message(row.order_number, row.version, current))
            if current is status:
                raise UserError(f"order {row.order_number} is already {status.value}")
            move_order(
                s,
                row,
                status,
                by=actor or bench.user,
                source=source.value,
                notes=reason.strip(),
                details="set by hand" if source is StatusSource.BENCH else "",
                workflow=workflow,
            )
            s.flush()
            view = _view(s, row, workflow)
    except StaleDataError:
        raise _conflict(bench, number) from None
    bench.changed("orders")
    return view


def _conflict(bench: Bench, order_number: str) -> ConflictError:
    with bench.store.session() as s:
        row = _row(s, order_number)
        return ConflictError(conflict_message(row.order_number, row.version, OrderStatus(row.status)))


def follow_tracking(
    bench: Bench, s: Session, shipment: t.Shipment, news: Sequence[TrackingNews], source: str
) -> OrderStatus | None:
    """Inside apply_tracking's transaction: counts failed delivery attempts among the NEW events (each
    event id is stored once, so the poller and a webhook reporting the same event count it once) and
    moves the order where the tracking takes it, if the active workflow allows. Returns the new status."""
    order = s.get_one(t.Order, shipment.order_id)
    attempts = failed_attempts(news)
    if attempts:
        order.delivery_attempts = (order.delivery_attempts or 0) + attempts
    if ShipmentStatus(shipment.status) is ShipmentStatus.CANCELLED or shipment.superseded_by:
        return None  # a voided or losing label's news says nothing about the order any more
    # A scan that arrives late (older than one already stored) is kept but does not move the order back.
    fresh_ids = [n.event_id for n in news if n.event_id]
    newest_before = s.scalar(
        select(func.max(t.TrackingEvent.timestamp)).where(
            t.TrackingEvent.shipment_id == shipment.id, t.TrackingEvent.id.not_in(fresh_ids)
        )
    )
    news = [n for n in news if newest_before is None or n.time >= newest_before]
    workflow = workflows.active(bench)
    move = order_target(
        OrderStatus(order.status),
        news,
        shipment_status=ShipmentStatus(shipment.status),
        eta=shipment.estimated_delivery,
        now=bench.clock.now(),
        workflow=workflow,
    )
    if move is None:
        return None
    target, reason = move
    move_order(
        s,
        order,
        target,
        by=SYSTEM_ACTOR,
        source=source,
        notes=reason[:1000],
        details=max(news, key=lambda n: n.time).description if news else "",
        tracking_number=shipment.tracking_number,
        carrier=shipment.carrier,
        workflow=workflow,
    )
    return target

"""Moving orders and shipments through their state machines, with history rows, inside a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shipstation_desktop.domain.enums import OrderStatus, ShipmentStatus
from shipstation_desktop.domain.order_workflow import DEFAULT_WORKFLOW, Workflow
from shipstation_desktop.domain.states import check_shipment_transition
from shipstation_desktop.persistence import tables as t


def move_order(
    session: Session,
    order: t.Order,
    target: OrderStatus,
    *,
    by: str,
    source: str = "bench",
    details: str = "",
    tracking_number: str = "",
    carrier: str = "",
    notes: str = "",
    workflow: Workflow | None = None,
) -> None:
    current = OrderStatus(order.status)
    # The bench's active workflow when the caller has it (services/workflows.py), else the built-in one.
    (workflow or DEFAULT_WORKFLOW).check(current, target, f"order {order.order_number}")
    order.status = target.value
    session.add(
        t.OrderStatusHistory(
            order_id=order.id,
            status=target.value,
            previous_status=current.value,
            status_details=details,
            tracking_number=tracking_number,
            carrier=carrier,
            notes=notes,
            created_by=by,
            source=source,
        )
    )


def move_shipment(shipment: t.Shipment, target: ShipmentStatus, at: datetime, note: str = "") -> None:
    check_shipment_transition(ShipmentStatus(shipment.status), target)
    shipment.status = target.value
    shipment.last_status_update = at
    # Seed 000 keeps a JSON status history on the shipment; reassign so the change is detected.
    shipment.status_history = [
        *shipment.status_history,
        {"status": target.value, "at": at.isoformat(), "note": note},
    ]

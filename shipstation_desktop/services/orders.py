"""Order queries and the scan lookup."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.store import Store

_SCAN_NOISE = re.compile(r"^[*#\s]+|[*\s]+$")


def normalize_scan(code: str) -> str:
    """What a scanner or a person typed, reduced to an order number.

    Scanners add Code 39 start/stop asterisks, people type '#1001', and some marketplaces print the
    number with a prefix such as 'ORD:'. Case does not matter.
    """
    cleaned = _SCAN_NOISE.sub("", code.strip())
    for prefix in ("ORD:", "ORDER:"):
        if cleaned.upper().startswith(prefix):
            cleaned = cleaned[len(prefix) :]
    return cleaned.strip().upper()


def load_order_row(session: Session, order_number: str) -> t.Order | None:
    return session.scalar(
        select(t.Order)
        .options(selectinload(t.Order.lines), selectinload(t.Order.customer))
        .where(t.Order.order_number == order_number, t.Order.deleted_at.is_(None))
    )


def find_by_scan(store: Store, code: str) -> dm.Order:
    number = normalize_scan(code)
    if not number:
        raise UserError("Nothing was scanned.")
    with store.session() as s:
        row = load_order_row(s, number)
        if row is None:
            raise NotFound(f"No order {code.strip()!r} on this bench. Check the slip or scan again.")
        hist = history_rows(s, row.id)
        return mappers.order(row, hist)


def history_rows(session: Session, order_id: str) -> list[t.OrderStatusHistory]:
    return list(
        session.scalars(
            select(t.OrderStatusHistory)
            .where(t.OrderStatusHistory.order_id == order_id)
            .order_by(t.OrderStatusHistory.created_at, t.OrderStatusHistory.id)
        )
    )


def list_orders(
    store: Store, status: OrderStatus | None = None, limit: int | None = None, search: str = ""
) -> list[dm.Order]:
    with store.session() as s:
        q = (
            select(t.Order)
            .options(selectinload(t.Order.lines), selectinload(t.Order.customer))
            .where(t.Order.deleted_at.is_(None))
            .order_by(t.Order.order_date.desc(), t.Order.order_number)
        )
        if status is not None:
            q = q.where(t.Order.status == status.value)
        if search:
            q = q.where(t.Order.order_number.contains(normalize_scan(search)))
        if limit is not None:
            q = q.limit(limit)
        return [mappers.order(r) for r in s.scalars(q)]

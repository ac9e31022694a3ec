"""A customer's order totals (total spent, order count, average order value, first and last order date)
kept consistent with their orders, whichever code writes the orders.

One place for the local writes: a session hook. Every flush notes the customers of orders that were
added, re-priced, re-dated, cancelled, moved to another customer or deleted; just before the
transaction commits, those customers' totals are computed again from their orders and written in the
same transaction (so they sync with the change that caused them). The demo seed, the pack flow,
`orders status` and the customer merge all write orders through the ORM and need nothing else.

The one other writer is the sync pull, which applies the center's rows with Core in a remote session
(sync/local_apply.py): it calls `customers_of_orders` before and `refresh_many` after applying a page.
There the totals are written without a version bump or an outbox row: they are derived data that
every bench computes from the same orders, not a change of this bench to push.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, bindparam, event, inspect, select, update
from sqlalchemy.orm import Session, UOWTransaction

from shipstation_desktop.domain.customer_rules import OrderTotals, order_totals

from . import tables as t
from .outbox import REMOTE

PENDING = "customer_totals.pending"  # session.info key: customer ids whose totals must be refreshed
# Order columns that change a customer's totals.
_WATCHED = ("customer_id", "total_amount", "status", "order_date", "deleted_at")
_CHUNK = 500  # SQLite's bound-parameter limit, with room to spare
FIELDS = ("total_spent", "order_count", "average_order_value", "first_order_date", "last_order_date")


def compute(conn: Connection | Session, customer_ids: Iterable[str]) -> dict[str, OrderTotals]:
    """Each customer's totals from their live orders (a customer without orders gets zeros)."""
    ids = list(dict.fromkeys(customer_ids))
    rows: dict[str, list[tuple[Decimal, datetime, str]]] = {cid: [] for cid in ids}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        q = select(t.Order.customer_id, t.Order.total_amount, t.Order.order_date, t.Order.status).where(
            t.Order.customer_id.in_(chunk), t.Order.deleted_at.is_(None)
        )
        for cid, amount, when, status in conn.execute(q):
            rows[str(cid)].append((amount, when, status))
    return {cid: order_totals(orders) for cid, orders in rows.items()}


def _values(totals: OrderTotals) -> dict[str, Any]:
    return {name: getattr(totals, name) for name in FIELDS}


def refresh(session: Session, customer_id: str) -> bool:
    """Recomputes one customer's totals in the session (an ORM write: versioned, synced). Returns
    whether anything changed; an unchanged customer is not touched (no version bump, no outbox row)."""
    session.flush()
    row = session.get(t.Customer, customer_id)
    if row is None:
        return False
    wanted = _values(compute(session, [customer_id])[customer_id])
    changed = False
    for name, value in wanted.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def customers_of_orders(conn: Connection, order_ids: Iterable[str]) -> set[str]:
    """The customers these orders belong to now (before a pull moves them elsewhere)."""
    ids = list(order_ids)
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(
            cid for cid in conn.scalars(select(t.Order.customer_id).where(t.Order.id.in_(chunk))) if cid is not None
        )
    return found


def refresh_many(conn: Connection, customer_ids: Iterable[str]) -> int:
    """Core refresh for the sync pull: only the customers whose totals differ are updated, and their
    version, updated_at and outbox are left alone. Returns how many were updated."""
    ids = [cid for cid in dict.fromkeys(customer_ids) if cid]
    totals = compute(conn, ids)
    current: dict[str, dict[str, Any]] = {}
    cols = [getattr(t.Customer, name) for name in FIELDS]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in conn.execute(select(t.Customer.id, *cols).where(t.Customer.id.in_(chunk))):
            current[row[0]] = dict(zip(FIELDS, row[1:], strict=True))
    stale = [{"_id": cid, **_values(totals[cid])} for cid, values in current.items() if values != _values(totals[cid])]
    if stale:
        table = t.Customer.__table__
        assert isinstance(table, Table)
        stmt = update(table).where(table.c.id == bindparam("_id")).values({n: bindparam(n) for n in FIELDS})
        conn.execute(stmt, stale)
    return len(stale)


def _note_orders(session: Session, flush_context: UOWTransaction) -> None:
    """after_flush: remembers whose totals this flush may have changed."""
    if session.info.get(REMOTE):
        return
    pending: set[str] = session.info.setdefault(PENDING, set())
    for obj in session.new:
        if isinstance(obj, t.Order) and obj.customer_id:
            pending.add(obj.customer_id)
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, t.Order):
            continue
        state = inspect(obj)
        history = [state.attrs[name].history for name in _WATCHED]
        if obj in session.deleted or any(h.has_changes() for h in history):
            customer = state.attrs["customer_id"].history
            pending.update(cid for cid in (*customer.deleted, *customer.unchanged, *customer.added) if cid)


def _refresh_pending(session: Session) -> None:
    """before_commit: the noted customers' totals, written in the transaction about to commit."""
    if session.info.get(REMOTE):
        return
    # The commit flushes after this hook: flush now, so what only that flush writes is noted too.
    session.flush()
    pending: set[str] = session.info.pop(PENDING, set())
    for customer_id in sorted(pending):
        refresh(session, customer_id)


def install(session_factory: Any) -> None:
    """Attach the hooks to a sessionmaker. A rolled-back session is thrown away with its notes (a
    customer noted in a rolled-back savepoint is merely refreshed for nothing)."""
    event.listen(session_factory, "after_flush", _note_orders)
    event.listen(session_factory, "before_commit", _refresh_pending)

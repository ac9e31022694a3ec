"""Applying the center's rows to the bench's SQLite store: typed back from JSON, written with Core
in a remote session (no outbox echo), in the same transaction that stores the pull position."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from shipstation_desktop.persistence import customer_totals
from shipstation_desktop.persistence.tables import SYNCED_TABLES, LocalMeta, Outbox
from shipstation_desktop.persistence.types import DecimalText, UTCDateTime

from .port import Change, Cursor

CURSOR_KEY = "sync.cursor"
TABLES: dict[str, Table] = {m.__tablename__: m.__table__ for m in SYNCED_TABLES}
# Rows written once and never changed (the audit log, whose triggers refuse UPDATE): a row the bench
# already has, its own coming back from the center included, is left as it is.
APPEND_ONLY = frozenset(m.__tablename__ for m in SYNCED_TABLES if getattr(m, "__append_only__", False))


def _typed(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """Only the columns this bench's schema has; JSON text back to datetimes and decimals."""
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.name not in data:
            continue
        value = data[col.name]
        if value is not None:
            if isinstance(col.type, UTCDateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(col.type, DecimalText):
                value = Decimal(str(value))
        out[col.name] = value
    return out


def pending_ids(s: Session) -> set[tuple[str, str]]:
    """Rows with local changes the center has not confirmed: a pull must not overwrite them (the
    push that follows brings the center's merge back as a new change)."""
    return {(e, i) for e, i in s.execute(select(Outbox.entity, Outbox.entity_id).where(Outbox.sent_at.is_(None)))}


def read_cursor(s: Session) -> Cursor:
    return Cursor.decode(s.scalar(select(LocalMeta.value).where(LocalMeta.key == CURSOR_KEY)))


def apply_changes(s: Session, changes: list[Change], cursor: Cursor) -> set[str]:
    """Upserts the rows and moves the cursor, all in the caller's transaction. Returns the entities
    touched (for the GUI to refresh)."""
    # The cursor is written first: that write opens the SQLite transaction. Python's sqlite3 runs
    # statements before the first write in autocommit mode, and every autocommit statement (the
    # SELECTs below) ends a transaction, which switches defer_foreign_keys off again.
    s.merge(LocalMeta(key=CURSOR_KEY, value=cursor.encode()))
    s.flush()
    conn = s.connection()
    # The page is applied as a whole: parents may follow children in it, checked at commit.
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    skip = pending_ids(s)
    touched: set[str] = set()
    # Rows that no longer claim a unique slot (tombstones, merged customers, superseded labels) go
    # first: the rows that replace them may come earlier in the log than the change that freed the slot.
    retired = [bool(c.data.get("deleted_at") or c.data.get("superseded_by")) for c in changes]
    ordered = [c for c, r in zip(changes, retired, strict=True) if r] + [
        c for c, r in zip(changes, retired, strict=True) if not r
    ]
    live = [c for c in ordered if c.entity in TABLES and (c.entity, c.entity_id) not in skip]
    existing: set[tuple[str, str]] = set()
    # The customers whose orders a pulled change may take away: their totals are computed again after.
    customers: set[str | None] = set(
        customer_totals.customers_of_orders(conn, (c.entity_id for c in live if c.entity == "orders"))
    )
    by_table: dict[str, list[str]] = {}
    for c in live:
        by_table.setdefault(c.entity, []).append(c.entity_id)
    for entity, ids in by_table.items():
        table = TABLES[entity]
        for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            chunk = ids[start : start + 500]
            existing.update((entity, i) for i in conn.scalars(select(table.c.id).where(table.c.id.in_(chunk))))
    # Consecutive changes of one table, kind and column set go as one executemany; the log's order
    # (retired rows first) is kept exactly.
    run: list[dict[str, Any]] = []
    run_key: tuple[str, bool, tuple[str, ...]] | None = None
    for change in live:
        is_update = (change.entity, change.entity_id) in existing
        if is_update and change.entity in APPEND_ONLY:
            continue
        values = _typed(TABLES[change.entity], change.data)
        values["version"] = change.version
        existing.add((change.entity, change.entity_id))  # a second change of the row in this page updates
        key = (change.entity, is_update, tuple(sorted(values)))
        if key != run_key and run:
            _flush(conn, run_key, run)  # type: ignore[arg-type]
            run = []
        run_key = key
        if is_update:
            values["_id"] = change.entity_id
        run.append(values)
        touched.add(change.entity)
    if run:
        _flush(conn, run_key, run)  # type: ignore[arg-type]
    if "orders" in touched or "customers" in touched:
        # Derived, never pushed: each bench computes them from the orders it has (persistence/customer_totals.py).
        customers.update(c.data.get("customer_id") for c in live if c.entity == "orders")
        customers.update(c.entity_id for c in live if c.entity == "customers")
        customer_totals.refresh_many(conn, (cid for cid in customers if isinstance(cid, str)))
    return touched


def _flush(conn: Any, key: tuple[str, bool, tuple[str, ...]], rows: list[dict[str, Any]]) -> None:
    entity, is_update, columns = key
    table = TABLES[entity]
    if is_update:
        stmt = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
        conn.execute(stmt, rows)
    else:
        conn.execute(insert(table), rows)

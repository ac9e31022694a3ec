"""Writes an outbox row for every change to a synced row, inside the flush that makes the change.

Hooked on the Session, so no service can forget it: the outbox is complete by construction.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from shipstation_desktop.domain.clock import Clock
from shipstation_desktop.domain.ids import uuid7

from .tables import Outbox, Synced

# session.info[REMOTE] = True marks a session that applies changes pulled from the center.
REMOTE = "remote"


# PostgreSQL's jsonb refuses NUL and lone surrogates; one such character from a pasted or imported
# text would fail the whole push batch at the center, so they never enter a mutation.
_UNSENDABLE = re.compile("[\x00\ud800-\udfff]")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSENDABLE.sub("", value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, str | dict | list):
        return _clean(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def row_payload(obj: Synced) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {attr.key: _json_value(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def _touched_columns(obj: Synced) -> list[str]:
    """Columns this flush writes. Any of them means an UPDATE, and so a version bump."""
    state = inspect(obj)
    return sorted(
        attr.key
        for attr in state.mapper.column_attrs
        if attr.key != "version" and state.attrs[attr.key].history.has_changes()
    )


def _stamp(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    if session.info.get(REMOTE):
        return  # rows from the center keep the center's stamps
    clock: Clock = session.info["clock"]
    now = clock.now()
    for obj in session.new:
        if isinstance(obj, Synced):
            if obj.created_at is None:
                obj.created_at = now
            obj.updated_at = now
            if not obj.bench_id:
                obj.bench_id = session.info["bench_id"]
            if obj.id is None:
                obj.id = uuid7()
    for obj in session.dirty:
        if isinstance(obj, Synced) and session.is_modified(obj, include_collections=False):
            obj.updated_at = now


def _record(session: Session, flush_context: UOWTransaction) -> None:
    if session.info.get(REMOTE):
        return  # applying the center's truth must not echo it back as local mutations
    rows: list[dict[str, Any]] = []
    clock: Clock = session.info["clock"]
    now = clock.now()
    for obj in session.new:
        if isinstance(obj, Synced):
            rows.append(_mutation(obj, "insert", None, [], now))
    for obj in session.dirty:
        if isinstance(obj, Synced):
            touched = _touched_columns(obj)
            if not touched:
                continue
            # Queued even when only updated_at moved: the UPDATE bumps the version here, so the
            # center must see it too or this bench's version drifts from the center's for good.
            changed = [c for c in touched if c != "updated_at"]
            tombstone = "deleted_at" in changed and obj.deleted_at is not None
            rows.append(_mutation(obj, "delete" if tombstone else "update", obj.version - 1, changed, now))
    for obj in session.deleted:
        if isinstance(obj, Synced):
            rows.append(_mutation(obj, "delete", obj.version, [], now))
    if not rows:
        return
    conn = session.connection()
    # seq gives replay order; ids are random past the millisecond, so they cannot.
    next_seq = (conn.execute(select(func.max(Outbox.seq))).scalar() or 0) + 1
    for i, row in enumerate(rows):
        row["seq"] = next_seq + i
    conn.execute(insert(Outbox), rows)


def _mutation(obj: Synced, op: str, base: int | None, changed: list[str], now: datetime) -> dict[str, Any]:
    return {
        "id": uuid7(),
        "entity": type(obj).__tablename__,  # type: ignore[attr-defined]
        "entity_id": obj.id,
        "op": op,
        "base_version": base,
        "payload": row_payload(obj),
        "changed": changed,
        "created_at": now,
        "sent_at": None,
        "attempts": 0,
        "last_error": "",
    }


def install(session_factory: Any) -> None:
    """Attach the outbox hooks to a sessionmaker (or Session class)."""
    event.listen(session_factory, "before_flush", _stamp)
    event.listen(session_factory, "after_flush", _record)

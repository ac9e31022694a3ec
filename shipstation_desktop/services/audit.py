"""Appending to the audit log and reading it back (the log itself: persistence/audit_tables.py).

Entries are written in the caller's transaction when there is one (a merge and its audit row commit
together), and sync to the center like any synced row. They name what was seen or done, never the
personal data itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shipstation_desktop.domain.audit import AuditAction, AuditRecord
from shipstation_desktop.persistence.audit_tables import AuditEntry

from .bench import Bench


def record(
    bench: Bench,
    action: AuditAction,
    *,
    target_type: str = "",
    target_id: str = "",
    details: Mapping[str, Any] | None = None,
    session: Session | None = None,
    user: str | None = None,
) -> None:
    """One audit row for the bench's current user; in `session` if given, else in its own commit.

    `user` names another actor: a log-in attempt is made by the name typed, not by whoever was
    logged in before."""
    row = AuditEntry(
        at=bench.clock.now(),
        user=bench.user if user is None else user,
        bench_name=bench.settings.bench_name,
        action=action.value,
        target_type=target_type,
        target_id=target_id,
        details=dict(details or {}),
    )
    if session is not None:
        session.add(row)
        return
    with bench.store.session() as s:
        s.add(row)


def entries(
    bench: Bench,
    *,
    user: str | None = None,
    action: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    limit: int = 500,
) -> list[AuditRecord]:
    """Newest first."""
    q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if user:
        q = q.where(AuditEntry.user == user)
    if action:
        q = q.where(AuditEntry.action == action)
    if target_id:
        q = q.where(AuditEntry.target_id == target_id)
    if since is not None:
        q = q.where(AuditEntry.at >= since)
    with bench.store.session() as s:
        return [
            AuditRecord(
                id=r.id,
                at=r.at,
                user=r.user,
                bench_id=r.bench_id,
                bench_name=r.bench_name,
                action=r.action,
                target_type=r.target_type,
                target_id=r.target_id,
                details=dict(r.details or {}),
            )
            for r in s.scalars(q)
        ]

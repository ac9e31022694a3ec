"""The append-only audit log: privileged actions and every view of a customer's PII.

It syncs (the center keeps every bench's log); locally, triggers refuse UPDATE and DELETE (migration
0012), so not even a bug in this program can rewrite history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, Synced


class AuditEntry(Synced, Base):
    __tablename__ = "audit_log"
    __append_only__ = True  # sync never updates a row it already has (sync/local_apply.py)

    at: Mapped[datetime]
    user: Mapped[str] = mapped_column(String(120))
    bench_name: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(64))  # domain.audit.AuditAction value
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    # What was seen or changed, never the PII itself: field names, counts, reasons.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_target", "target_type", "target_id"),
        Index("ix_audit_log_user", "user"),
    )

"""The audit log as admins read it (the GUI's viewer and `audit list`): reading it is itself audited."""

from __future__ import annotations

from datetime import datetime

from shipstation_desktop.domain.audit import AuditAction, AuditRecord
from shipstation_desktop.domain.roles import Permission

from . import access, audit
from .bench import Bench


def view(
    bench: Bench,
    *,
    user: str | None = None,
    action: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    limit: int = 500,
) -> list[AuditRecord]:
    """Newest first. Raises PermissionDenied for anyone who may not see the audit log."""
    access.require(bench, Permission.VIEW_AUDIT)
    rows = audit.entries(bench, user=user, action=action, target_id=target_id, since=since, limit=limit)
    filters = {"user": user, "action": action, "target_id": target_id, "since": since.isoformat() if since else None}
    audit.record(
        bench,
        AuditAction.AUDIT_VIEW,
        details={"filters": {k: v for k, v in filters.items() if v}, "rows": len(rows)},
    )
    return rows

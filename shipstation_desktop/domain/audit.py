"""What the audit log records: privileged actions and every view of a customer's PII."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    # Views of personal data (who looked at whose e-mail, phone, address, and how).
    PII_VIEW = "pii.view"  # one customer's PII shown (detail screen, `customers show`)
    PII_LIST = "pii.list"  # PII of several customers shown at once (search results, list, export)
    PII_EXPORT = "pii.export"  # a GDPR export or CSV export written to disk
    # Customer changes that matter to privacy or money.
    CUSTOMER_ERASE = "customer.erase"
    CUSTOMER_MERGE = "customer.merge"
    CUSTOMER_STATUS = "customer.status"
    CUSTOMER_DELETE = "customer.delete"
    CUSTOMER_RESTORE = "customer.restore"  # a soft-deleted customer brought back
    CUSTOMER_IMPORT = "customer.import"
    PII_KEY_ROTATE = "pii.key_rotate"
    ADDRESS_OVERRIDE = "address.override"
    # Bench operations only some roles may do.
    LABEL_VOID = "label.void"
    EXCEPTION_RESOLVE = "exception.resolve"
    SETTINGS_CHANGE = "settings.change"
    USER_ADD = "user.add"
    USER_CHANGE = "user.change"
    USER_LOCKED = "user.locked"
    LOGIN = "user.login"
    LOGIN_FAILED = "user.login_failed"
    LOGOUT = "user.logout"  # logged out, switched user or locked after idle (details.reason)
    AUDIT_VIEW = "audit.view"  # an admin read the audit log (details: the filters)
    PERMISSION_DENIED = "permission.denied"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: str
    at: datetime
    user: str
    bench_id: str
    bench_name: str
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any] = field(default_factory=dict)

"""Who may do what at a bench: three roles, the permissions each holds (data, not code), and the
account of the person logged in.

Packers ship, print, weigh and list; supervisors also work the exception queue, void labels and
see customers' personal data; admins also manage users, settings, erasure and exports. Each role
holds everything the one below it holds (a test keeps it so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from .errors import UserError


class Role(StrEnum):
    PACKER = "packer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(StrEnum):
    SHIP = "ship"
    PRINT = "print"
    WEIGH = "weigh"
    LIST = "list"
    VIEW_PII = "view_pii"
    EDIT_CUSTOMERS = "edit_customers"
    RESOLVE_EXCEPTIONS = "resolve_exceptions"
    VOID_LABELS = "void_labels"
    CHANGE_ORDER_STATUS = "change_order_status"
    ADJUST_INVENTORY = "adjust_inventory"
    IMPORT_INVOICES = "import_invoices"
    VIEW_REPORTS = "view_reports"
    CHANGE_SETTINGS = "change_settings"
    MANAGE_USERS = "manage_users"
    ERASE_CUSTOMERS = "erase_customers"
    EXPORT_DATA = "export_data"
    IMPORT_CUSTOMERS = "import_customers"
    VIEW_AUDIT = "view_audit"


# "permission denied: packer ana may not <this>"
PERMISSION_TEXT: Mapping[Permission, str] = MappingProxyType(
    {
        Permission.SHIP: "ship orders",
        Permission.PRINT: "print",
        Permission.WEIGH: "use the scale",
        Permission.LIST: "look at the bench's data",
        Permission.VIEW_PII: "see customers' personal data",
        Permission.EDIT_CUSTOMERS: "edit customers",
        Permission.RESOLVE_EXCEPTIONS: "work the exception queue",
        Permission.VOID_LABELS: "void labels",
        Permission.CHANGE_ORDER_STATUS: "change an order's status",
        Permission.ADJUST_INVENTORY: "adjust inventory",
        Permission.IMPORT_INVOICES: "import carrier invoices",
        Permission.VIEW_REPORTS: "see reports",
        Permission.CHANGE_SETTINGS: "change settings",
        Permission.MANAGE_USERS: "manage users",
        Permission.ERASE_CUSTOMERS: "erase customers",
        Permission.EXPORT_DATA: "export data",
        Permission.IMPORT_CUSTOMERS: "import customers",
        Permission.VIEW_AUDIT: "see the audit log",
    }
)

_PACKER = frozenset({Permission.SHIP, Permission.PRINT, Permission.WEIGH, Permission.LIST})
_SUPERVISOR = _PACKER | {
    Permission.VIEW_PII,
    Permission.EDIT_CUSTOMERS,
    Permission.RESOLVE_EXCEPTIONS,
    Permission.VOID_LABELS,
    Permission.CHANGE_ORDER_STATUS,
    Permission.ADJUST_INVENTORY,
    Permission.IMPORT_INVOICES,
    Permission.VIEW_REPORTS,
}
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.PACKER: _PACKER,
        Role.SUPERVISOR: frozenset(_SUPERVISOR),
        Role.ADMIN: frozenset(Permission),
    }
)


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise UserError(f"{text!r} is not a role: {', '.join(r.value for r in Role)}") from None


def grants(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


@dataclass(frozen=True, slots=True)
class Account:
    """The person logged in at a bench (what services need to know about them)."""

    user_id: str
    name: str
    role: Role
    language: str = ""

    def may(self, permission: Permission) -> bool:
        return grants(self.role, permission)


@dataclass(frozen=True, slots=True)
class UserInfo:
    """One bench user as the user manager shows it (never the hashes)."""

    id: str
    name: str
    role: Role
    active: bool
    has_pin: bool
    language: str
    password_changed_at: datetime | None
    locked_until: datetime | None  # on this bench; None: not locked


class PermissionDenied(UserError):
    """The person logged in (or nobody) may not do this; the message starts "permission denied: "."""

    def __init__(self, message: str, permission: Permission | None = None) -> None:
        super().__init__(f"permission denied: {message}")
        self.permission = permission


class LoginFailed(UserError):
    """Wrong password or PIN, unknown or deactivated user."""


class UserLocked(LoginFailed):
    """Too many wrong passwords: nobody logs in as this user until `until` (or an admin unlocks)."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until

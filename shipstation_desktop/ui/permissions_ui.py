"""What the GUI does with permissions: an action the person's role lacks is disabled, and its tooltip
names the roles that may ("Supervisors and admins may void labels").

The rules are domain/roles.py's; the GUI only asks `access.can()`. Each gated button or action keeps
its permission and its wish to be enabled as Qt properties, so a user switch re-applies every gate
in a window at once (`reapply`) without the views keeping a list.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from shipstation_desktop.domain.roles import ROLE_PERMISSIONS, Permission, Role
from shipstation_desktop.services import access
from shipstation_desktop.services.bench import Bench

from .i18n import N_, _

# Qt dynamic properties on a gated widget or action.
PERMISSION_PROPERTY = "ssdPermission"
WANTED_PROPERTY = "ssdWanted"  # enabled as far as the view is concerned (a row chosen, …)
TIP_PROPERTY = "ssdTip"  # the tooltip it has when allowed

ROLE_NAMES: dict[Role, str] = {Role.PACKER: N_("packer"), Role.SUPERVISOR: N_("supervisor"), Role.ADMIN: N_("admin")}

# Completes "… may {action}" and "Log in to {action}" (domain.roles.PERMISSION_TEXT, translatable).
ACTIONS: dict[Permission, str] = {
    Permission.SHIP: N_("ship orders"),
    Permission.PRINT: N_("print labels"),
    Permission.WEIGH: N_("use the scale"),
    Permission.LIST: N_("look at the bench's data"),
    Permission.VIEW_PII: N_("see customers' personal data"),
    Permission.EDIT_CUSTOMERS: N_("edit customers"),
    Permission.RESOLVE_EXCEPTIONS: N_("work the exception queue"),
    Permission.VOID_LABELS: N_("void labels"),
    Permission.CHANGE_ORDER_STATUS: N_("change an order's status"),
    Permission.ADJUST_INVENTORY: N_("adjust inventory"),
    Permission.IMPORT_INVOICES: N_("import carrier invoices"),
    Permission.VIEW_REPORTS: N_("see reports"),
    Permission.CHANGE_SETTINGS: N_("change settings"),
    Permission.MANAGE_USERS: N_("manage users"),
    Permission.ERASE_CUSTOMERS: N_("erase customers"),
    Permission.EXPORT_DATA: N_("export data"),
    Permission.IMPORT_CUSTOMERS: N_("import customers"),
    Permission.VIEW_AUDIT: N_("see the audit log"),
}


def role_name(role: Role) -> str:
    return _(ROLE_NAMES[role])


def action_text(permission: Permission) -> str:
    return _(ACTIONS[permission])


def allowed_roles(permission: Permission) -> list[Role]:
    return [role for role in Role if permission in ROLE_PERMISSIONS[role]]


def permission_tooltip(permission: Permission) -> str:
    """Who may do this, for the tooltip of a disabled control: "Supervisors and admins may void labels".

    Each role holds everything the one below it holds (domain/roles.py), so the lowest role that
    may is enough to say who."""
    action = action_text(permission)
    roles = allowed_roles(permission)
    if not roles or roles == [Role.ADMIN]:
        return _("Only admins may {action}").format(action=action)
    if roles[0] is Role.SUPERVISOR:
        return _("Supervisors and admins may {action}").format(action=action)
    return _("Log in to {action}").format(action=action)  # everyone may: whoever is logged in


def denied_tooltip(bench: Bench, permission: Permission) -> str:
    """The tooltip for the person at the bench: who may, or that someone must log in first."""
    if access.current(bench) is None and access.users_exist(bench):
        return _("Log in to {action}").format(action=action_text(permission))
    return permission_tooltip(permission)


def allow(target: QWidget | QAction, bench: Bench, permission: Permission, enabled: bool = True) -> bool:
    """Enables `target` when `enabled` and the person may; otherwise the tooltip says who may.

    Returns whether the person may (whatever `enabled` says)."""
    if target.property(TIP_PROPERTY) is None:
        target.setProperty(TIP_PROPERTY, target.toolTip() if isinstance(target, QWidget) else target.statusTip())
    target.setProperty(PERMISSION_PROPERTY, permission.value)
    target.setProperty(WANTED_PROPERTY, enabled)
    may = access.can(bench, permission)
    target.setEnabled(enabled and may)
    tip = str(target.property(TIP_PROPERTY)) if may else denied_tooltip(bench, permission)
    target.setToolTip(tip)
    if isinstance(target, QAction):
        target.setStatusTip(tip)
        for menu in target.associatedObjects():
            if isinstance(menu, QMenu):
                menu.setToolTipsVisible(True)  # menus hide tooltips unless told
    return may


def reapply(root: QObject, bench: Bench) -> None:
    """Re-evaluates every gated control under `root` (after a log-in or a user switch)."""
    for target in root.findChildren(QObject):
        code = target.property(PERMISSION_PROPERTY)
        if code is None or not isinstance(target, QWidget | QAction):
            continue
        allow(target, bench, Permission(str(code)), bool(target.property(WANTED_PROPERTY)))

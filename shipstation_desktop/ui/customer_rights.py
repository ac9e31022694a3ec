"""What the person at the bench may do with customers, read once per screen load (in a worker:
access.can reads the users table) and applied to buttons that then say which role may."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.services import access
from shipstation_desktop.services.bench import Bench

from .customer_labels import needs_role


@dataclass(frozen=True, slots=True)
class CustomerRights:
    view_pii: bool = True
    edit: bool = True
    erase: bool = True
    export: bool = True
    import_: bool = True

    @classmethod
    def of(cls, bench: Bench) -> CustomerRights:
        """Call off the GUI thread (it queries the store)."""
        return cls(
            view_pii=access.can(bench, Permission.VIEW_PII),
            edit=access.can(bench, Permission.EDIT_CUSTOMERS),
            erase=access.can(bench, Permission.ERASE_CUSTOMERS),
            export=access.can(bench, Permission.EXPORT_DATA),
            import_=access.can(bench, Permission.IMPORT_CUSTOMERS),
        )


def gate(target: QWidget | QAction, allowed: bool, permission: Permission, tip: str = "") -> None:
    """Enables `target`, or disables it with a tooltip naming the role that may."""
    target.setEnabled(allowed)
    target.setToolTip(tip if allowed else needs_role(permission))

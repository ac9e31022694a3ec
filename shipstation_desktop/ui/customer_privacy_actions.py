"""The detail's privacy actions: "Export personal data…" (GDPR export into a chosen folder) and
"Erase personal data…" (typed confirmation and a reason; services/customer_privacy does the work).
Both are permission-checked by the caller (customer_rights) and again by the services."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.services import customer_privacy
from shipstation_desktop.services.bench import Bench

from . import style
from .i18n import _, ngettext
from .ops import Failure, Op, OpRunner

CONFIRM_WORD = "ERASE"  # typed as is in every language: it is what the person reads in the prompt


class EraseDialog(QDialog):
    """Erase is irreversible: the Erase button waits for the customer's name (or ERASE) and a reason."""

    def __init__(self, customer: dm.Customer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eraseDialog")
        self.setWindowTitle(_("Erase personal data"))
        self.setMinimumWidth(500)
        self.customer = customer
        layout = QVBoxLayout(self)
        warning = QLabel(
            _(
                "This removes {name}'s name, e-mail, phone, date of birth, street addresses, notes and "
                "messages for good, here and at the center. Orders, shipments and amounts stay, "
                "anonymized. It cannot be undone."
            ).format(name=customer.name)
        )
        warning.setWordWrap(True)
        style.banner(warning, style.BAD, style.BAD_BG)
        layout.addWidget(warning)
        prompt = QLabel(
            _("Type the customer's name ({name}) or {word} to confirm:").format(name=customer.name, word=CONFIRM_WORD)
        )
        prompt.setWordWrap(True)
        layout.addWidget(prompt)
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setObjectName("eraseConfirm")
        prompt.setBuddy(self.confirm_edit)
        layout.addWidget(self.confirm_edit)
        reason_label = QLabel(_("Why? (kept in the audit log)"))
        layout.addWidget(reason_label)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("eraseReason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setMaximumHeight(80)
        reason_label.setBuddy(self.reason_edit)
        layout.addWidget(self.reason_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.erase_button: QPushButton = self.buttons.addButton(
            _("Erase personal data"), QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.erase_button.setObjectName("eraseButton")
        self.erase_button.setEnabled(False)
        self.erase_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.confirm_edit.textChanged.connect(self._update)
        self.reason_edit.textChanged.connect(self._update)
        self.confirm_edit.setFocus()

    def confirmed(self) -> bool:
        typed = self.confirm_edit.text().strip()
        return bool(typed) and (typed == CONFIRM_WORD or typed.casefold() == self.customer.name.strip().casefold())

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    @Slot()
    def _update(self) -> None:
        self.erase_button.setEnabled(self.confirmed() and bool(self.reason()))

    def accept(self) -> None:
        if not (self.confirmed() and self.reason()):  # Enter in the field must not skip the check
            return
        super().accept()


def ask_erase(
    parent: QWidget,
    bench: Bench,
    runner: OpRunner,
    customer: dm.Customer,
    on_done: Callable[[str], None],
    on_failure: Callable[[Failure], None],
) -> EraseDialog:
    """Opens the confirmation; once accepted, erases on the writer thread and reports the outcome."""
    dialog = EraseDialog(customer, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def erase() -> None:
        reason = dialog.reason()
        runner.run(
            Op(
                lambda _ctx: customer_privacy.erase_customer(bench, customer.id, reason),
                label=_("Erasing personal data…"),
                writes=True,
                on_success=lambda erasure: on_done(
                    _("Personal data erased.")
                    if not erasure.already_erased
                    else _("This customer's personal data was already erased.")
                ),
                on_failure=on_failure,
            )
        )

    dialog.accepted.connect(erase)
    dialog.open()
    return dialog


def export_personal_data(
    parent: QWidget,
    bench: Bench,
    runner: OpRunner,
    customer_id: str,
    on_done: Callable[[str], None],
    on_failure: Callable[[Failure], None],
    out_dir: Path | None = None,
) -> bool:
    """Asks for a folder (unless given) and writes the GDPR export there; False when none was chosen."""
    if out_dir is None:
        chosen = QFileDialog.getExistingDirectory(parent, _("Export personal data into folder"), str(Path.home()))
        if not chosen:
            return False
        out_dir = Path(chosen)
    target = out_dir

    def done(files: list[Path]) -> None:
        on_done(
            ngettext("{n} file written to {folder}.", "{n} files written to {folder}.", len(files)).format(
                n=len(files), folder=target
            )
        )

    runner.run(
        Op(
            lambda _ctx: customer_privacy.gdpr_export(bench, customer_id, target),
            label=_("Exporting personal data…"),
            on_success=done,
            on_failure=on_failure,
        )
    )
    return True

"""A small dialog that will not accept until a note is written (resolving an exception, voiding a label)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm

from .i18n import _


class NoteDialog(QDialog):
    def __init__(
        self,
        title: str,
        prompt: str,
        accept_text: str,
        parent: QWidget | None = None,
        *,
        context: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        if context:
            about = QLabel(context)
            about.setWordWrap(True)
            layout.addWidget(about)
        label = QLabel(prompt)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.note_edit = QPlainTextEdit()
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setMinimumHeight(90)
        label.setBuddy(self.note_edit)
        layout.addWidget(self.note_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.accept_button: QPushButton = self.buttons.addButton(accept_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.accept_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.note_edit.textChanged.connect(self._update)
        self.note_edit.setFocus()

    def note(self) -> str:
        return self.note_edit.toPlainText().strip()

    def _update(self) -> None:
        self.accept_button.setEnabled(bool(self.note()))

    def accept(self) -> None:
        if not self.note():  # a shortcut could try to accept with the button disabled
            return
        super().accept()


def ask_void_reason(parent: QWidget, shipment: dm.Shipment, on_reason: Callable[[str], None]) -> NoteDialog:
    """Opens the "why void this label" dialog; `on_reason` runs with the note once accepted."""
    dialog = NoteDialog(
        _("Void label"),
        _("Why is this label voided? (supervisor)"),
        _("Void label"),
        parent,
        context=_(
            "Label {number} for order {order} will be cancelled at the carrier and the order goes back to the bench."
        ).format(number=shipment.tracking_number, order=shipment.order_number),
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: on_reason(dialog.note()))
    dialog.open()
    return dialog

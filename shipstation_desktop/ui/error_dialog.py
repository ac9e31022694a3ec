"""The error-report dialog: what a bug looks like to the packer, and what they paste to support."""

from __future__ import annotations

import traceback
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .i18n import N_, _

INTRO = N_(
    "Something went wrong inside ShipStation Desktop. Nothing you did caused it. "
    "Any label already bought is safe; check the Shipments view before trying again.\n"
    "Use “Copy details” and send the text to support."
)


class ErrorDialog(QDialog):
    def __init__(self, summary: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Unexpected error"))
        self.setObjectName("errorDialog")
        self.resize(720, 440)
        layout = QVBoxLayout(self)

        headline = QLabel(summary)
        headline.setWordWrap(True)
        font = headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        headline.setFont(font)
        layout.addWidget(headline)

        intro = QLabel(_(INTRO))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.details = QPlainTextEdit(f"{summary}\n\n{details}".rstrip())
        self.details.setReadOnly(True)
        self.details.setFont(QFont("monospace"))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.details, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton(_("Copy details"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText(_("Copied"))


def format_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> tuple[str, str]:
    """(summary, details) for an uncaught exception."""
    summary = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
    return summary, "".join(traceback.format_exception(exc_type, exc, tb))


def show_error_dialog(summary: str, details: str, parent: QWidget | None = None) -> ErrorDialog:
    """Opens the dialog without blocking (a bug in a callback must not nest event loops)."""
    dialog = ErrorDialog(summary, details, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setModal(True)
    dialog.show()
    return dialog

"""The pack view's address warning: the carrier found the ship-to address invalid, a supervisor exception
was raised, and the packer may still buy. "Go on anyway…" asks for a reason and records it on the exception
(services/address_checks.override); nothing here blocks the flow."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from shipstation_desktop.domain import models as dm
from shipstation_desktop.services import address_checks
from shipstation_desktop.services.bench import Bench

from . import style
from .i18n import _
from .note_dialog import NoteDialog
from .ops import Failure, Op, OpRunner


class AddressIssueBanner(QWidget):
    overridden = Signal(object)  # the exception, with the override note on it
    closed = Signal()  # the reason dialog went away (either way): the scan field takes the keyboard back

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addressIssueBanner")
        self.bench = bench
        self.runner = runner
        self.issue: dm.ShipmentException | None = None
        self.dialog: NoteDialog | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setObjectName("addressIssueText")
        self.label.setWordWrap(True)
        style.banner(self.label, style.WARN, style.WARN_BG)
        row.addWidget(self.label, 1)
        self.override_button = QPushButton(_("Go on anyway…"))
        self.override_button.setObjectName("addressOverrideButton")
        self.override_button.setToolTip(_("Say why the address is fine; the reason goes to the supervisor"))
        self.override_button.clicked.connect(self.ask_override)
        row.addWidget(self.override_button)
        self.hide()

    def show_issue(self, issue: dm.ShipmentException | None) -> None:
        self.issue = issue
        if issue is None:
            self.hide()
            return
        overridden = any(n.kind == "override" for n in issue.notes)
        if overridden:
            text = _("Address warning: {problem} — you went on; the supervisor has your reason.")
        else:
            text = _("Address warning: {problem} You may still buy the label.")
        self.label.setText(text.format(problem=issue.description))
        self.override_button.setVisible(not overridden)
        self.show()

    def clear(self) -> None:
        self.show_issue(None)

    @Slot()
    def ask_override(self) -> None:
        issue = self.issue
        if issue is None:
            return
        dialog = NoteDialog(
            _("Ship despite the address warning"),
            _("Why is the address fine? (recorded on the supervisor exception)"),
            _("Go on"),
            self,
            context=issue.description,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._override(issue, dialog.note()))
        dialog.finished.connect(lambda _result: self.closed.emit())
        self.dialog = dialog
        dialog.open()

    def _override(self, issue: dm.ShipmentException, reason: str) -> None:
        self.dialog = None
        self.runner.run(
            Op(
                lambda _ctx: address_checks.override(self.bench, issue.id, reason),
                label=_("Recording the reason…"),
                writes=True,
                on_success=self._overridden,
                on_failure=self._failed,
            )
        )

    def _overridden(self, issue: dm.ShipmentException) -> None:
        if self.issue is not None and self.issue.id == issue.id:
            self.show_issue(issue)
        self.overridden.emit(issue)

    def _failed(self, failure: Failure) -> None:
        self.label.setText(failure.message)

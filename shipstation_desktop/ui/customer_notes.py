"""A customer's Notes tab (pinned first, add with an optional pin) and Communications tab (the log
of calls, e-mails and chats, and a form to log one). Both write through services/customers on the
writer thread and say `changed` so the timeline re-reads."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import CommunicationChannel, CommunicationDirection
from shipstation_desktop.domain.errors import FieldErrors
from shipstation_desktop.services import customers
from shipstation_desktop.services.bench import Bench

from . import customer_labels as labels
from . import formatting as fmt
from . import style
from .i18n import _
from .inline_errors import InlineErrors
from .ops import Failure, Op, OpRunner


def _show_failure(errors: InlineErrors, failure: Failure) -> None:
    if isinstance(failure.error, FieldErrors):
        errors.show(failure.error.errors)
    else:
        errors.say(failure.message)


class NotesPanel(QWidget):
    loaded = Signal()
    changed = Signal()  # a note was added

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerNotes")
        self.bench = bench
        self.runner = runner
        self.customer_id: str | None = None
        self.notes: list[dm.CustomerNote] = []
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("notesList")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        layout.addWidget(self.list, 1)
        self.errors = InlineErrors()
        layout.addWidget(self.errors.general)
        form = QFormLayout()
        self.body_edit = QPlainTextEdit()
        self.body_edit.setObjectName("noteBody")
        self.body_edit.setTabChangesFocus(True)
        self.body_edit.setMaximumHeight(80)
        self.body_edit.setPlaceholderText(_("Write a note about this customer"))
        self.errors.add_row(form, _("New note:"), "body", self.body_edit)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.pin_check = QCheckBox(_("Pin to the top"))
        self.pin_check.setObjectName("notePinned")
        self.add_button = QPushButton(_("Add note"))
        self.add_button.setObjectName("addNote")
        self.add_button.clicked.connect(self.add)
        row.addWidget(self.pin_check)
        row.addStretch(1)
        row.addWidget(self.add_button)
        layout.addLayout(row)

    def load(self, customer_id: str, *, editable: bool) -> None:
        self.customer_id = customer_id
        for w in (self.body_edit, self.pin_check, self.add_button):
            w.setEnabled(editable)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        if self.customer_id is None:
            return
        customer_id = self.customer_id
        bench = self.bench
        self.runner.run(
            Op(
                lambda _ctx: customers.list_notes(bench, customer_id),
                label=_("Reading notes…"),
                on_success=self._show,
                on_failure=lambda f: _show_failure(self.errors, f),
            )
        )

    def _show(self, notes: list[dm.CustomerNote]) -> None:
        self.notes = notes
        self.list.clear()
        for note in notes:
            head = _("{pin}{author} · {when}").format(
                pin="◆ " if note.pinned else "",
                author=note.author or _("someone"),
                when=fmt.local_time(note.created_at),
            )
            item = QListWidgetItem(f"{head}\n{note.body}")
            if note.pinned:
                item.setBackground(style.color(style.WARN_BG))
            self.list.addItem(item)
        self.loaded.emit()

    @Slot()
    def add(self) -> None:
        if self.customer_id is None:
            return
        customer_id = self.customer_id
        body = self.body_edit.toPlainText()
        pinned = self.pin_check.isChecked()
        bench = self.bench
        self.errors.clear()
        self.add_button.setEnabled(False)
        self.runner.run(
            Op(
                lambda _ctx: customers.add_note(bench, customer_id, body, pinned=pinned),
                label=_("Adding the note…"),
                writes=True,
                on_success=self._added,
                on_failure=lambda f: _show_failure(self.errors, f),
                on_done=lambda: self.add_button.setEnabled(True),
            )
        )

    def _added(self, _note: dm.CustomerNote) -> None:
        self.body_edit.clear()
        self.pin_check.setChecked(False)
        self.refresh()
        self.changed.emit()


class CommunicationsPanel(QWidget):
    loaded = Signal()
    changed = Signal()

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerCommunications")
        self.bench = bench
        self.runner = runner
        self.customer_id: str | None = None
        self.items: list[dm.Communication] = []
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("communicationsTable")
        self.table.setHorizontalHeaderLabels([_("When"), _("Channel"), _("Direction"), _("Subject"), _("By")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        self.body_view = QLabel()
        self.body_view.setObjectName("communicationBody")
        self.body_view.setWordWrap(True)
        style.set_text_color(self.body_view, style.MUTED)
        layout.addWidget(self.body_view)

        self.errors = InlineErrors()
        layout.addWidget(self.errors.general)
        form = QFormLayout()
        kind = QHBoxLayout()
        self.channel_combo = QComboBox()
        self.channel_combo.setObjectName("commChannel")
        for channel in CommunicationChannel:
            self.channel_combo.addItem(labels.channel(channel), channel.value)
        self.direction_combo = QComboBox()
        self.direction_combo.setObjectName("commDirection")
        for direction in CommunicationDirection:
            self.direction_combo.addItem(labels.direction(direction), direction.value)
        kind.addWidget(self.channel_combo)
        kind.addWidget(self.direction_combo)
        kind.addStretch(1)
        form.addRow(_("Log a:"), kind)
        self.subject_edit = QLineEdit()
        self.subject_edit.setObjectName("commSubject")
        self.errors.add_row(form, _("Subject:"), "subject", self.subject_edit)
        self.comm_body_edit = QPlainTextEdit()
        self.comm_body_edit.setObjectName("commBody")
        self.comm_body_edit.setTabChangesFocus(True)
        self.comm_body_edit.setMaximumHeight(70)
        self.errors.add_row(form, _("What was said:"), "body", self.comm_body_edit)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addStretch(1)
        self.log_button = QPushButton(_("Log it"))
        self.log_button.setObjectName("logCommunication")
        self.log_button.clicked.connect(self.log)
        row.addWidget(self.log_button)
        layout.addLayout(row)

    def load(self, customer_id: str, *, editable: bool) -> None:
        self.customer_id = customer_id
        for w in (self.channel_combo, self.direction_combo, self.subject_edit, self.comm_body_edit, self.log_button):
            w.setEnabled(editable)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        if self.customer_id is None:
            return
        customer_id = self.customer_id
        bench = self.bench
        self.runner.run(
            Op(
                lambda _ctx: customers.list_communications(bench, customer_id),
                label=_("Reading communications…"),
                on_success=self._show,
                on_failure=lambda f: _show_failure(self.errors, f),
            )
        )

    def _show(self, items: list[dm.Communication]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for r, c in enumerate(items):
            cells = [
                fmt.local_time(c.occurred_at),
                labels.channel(c.channel),
                labels.direction(c.direction),
                c.subject or (c.body.splitlines()[0] if c.body else ""),
                c.author,
            ]
            for col, text in enumerate(cells):
                self.table.setItem(r, col, QTableWidgetItem(text))
        self.body_view.clear()
        self.loaded.emit()

    @Slot()
    def _selected(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) == 1:
            self.body_view.setText(self.items[rows.pop()].body)

    @Slot()
    def log(self) -> None:
        if self.customer_id is None:
            return
        customer_id = self.customer_id
        channel = CommunicationChannel(self.channel_combo.currentData())
        direction = CommunicationDirection(self.direction_combo.currentData())
        subject = self.subject_edit.text()
        body = self.comm_body_edit.toPlainText()
        bench = self.bench
        self.errors.clear()
        self.log_button.setEnabled(False)
        self.runner.run(
            Op(
                lambda _ctx: customers.log_communication(bench, customer_id, channel, direction, subject, body),
                label=_("Logging…"),
                writes=True,
                on_success=self._logged,
                on_failure=lambda f: _show_failure(self.errors, f),
                on_done=lambda: self.log_button.setEnabled(True),
            )
        )

    def _logged(self, _item: dm.Communication) -> None:
        self.subject_edit.clear()
        self.comm_body_edit.clear()
        self.refresh()
        self.changed.emit()

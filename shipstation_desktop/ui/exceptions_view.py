"""The supervisor queue: exceptions most severe first, filtered by severity, type, age and bench; each can
be assigned, noted and resolved (a written resolution is required). Age is coloured by
domain/exception_rules.AGE_BANDS; the open counts by severity go out on `counts_changed` for the tab
title and the status bar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import exception_rules as rules
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.services import exception_queue as queue
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services.bench import Bench

from . import enum_labels, permissions_ui, style
from . import formatting as fmt
from .i18n import N_, _
from .note_dialog import NoteDialog
from .ops import Failure, Op, OpRunner
from .table_model import Column, RecordTableModel

# Age band -> (text colour, background); a fresh problem looks like any other row.
AGE_COLOURS: dict[rules.AgeBand, tuple[str, str] | None] = {
    rules.AgeBand.FRESH: None,
    rules.AgeBand.AMBER: (style.WARN, style.WARN_BG),
    rules.AgeBand.RED: (style.BAD, style.BAD_BG),
}
# Age filter choices: (label, older than hours); None shows every age.
AGE_FILTERS: tuple[tuple[str, float | None], ...] = (
    (N_("Any age"), None),
    (N_("Older than 4 h"), 4),
    (N_("Older than 24 h"), 24),
    (N_("Older than 3 days"), 72),
)
# The kinds of note on an exception's thread (services/exception_queue.NoteKind), as the thread shows them.
NOTE_KINDS = {
    "note": N_("note"),
    "assigned": N_("assigned"),
    "override": N_("override"),
    "raised_again": N_("raised again"),
}
AGE_TICK_MS = 60_000  # ages (and their colours) move on while the view is open
DESCRIPTION_COLUMN = 6


def _severity_fg(e: dm.ShipmentException) -> str | None:
    return style.MUTED if not e.is_open else style.SEVERITY[e.severity][0]


def _severity_bg(e: dm.ShipmentException) -> str | None:
    return None if not e.is_open else style.SEVERITY[e.severity][1]


def age_text(created_at: datetime, now: datetime) -> str:
    minutes = max(int((now - created_at).total_seconds() // 60), 0)
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    if minutes < 48 * 60:
        return _("{hours} h").format(hours=minutes // 60)
    return _("{days} d").format(days=minutes // (24 * 60))


def severity_text(severity: ExceptionSeverity) -> str:
    """Severities read in capitals in the queue (HIGH), as a supervisor scans for them."""
    return enum_labels.severity(severity).upper()


def short_bench(bench_id: str, mine: str) -> str:
    return _("this bench") if bench_id == mine else (bench_id[-8:] if bench_id else "?")


def exception_columns(bench: Bench) -> list[Column[dm.ShipmentException]]:
    mine = bench.store.bench_id

    def colours(e: dm.ShipmentException) -> tuple[str, str] | None:
        return AGE_COLOURS[rules.age_band(e.created_at, bench.clock.now())] if e.is_open else None

    def age_fg(e: dm.ShipmentException) -> str | None:
        c = colours(e)
        return c[0] if c else None

    def age_bg(e: dm.ShipmentException) -> str | None:
        c = colours(e)
        return c[1] if c else None

    return [
        Column(N_("Severity"), lambda e: severity_text(e.severity), foreground=_severity_fg, background=_severity_bg),
        Column(
            N_("Age"),
            lambda e: age_text(e.created_at, bench.clock.now()) if e.is_open else "—",
            align_right=True,
            foreground=age_fg,
            background=age_bg,
        ),
        Column(N_("Type"), lambda e: enum_labels.exception_type(e.type)),
        Column(N_("Raised"), lambda e: fmt.local_time(e.created_at)),
        Column(N_("Order"), lambda e: e.order_number),
        Column(N_("Tracking"), lambda e: e.tracking_number),
        Column(N_("Description"), lambda e: e.description, tooltip=lambda e: e.description),
        Column(N_("Assigned"), lambda e: e.assigned_to),
        Column(N_("Bench"), lambda e: short_bench(e.bench_id, mine), tooltip=lambda e: e.bench_id),
        Column(
            N_("Resolution"),
            lambda e: (
                f"{e.resolution} — {e.resolved_by}, {fmt.local_time(e.resolved_at)}" if e.resolved_at else _("open")
            ),
            foreground=lambda e: style.GOOD if e.resolved_at else style.BAD,
        ),
    ]


class ExceptionsModel(RecordTableModel[dm.ShipmentException]):
    def __init__(self, bench: Bench, parent: QWidget | None = None) -> None:
        super().__init__(exception_columns(bench), parent)

    def touch(self) -> None:
        """Ages moved on: repaint every cell without reloading."""
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))


class AssignDialog(QDialog):
    """Assign to a name: the bench has no user accounts, so the packer's name is offered, free text allowed."""

    def __init__(self, names: list[str], current: str, parent: QWidget | None = None, *, context: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Assign exception"))
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        if context:
            about = QLabel(context)
            about.setWordWrap(True)
            layout.addWidget(about)
        label = QLabel(_("Assign to"))
        layout.addWidget(label)
        self.name_combo = QComboBox()
        self.name_combo.setEditable(True)
        self.name_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for name in names:
            self.name_combo.addItem(name)
        self.name_combo.setEditText(current or (names[0] if names else ""))
        label.setBuddy(self.name_combo)
        layout.addWidget(self.name_combo)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.accept_button: QPushButton = self.buttons.addButton(_("Assign"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name_combo.editTextChanged.connect(self._update)
        self._update()

    def name(self) -> str:
        return self.name_combo.currentText().strip()

    def _update(self) -> None:
        self.accept_button.setEnabled(bool(self.name()))

    def accept(self) -> None:
        if self.name():
            super().accept()


class ExceptionsView(QWidget):
    # Open exceptions by severity, after every refresh (whatever the filters): main window badges.
    counts_changed = Signal(dict)

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exceptionsView")
        self.bench = bench
        self.runner = runner
        self.resolve_dialog: NoteDialog | None = None
        self.note_dialog: NoteDialog | None = None
        self.assign_dialog: AssignDialog | None = None
        self.current: dm.ShipmentException | None = None
        self._seq = 0
        self._detail_seq = 0
        self._benches_known: list[str] = []
        root = QVBoxLayout(self)

        filters = QHBoxLayout()
        filters.addWidget(QLabel(_("Severity")))
        self.severity_combo = QComboBox()
        self.severity_combo.addItem(_("All severities"), None)
        for severity in reversed(list(ExceptionSeverity)):
            self.severity_combo.addItem(enum_labels.severity(severity), severity.value)
        filters.addWidget(self.severity_combo)
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("exceptionTypeFilter")
        self.type_combo.addItem(_("All types"), None)
        for kind in ExceptionType:
            self.type_combo.addItem(enum_labels.exception_type(kind), kind.value)
        filters.addWidget(self.type_combo)
        self.age_combo = QComboBox()
        self.age_combo.setObjectName("exceptionAgeFilter")
        for text, hours in AGE_FILTERS:
            self.age_combo.addItem(_(text), hours)
        filters.addWidget(self.age_combo)
        self.bench_combo = QComboBox()
        self.bench_combo.setObjectName("exceptionBenchFilter")
        self.bench_combo.addItem(_("All benches"), None)
        self.bench_combo.addItem(_("This bench"), queue.THIS_BENCH)
        filters.addWidget(self.bench_combo)
        self.open_only = QCheckBox(_("Open only"))
        self.open_only.setChecked(True)
        filters.addWidget(self.open_only)
        filters.addStretch(1)
        self.count_label = QLabel()
        filters.addWidget(self.count_label)
        root.addLayout(filters)

        actions = QHBoxLayout()
        self.assign_button = QPushButton(_("Assign to…"))
        self.assign_button.setObjectName("assignButton")
        self.assign_button.clicked.connect(self.assign_selected)
        self.note_button = QPushButton(_("Add note…"))
        self.note_button.setObjectName("noteButton")
        self.note_button.clicked.connect(self.note_selected)
        self.resolve_button = QPushButton(_("Resolve…"))
        self.resolve_button.setObjectName("resolveButton")
        self.resolve_button.clicked.connect(self.resolve_selected)
        actions.addStretch(1)
        for button in (self.assign_button, self.note_button, self.resolve_button):
            actions.addWidget(button)
        root.addLayout(actions)

        self.model = ExceptionsModel(bench, self)
        self.table = QTableView()
        self.table.setObjectName("exceptionsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DESCRIPTION_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.doubleClicked.connect(self.resolve_selected)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        self.detail_title = QLabel(_("Select an exception to see its notes."))
        self.detail_title.setObjectName("exceptionDetailTitle")
        self.detail_title.setWordWrap(True)
        detail_layout.addWidget(self.detail_title)
        self.notes_view = QTextBrowser()
        self.notes_view.setObjectName("exceptionNotes")
        detail_layout.addWidget(self.notes_view, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        root.addWidget(splitter, 1)

        self.message = QLabel()
        self.message.setObjectName("exceptionsMessage")
        self.message.setWordWrap(True)
        root.addWidget(self.message)

        for combo in (self.severity_combo, self.type_combo, self.age_combo, self.bench_combo):
            combo.currentIndexChanged.connect(self.refresh)
        self.open_only.toggled.connect(self.refresh)
        self.age_timer = QTimer(self)
        self.age_timer.setInterval(AGE_TICK_MS)
        self.age_timer.timeout.connect(self.model.touch)
        self.age_timer.start()
        self._update_buttons()

    # ------------------------------------------------------------------------------ loading

    def current_filter(self) -> queue.QueueFilter:
        severity: str | None = self.severity_combo.currentData()  # Qt returns item data as plain str
        kind: str | None = self.type_combo.currentData()
        hours = self.age_combo.currentData()
        return queue.QueueFilter(
            open_only=self.open_only.isChecked(),
            severity=ExceptionSeverity(severity) if severity else None,
            type=ExceptionType(kind) if kind else None,
            older_than_hours=float(hours) if hours is not None else None,
            bench_id=self.bench_combo.currentData(),
        )

    @Slot()
    def refresh(self) -> None:
        self._seq += 1
        seq = self._seq
        f = self.current_filter()

        def load(_ctx: object) -> tuple[list[dm.ShipmentException], dict[ExceptionSeverity, int], list[str]]:
            return queue.query(self.bench, f), queue.open_counts(self.bench), queue.benches(self.bench)

        self.runner.run(
            Op(
                load,
                label=_("Loading exceptions…"),
                on_success=lambda result: self._show_rows(seq, *result),
            )
        )

    def _show_rows(
        self, seq: int, rows: list[dm.ShipmentException], counts: dict[ExceptionSeverity, int], benches: list[str]
    ) -> None:
        self.counts_changed.emit(counts)
        self._add_benches(benches)
        if seq != self._seq:
            return
        keep = self.selected()
        self.model.set_rows(rows)
        open_count = sum(1 for e in rows if e.is_open)
        self.count_label.setText(_("{shown} shown, {open} open").format(shown=len(rows), open=open_count))
        if keep is not None:
            for row, e in enumerate(rows):
                if e.id == keep.id:
                    self.table.selectRow(row)
        self._show_detail(self.selected())
        self._update_buttons()

    def _add_benches(self, benches: list[str]) -> None:
        """Other benches appear in the filter as their exceptions arrive (the ids; names live at the center)."""
        mine = self.bench.store.bench_id
        for bench_id in benches:
            if bench_id != mine and bench_id not in self._benches_known:
                self._benches_known.append(bench_id)
                self.bench_combo.addItem(_("Bench …{id}").format(id=bench_id[-8:]), bench_id)

    def selected(self) -> dm.ShipmentException | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_detail(self.selected())
        self._update_buttons()

    def _show_detail(self, e: dm.ShipmentException | None) -> None:
        self.current = e
        if e is None:
            self.detail_title.setText(_("Select an exception to see its notes."))
            self.notes_view.clear()
            return
        if e.resolved_at:
            state = _("resolved by {name} at {time}: {resolution}").format(
                name=e.resolved_by, time=fmt.local_time(e.resolved_at), resolution=e.resolution
            )
        else:
            state = _("assigned to {name}").format(name=e.assigned_to) if e.assigned_to else _("unassigned")
        parts = [severity_text(e.severity), enum_labels.exception_type(e.type), state]
        if e.occurrences > 1:
            parts.append(_("reported {count}×").format(count=e.occurrences))
        self.detail_title.setText(" · ".join(parts))
        self.notes_view.setPlainText(notes_text(e))

    def _update_buttons(self) -> None:
        chosen = self.selected()
        live = chosen is not None and chosen.is_open
        # Working the queue is for supervisors and admins (domain/roles.py), as in the CLI.
        permissions_ui.allow(self.resolve_button, self.bench, Permission.RESOLVE_EXCEPTIONS, live)
        permissions_ui.allow(self.assign_button, self.bench, Permission.RESOLVE_EXCEPTIONS, live)
        permissions_ui.allow(self.note_button, self.bench, Permission.RESOLVE_EXCEPTIONS, chosen is not None)

    def _context(self, e: dm.ShipmentException) -> str:
        where = " · ".join(x for x in (e.order_number, e.tracking_number) if x)
        return f"{severity_text(e.severity)} · {enum_labels.exception_type(e.type)} {where}\n{e.description}"

    # ------------------------------------------------------------------------------ actions

    @Slot()
    def assign_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or not chosen.is_open:
            return
        others = {e.assigned_to for e in self.model.rows() if e.assigned_to and e.assigned_to != self.bench.user}
        names = [self.bench.user, *sorted(others)]  # the bench's packer first: no user accounts yet
        dialog = AssignDialog(names, chosen.assigned_to, self, context=self._context(chosen))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._assign(chosen, dialog.name()))  # read while the dialog lives
        self.assign_dialog = dialog
        dialog.open()

    @Slot()
    def note_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        dialog = NoteDialog(
            _("Add note"),
            _("Note (stays on the exception's thread)"),
            _("Add note"),
            self,
            context=self._context(chosen),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._note(chosen, dialog.note()))
        self.note_dialog = dialog
        dialog.open()

    @Slot()
    def resolve_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or not chosen.is_open or not self.resolve_button.isEnabled():  # a double-click too
            return
        dialog = NoteDialog(
            _("Resolve exception"),
            _("What was done? (required; it stays on the record)"),
            _("Resolve"),
            self,
            context=self._context(chosen),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._resolve(chosen, dialog.note()))
        self.resolve_dialog = dialog
        dialog.open()

    def _assign(self, chosen: dm.ShipmentException, name: str) -> None:
        self._write(lambda: queue.assign(self.bench, chosen.id, name), _("Assigning…"), _("Assigned: {description}"))

    def _note(self, chosen: dm.ShipmentException, text: str) -> None:
        self._write(
            lambda: queue.add_note(self.bench, chosen.id, text), _("Adding the note…"), _("Noted: {description}")
        )

    def _resolve(self, chosen: dm.ShipmentException, note: str) -> None:
        self.resolve_dialog = None
        self._write(
            lambda: exc_service.resolve(self.bench, chosen.id, note), _("Resolving…"), _("Resolved: {description}")
        )

    def _write(self, work: Callable[[], dm.ShipmentException], progress: str, done: str) -> None:
        """`done` is a translated message with a {description} placeholder."""
        self.assign_dialog = None
        self.note_dialog = None
        self.runner.run(
            Op(
                lambda _ctx: work(),
                label=progress,
                writes=True,
                on_success=lambda e: self._written(done, e),
                on_failure=self._failed,
            )
        )

    def _written(self, done: str, e: dm.ShipmentException) -> None:
        self.message.setText(done.format(description=e.description))
        style.set_text_color(self.message, style.GOOD)
        self.refresh()

    def _failed(self, failure: Failure) -> None:
        self.message.setText(failure.message)
        style.set_text_color(self.message, style.BAD)


def notes_text(e: dm.ShipmentException) -> str:
    lines = [_("{time}  raised: {description}").format(time=fmt.local_time(e.created_at), description=e.description)]
    for n in e.notes:
        kind = _(NOTE_KINDS[n.kind]) if n.kind in NOTE_KINDS else n.kind.replace("_", " ")
        lines.append(f"{fmt.local_time(n.at)}  {n.by} ({kind}): {n.text}")
    if e.resolved_at:
        lines.append(
            _("{time}  {name} resolved: {resolution}").format(
                time=fmt.local_time(e.resolved_at), name=e.resolved_by, resolution=e.resolution
            )
        )
    return "\n".join(lines)


def tab_title(counts: dict[ExceptionSeverity, int]) -> str:
    total = sum(counts.values())
    return _("Exceptions ({count})").format(count=total) if total else _("Exceptions")

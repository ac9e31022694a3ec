"""The supervisor queue: open exceptions, most severe first; resolving one needs a written note."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import ExceptionSeverity
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services.bench import Bench

from . import formatting as fmt
from . import style
from .note_dialog import NoteDialog
from .ops import Failure, Op, OpRunner
from .table_model import Column, RecordTableModel


def _severity_fg(e: dm.ShipmentException) -> str | None:
    return style.MUTED if not e.is_open else style.SEVERITY[e.severity][0]


def _severity_bg(e: dm.ShipmentException) -> str | None:
    return None if not e.is_open else style.SEVERITY[e.severity][1]


EXCEPTION_COLUMNS: list[Column[dm.ShipmentException]] = [
    Column("Severity", lambda e: e.severity.value, foreground=_severity_fg, background=_severity_bg),
    Column("Type", lambda e: fmt.title(e.type.value)),
    Column("Raised", lambda e: fmt.local_time(e.created_at)),
    Column("Order", lambda e: e.order_number),
    Column("Tracking", lambda e: e.tracking_number),
    Column("Description", lambda e: e.description, tooltip=lambda e: e.description),
    Column(
        "Resolution",
        lambda e: f"{e.resolution} — {e.resolved_by}, {fmt.local_time(e.resolved_at)}" if e.resolved_at else "open",
        foreground=lambda e: style.GOOD if e.resolved_at else style.BAD,
    ),
]


class ExceptionsModel(RecordTableModel[dm.ShipmentException]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(EXCEPTION_COLUMNS, parent)


class ExceptionsView(QWidget):
    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exceptionsView")
        self.bench = bench
        self.runner = runner
        self.resolve_dialog: NoteDialog | None = None
        self._seq = 0
        root = QVBoxLayout(self)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Severity"))
        self.severity_combo = QComboBox()
        self.severity_combo.addItem("All severities", None)
        for severity in reversed(list(ExceptionSeverity)):
            self.severity_combo.addItem(fmt.title(severity.value), severity.value)
        filters.addWidget(self.severity_combo)
        self.open_only = QCheckBox("Open only")
        self.open_only.setChecked(True)
        filters.addWidget(self.open_only)
        filters.addStretch(1)
        self.count_label = QLabel()
        filters.addWidget(self.count_label)
        self.resolve_button = QPushButton("Resolve…")
        self.resolve_button.setObjectName("resolveButton")
        self.resolve_button.clicked.connect(self.resolve_selected)
        filters.addWidget(self.resolve_button)
        root.addLayout(filters)

        self.model = ExceptionsModel(self)
        self.table = QTableView()
        self.table.setObjectName("exceptionsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.doubleClicked.connect(self.resolve_selected)
        root.addWidget(self.table, 1)

        self.message = QLabel()
        self.message.setObjectName("exceptionsMessage")
        self.message.setWordWrap(True)
        root.addWidget(self.message)

        self.severity_combo.currentIndexChanged.connect(self.refresh)
        self.open_only.toggled.connect(self.refresh)
        self._update_buttons()

    @Slot()
    def refresh(self) -> None:
        self._seq += 1
        seq = self._seq
        code: str | None = self.severity_combo.currentData()  # Qt returns item data as plain str
        severity = ExceptionSeverity(code) if code else None
        open_only = self.open_only.isChecked()
        self.runner.run(
            Op(
                lambda _ctx: exc_service.list_exceptions(self.bench, open_only=open_only, severity=severity),
                label="Loading exceptions…",
                on_success=lambda rows: self._show_rows(seq, rows),
            )
        )

    def _show_rows(self, seq: int, rows: list[dm.ShipmentException]) -> None:
        if seq != self._seq:
            return
        keep = self.selected()
        self.model.set_rows(rows)
        open_count = sum(1 for e in rows if e.is_open)
        self.count_label.setText(f"{len(rows)} shown, {open_count} open")
        if keep is not None:
            for row, e in enumerate(rows):
                if e.id == keep.id:
                    self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> dm.ShipmentException | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.resolve_button.setEnabled(chosen is not None and chosen.is_open)

    @Slot()
    def resolve_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or not chosen.is_open:
            return
        where = " · ".join(x for x in (chosen.order_number, chosen.tracking_number) if x)
        dialog = NoteDialog(
            "Resolve exception",
            "What was done? (required; it stays on the record)",
            "Resolve",
            self,
            context=f"{chosen.severity.value} · {fmt.title(chosen.type.value)} {where}\n{chosen.description}",
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._resolve(chosen, dialog.note()))
        self.resolve_dialog = dialog
        dialog.open()

    def _resolve(self, chosen: dm.ShipmentException, note: str) -> None:
        self.resolve_dialog = None
        self.runner.run(
            Op(
                lambda _ctx: exc_service.resolve(self.bench, chosen.id, note),
                label="Resolving exception…",
                writes=True,
                on_success=self._resolved,
                on_failure=self._failed,
            )
        )

    def _resolved(self, e: dm.ShipmentException) -> None:
        self.message.setText(f"Resolved: {e.description}")
        style.set_text_color(self.message, style.GOOD)
        self.refresh()

    def _failed(self, failure: Failure) -> None:
        self.message.setText(failure.message)
        style.set_text_color(self.message, style.BAD)

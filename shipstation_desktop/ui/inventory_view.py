"""The Inventory tab: stock per SKU against its low-stock threshold, low ones highlighted, and an
adjust dialog for recounts, goods in and returns (services/inventory.py does the work)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain.inventory import AlertLevel, StockReason
from shipstation_desktop.services import inventory as inv_service
from shipstation_desktop.services.bench import Bench

from . import formatting as fmt
from . import style
from .bench_events import BenchEvents
from .i18n import N_, _, ngettext
from .ops import Failure, Op, OpRunner
from .table_model import Column, RecordTableModel

# Text and background per level: the same colours as the supervisor queue's MEDIUM and HIGH.
_LEVEL_COLOURS: dict[AlertLevel, tuple[str, str] | None] = {
    AlertLevel.OK: None,
    AlertLevel.LOW: (style.WARN, style.WARN_BG),
    AlertLevel.OUT: (style.BAD, style.BAD_BG),
}
_REFRESH_ON = frozenset({"inventory", "shipments", "orders", "all"})
_LEVEL_NAMES: dict[AlertLevel, str] = {
    AlertLevel.OK: N_("OK"),
    AlertLevel.LOW: N_("Low"),
    AlertLevel.OUT: N_("Out of stock"),
}
# Why stock moved, as nouns (the dialog's "Adjust" button is the verb); the adjust dialog offers the
# manual ones (domain/inventory.MANUAL_REASONS).
REASON_NAMES: dict[StockReason, str] = {
    StockReason.SHIP: N_("Shipment"),
    StockReason.VOID: N_("Voided label"),
    StockReason.ADJUST: N_("Adjustment"),
    StockReason.RECEIVE: N_("Goods in"),
    StockReason.RETURN: N_("Return"),
}


def _fg(i: inv_service.StockItem) -> str | None:
    colours = _LEVEL_COLOURS[i.level]
    return colours[0] if colours else (None if i.tracked else style.MUTED)


def _bg(i: inv_service.StockItem) -> str | None:
    colours = _LEVEL_COLOURS[i.level]
    return colours[1] if colours else None


def _state(i: inv_service.StockItem) -> str:
    if not i.tracked:
        return _("Not tracked")
    return _(_LEVEL_NAMES[i.level])


INVENTORY_COLUMNS: list[Column[inv_service.StockItem]] = [
    Column(N_("SKU"), lambda i: i.sku, foreground=_fg, background=_bg),
    Column(N_("Name"), lambda i: i.name),
    Column(N_("On hand"), lambda i: str(i.on_hand), align_right=True, foreground=_fg, background=_bg),
    Column(N_("Threshold"), lambda i: "" if i.threshold is None else str(i.threshold), align_right=True),
    Column(N_("Location"), lambda i: i.location),
    Column(N_("State"), _state, foreground=_fg, background=_bg),
    Column(N_("Last change"), lambda i: fmt.local_time(i.updated_at) if i.updated_at else ""),
]


class InventoryModel(RecordTableModel[inv_service.StockItem]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(INVENTORY_COLUMNS, parent)


class AdjustDialog(QDialog):
    """Quantity (+ in, - out), reason and note for one SKU. Ship and void are not offered: only
    shipping and voiding labels write those."""

    def __init__(self, item: inv_service.StockItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Adjust stock — {sku}").format(sku=item.sku))
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        about = QLabel(f"{item.sku} {item.name}".strip() + "\n" + _("{count} on hand").format(count=item.on_hand))
        about.setWordWrap(True)
        layout.addWidget(about)
        form = QFormLayout()
        self.delta = QSpinBox()
        self.delta.setObjectName("adjustDelta")
        self.delta.setRange(-inv_service.MAX_QUANTITY, inv_service.MAX_QUANTITY)
        self.delta.setValue(1)
        form.addRow(_("Quantity (+ in, − out)"), self.delta)
        self.reason = QComboBox()
        self.reason.setObjectName("adjustReason")
        for reason in (StockReason.ADJUST, StockReason.RECEIVE, StockReason.RETURN):
            self.reason.addItem(_(REASON_NAMES[reason]), reason.value)
        form.addRow(_("Reason"), self.reason)
        self.note = QLineEdit()
        self.note.setObjectName("adjustNote")
        self.note.setPlaceholderText(_("e.g. recount, damaged, supplier delivery"))
        form.addRow(_("Note"), self.note)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = QPushButton(_("Adjust"))
        self.ok_button.setDefault(True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.delta.valueChanged.connect(lambda v: self.ok_button.setEnabled(v != 0))

    def chosen_reason(self) -> StockReason:
        return StockReason(self.reason.currentData())


class InventoryView(QWidget):
    def __init__(
        self, bench: Bench, runner: OpRunner, events: BenchEvents | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("inventoryView")
        self.bench = bench
        self.runner = runner
        self.adjust_dialog: AdjustDialog | None = None
        self._seq = 0
        root = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.low_only = QCheckBox(_("Low stock only"))
        self.low_only.setObjectName("lowOnly")
        bar.addWidget(self.low_only)
        bar.addStretch(1)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        self.adjust_button = QPushButton(_("Adjust…"))
        self.adjust_button.setObjectName("adjustButton")
        self.adjust_button.clicked.connect(self.adjust_selected)
        bar.addWidget(self.adjust_button)
        root.addLayout(bar)

        self.model = InventoryModel(self)
        self.table = QTableView()
        self.table.setObjectName("inventoryTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.doubleClicked.connect(self.adjust_selected)
        root.addWidget(self.table, 1)

        self.message = QLabel()
        self.message.setObjectName("inventoryMessage")
        self.message.setWordWrap(True)
        root.addWidget(self.message)

        self.low_only.toggled.connect(self.refresh)
        if events is not None:
            events.changed.connect(self._on_bench_changed)
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # stock moves with every shipment: fresh whenever the tab is opened

    @Slot(frozenset)
    def _on_bench_changed(self, what: frozenset[str]) -> None:
        if what & _REFRESH_ON and self.isVisible():
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        self._seq += 1
        seq = self._seq
        low_only = self.low_only.isChecked()
        self.runner.run(
            Op(
                lambda _ctx: inv_service.list_items(self.bench, low_only=low_only),
                label=_("Loading inventory…"),
                on_success=lambda rows: self._show_rows(seq, rows),
            )
        )

    def _show_rows(self, seq: int, rows: list[inv_service.StockItem]) -> None:
        if seq != self._seq:
            return
        keep = self.selected()
        self.model.set_rows(rows)
        low = sum(1 for i in rows if i.is_low)
        self.count_label.setText(
            ngettext("{count} SKU, {low} low", "{count} SKUs, {low} low", len(rows)).format(count=len(rows), low=low)
        )
        if keep is not None:
            for row, item in enumerate(rows):
                if item.sku == keep.sku:
                    self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> inv_service.StockItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.adjust_button.setEnabled(self.selected() is not None)

    @Slot()
    def adjust_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        dialog = AdjustDialog(chosen, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self._adjust(chosen.sku, dialog.delta.value(), dialog.chosen_reason(), dialog.note.text())
        )
        self.adjust_dialog = dialog
        dialog.open()

    def _adjust(self, sku: str, delta: int, reason: StockReason, note: str) -> None:
        self.adjust_dialog = None
        self.runner.run(
            Op(
                lambda _ctx: inv_service.adjust(self.bench, sku, delta, reason, note=note),
                label=_("Adjusting stock…"),
                writes=True,
                on_success=self._adjusted,
                on_failure=self._failed,
            )
        )

    def _adjusted(self, movement: inv_service.Movement) -> None:
        self.message.setText(
            _("{sku}: {delta} ({reason}) recorded.").format(
                sku=movement.sku, delta=f"{movement.delta:+d}", reason=_(REASON_NAMES[movement.reason]).lower()
            )
        )
        style.set_text_color(self.message, style.GOOD)
        self.refresh()

    def _failed(self, failure: Failure) -> None:
        self.message.setText(failure.message)
        style.set_text_color(self.message, style.BAD)

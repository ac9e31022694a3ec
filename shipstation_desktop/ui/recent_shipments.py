"""The pack screen's "Last shipments" strip: the latest labels, with Reprint and (supervisor) Void."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import ShipmentStatus
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench

from . import enum_labels, permissions_ui, style
from . import formatting as fmt
from .i18n import _
from .note_dialog import NoteDialog, ask_void_reason
from .ops import Op, OpRunner

LAST_SHIPMENTS = 10


class RecentShipments(QGroupBox):
    message = Signal(str, bool)  # text, is_error: the pack screen shows it in its result strip

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(_("Last shipments"), parent)
        self.bench = bench
        self.runner = runner
        self.shipments: list[dm.Shipment] = []
        self.void_dialog: NoteDialog | None = None
        layout = QHBoxLayout(self)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("recentShipments")
        self.table.setHorizontalHeaderLabels(
            [_("Time"), _("Order"), _("Tracking"), _("Service"), _("Status"), _("Label")]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # the scan field keeps the keyboard
        self.table.setMaximumHeight(190)
        header = self.table.horizontalHeader()
        # Sized once per refresh (below), not per cell: ResizeToContents re-measured every column
        # on each of the ~60 setItem calls and stalled the event loop by tens of milliseconds.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        buttons = QVBoxLayout()
        self.reprint_button = QPushButton(_("Reprint label"))
        self.reprint_button.setToolTip(_("Print the selected (by default the last) label again (Ctrl+P)"))
        self.reprint_button.clicked.connect(self.reprint_selected)
        self.void_button = QPushButton(_("Void label…"))
        self.void_button.setToolTip(_("Supervisor action: cancels the label at the carrier; the order can ship again"))
        self.void_button.clicked.connect(self.void_selected)
        buttons.addWidget(self.reprint_button)
        buttons.addWidget(self.void_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._update_buttons()

    @Slot()
    def refresh(self) -> None:
        self.runner.run(
            Op(
                lambda _ctx: shipment_service.list_shipments(self.bench, limit=LAST_SHIPMENTS),
                label=_("Loading last shipments…"),
                on_success=self._show,
            )
        )

    def _show(self, shipments: list[dm.Shipment]) -> None:
        selected = self.selected()
        if shipments and (not self.shipments or shipments[0].id != self.shipments[0].id):
            selected = None  # a new label arrived: "last shipment" now means that one
        self.shipments = shipments
        self.table.setRowCount(len(shipments))
        for row, s in enumerate(shipments):
            status = QTableWidgetItem(enum_labels.shipment_status(s.status))
            status.setForeground(style.color(style.SHIPMENT_STATUS[s.status]))
            cells = [
                QTableWidgetItem(fmt.local_time(s.created_at)),
                QTableWidgetItem(s.order_number),
                QTableWidgetItem(s.tracking_number),
                QTableWidgetItem(s.service),
                status,
                QTableWidgetItem(s.label_path or _("not printed")),
            ]
            for col, item in enumerate(cells):
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        keep = next((i for i, s in enumerate(shipments) if selected and s.id == selected.id), 0)
        if shipments:
            self.table.selectRow(keep)
        self._update_buttons()

    def selected(self) -> dm.Shipment | None:
        """The highlighted shipment, or the newest one when nothing is highlighted."""
        rows = self.table.selectionModel().selectedRows()
        if rows and 0 <= rows[0].row() < len(self.shipments):
            return self.shipments[rows[0].row()]
        return self.shipments[0] if self.shipments else None

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.reprint_button.setEnabled(chosen is not None and chosen.status is not ShipmentStatus.CANCELLED)
        permissions_ui.allow(
            self.void_button,
            self.bench,
            Permission.VOID_LABELS,
            chosen is not None and chosen.status is ShipmentStatus.LABEL_CREATED,
        )

    @Slot()
    def reprint_selected(self) -> None:
        shipment = self.selected()
        if shipment is None:
            return
        self.runner.run(
            Op(
                lambda _ctx: shipment_service.reprint(self.bench, shipment.id),
                label=_("Reprinting {tracking}…").format(tracking=shipment.tracking_number),
                writes=True,
                on_success=lambda printed: self.message.emit(
                    _("Reprinted {tracking} to {where}").format(
                        tracking=shipment.tracking_number, where=printed.location
                    ),
                    False,
                ),
                on_failure=lambda failure: self.message.emit(failure.message, True),
            )
        )

    @Slot()
    def void_selected(self) -> None:
        shipment = self.selected()
        if shipment is None or shipment.status is not ShipmentStatus.LABEL_CREATED:
            return
        self.void_dialog = ask_void_reason(self, shipment, lambda reason: self._void(shipment, reason))

    def _void(self, shipment: dm.Shipment, reason: str) -> None:
        self.void_dialog = None
        self.runner.run(
            Op(
                lambda _ctx: shipment_service.void(self.bench, shipment.id, reason),
                label=_("Voiding {tracking}…").format(tracking=shipment.tracking_number),
                writes=True,
                on_success=lambda s: self.message.emit(
                    _("Label {tracking} voided; order {order} can ship again.").format(
                        tracking=s.tracking_number, order=s.order_number
                    ),
                    False,
                ),
                on_failure=lambda failure: self.message.emit(failure.message, True),
            )
        )

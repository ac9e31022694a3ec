"""Shipments: a filtered list, and a detail pane with the tracking timeline, reprint and void."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, QItemSelection, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.costs import CostSummary
from shipstation_desktop.domain.enums import ShipmentStatus
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.services import documents, printing
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench

from . import enum_labels, permissions_ui, style
from . import formatting as fmt
from .batch_print import BatchPrintDialog
from .i18n import N_, _, ngettext
from .label_preview import LabelPreviewDialog
from .note_dialog import NoteDialog, ask_void_reason
from .ops import Failure, Op, OpRunner
from .table_model import Column, RecordTableModel
from .track_dialog import TrackDialog

SEARCH_DELAY_MS = 250  # wait for a pause in typing before querying
DEFAULT_DAYS = 30
# The detail pane's fields, keyed by these English names (self.fields); the form shows them translated.
DETAIL_FIELDS = (
    N_("Order"),
    N_("Carrier"),
    N_("Status"),
    N_("Weight"),
    N_("Cost"),
    N_("Billed"),
    N_("Label bought"),
    N_("Estimated delivery"),
    N_("Delivered"),
    N_("Delivery proof"),
    N_("Tracking link"),
    N_("Label file"),
    N_("Ship to"),
)


def shipment_columns(bench: Bench) -> list[Column[dm.Shipment]]:
    def carrier_name(s: dm.Shipment) -> str:
        carrier = bench.carriers.get(s.carrier)
        return carrier.name if carrier else s.carrier

    return [
        Column(N_("Created"), lambda s: fmt.local_time(s.created_at)),
        Column(N_("Order"), lambda s: s.order_number),
        Column(N_("Tracking"), lambda s: s.tracking_number),
        Column(N_("Carrier"), carrier_name),
        Column(N_("Service"), lambda s: s.service),
        Column(
            N_("Status"),
            lambda s: enum_labels.shipment_status(s.status),
            foreground=lambda s: style.SHIPMENT_STATUS[s.status],
        ),
        # The unit is read per paint so a change in Preferences shows without rebuilding the model.
        Column(N_("Weight"), lambda s: fmt.weight(s.weight, bench.settings.weight_unit), align_right=True),
        Column(N_("Cost"), lambda s: fmt.money(s.shipping_cost), align_right=True),
    ]


class ShipmentsModel(RecordTableModel[dm.Shipment]):
    def __init__(self, bench: Bench, parent: QWidget | None = None) -> None:
        super().__init__(shipment_columns(bench), parent)


def _local_midnight_utc(day: QDate) -> datetime:
    local = datetime.combine(date(day.year(), day.month(), day.day()), time.min).astimezone()  # local midnight
    return local.astimezone(UTC)


class ShipmentsView(QWidget):
    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shipmentsView")
        self.bench = bench
        self.runner = runner
        self.current: dm.Shipment | None = None
        self.void_dialog: NoteDialog | None = None
        self.preview_dialog: LabelPreviewDialog | None = None
        self.batch_dialog: BatchPrintDialog | None = None
        self._list_seq = 0
        self._detail_seq = 0
        self._want_selected: str | None = None
        self._build()

    # -------------------------------------------------------------------------------- layout

    def _build(self) -> None:
        root = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(_("Search tracking or order number"))
        self.search_edit.setClearButtonEnabled(True)
        filters.addWidget(self.search_edit, 2)

        self.status_combo = QComboBox()
        self.status_combo.addItem(_("All statuses"), None)
        for status in ShipmentStatus:
            self.status_combo.addItem(enum_labels.shipment_status(status), status.value)
        filters.addWidget(self.status_combo)

        self.carrier_combo = QComboBox()
        self.carrier_combo.addItem(_("All carriers"), None)
        for code, carrier in sorted(self.bench.carriers.items()):
            self.carrier_combo.addItem(carrier.name, code)
        filters.addWidget(self.carrier_combo)

        today = QDate.currentDate()
        self.from_date = QDateEdit(today.addDays(-DEFAULT_DAYS))
        self.to_date = QDateEdit(today)
        for edit in (self.from_date, self.to_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        filters.addWidget(QLabel(_("From")))
        filters.addWidget(self.from_date)
        filters.addWidget(QLabel(_("to")))
        filters.addWidget(self.to_date)
        self.count_label = QLabel()
        self.count_label.setMinimumWidth(110)
        filters.addWidget(self.count_label)
        self.track_number_button = QPushButton(_("Track a number…"))
        self.track_number_button.setObjectName("trackNumberButton")
        self.track_number_button.setToolTip(_("Ask a carrier about any tracking number, ours or not"))
        self.track_number_button.clicked.connect(self.track_number)
        filters.addWidget(self.track_number_button)
        root.addLayout(filters)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.status_combo.currentIndexChanged.connect(self.refresh)
        self.carrier_combo.currentIndexChanged.connect(self.refresh)
        self.from_date.dateChanged.connect(self.refresh)
        self.to_date.dateChanged.connect(self.refresh)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.model = ShipmentsModel(self.bench, self)
        self.table = QTableView()
        self.table.setObjectName("shipmentsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows can be chosen for batch printing; the detail pane follows the current one.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        splitter.addWidget(self.table)
        splitter.addWidget(self._build_detail())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        root.addWidget(splitter, 1)

    def _build_detail(self) -> QWidget:
        box = QGroupBox(_("Shipment"))
        layout = QVBoxLayout(box)
        self.detail_title = QLabel(_("Select a shipment"))
        self.detail_title.setObjectName("shipmentTitle")
        self.detail_title.setFont(style.scaled_font(self, 1.4, bold=True))
        self.detail_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail_title)
        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for name in DETAIL_FIELDS:
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(_("{field}:").format(field=_(name)), value)
            self.fields[name] = value
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Tracking timeline (newest first)")))
        self.timeline = QTreeWidget()
        self.timeline.setObjectName("trackingTimeline")
        self.timeline.setRootIsDecorated(False)
        self.timeline.setHeaderLabels([_("When"), _("Status"), _("Event"), _("Location")])
        self.timeline.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.timeline.header().setStretchLastSection(True)
        layout.addWidget(self.timeline, 1)
        self.detail_message = QLabel()
        self.detail_message.setObjectName("shipmentMessage")
        self.detail_message.setWordWrap(True)
        layout.addWidget(self.detail_message)
        buttons = QHBoxLayout()
        self.track_button = QPushButton(_("Refresh tracking"))
        self.track_button.clicked.connect(self.refresh_tracking)
        self.reprint_button = QPushButton(_("Reprint"))
        self.reprint_button.clicked.connect(self.reprint)
        self.void_button = QPushButton(_("Void…"))
        self.void_button.setToolTip(_("Supervisor action: cancels the label at the carrier"))
        self.void_button.clicked.connect(self.void)
        self.preview_button = QPushButton(_("Preview label"))
        self.preview_button.setToolTip(_("The label as it prints, on screen"))
        self.preview_button.clicked.connect(self.preview)
        self.slip_button = QPushButton(_("Packing slip"))
        self.slip_button.setToolTip(_("Print the packing slip on the bench's slip printer"))
        self.slip_button.clicked.connect(self.print_slip)
        for button in (self.track_button, self.preview_button, self.reprint_button, self.slip_button, self.void_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        batch_row = QHBoxLayout()
        self.batch_button = QPushButton(_("Print selected labels…"))
        self.batch_button.setObjectName("batchPrintButton")
        self.batch_button.setToolTip(_("Print the labels of every selected shipment, with progress and cancel"))
        self.batch_button.clicked.connect(self.print_selected)
        batch_row.addStretch(1)
        batch_row.addWidget(self.batch_button)
        layout.addLayout(batch_row)
        self._update_buttons()
        return box

    # -------------------------------------------------------------------------------- list

    def date_range(self) -> tuple[datetime, datetime]:
        """From the first day's local midnight to the end of the last day, in UTC as stored."""
        start, end = sorted((self.from_date.date(), self.to_date.date()))
        return _local_midnight_utc(start), _local_midnight_utc(end) + timedelta(days=1)

    @Slot()
    def refresh(self) -> None:
        self._search_timer.stop()
        self._list_seq += 1
        seq = self._list_seq
        # Qt hands item data back as plain str (a StrEnum loses its type in a QVariant).
        status_code: str | None = self.status_combo.currentData()
        status = ShipmentStatus(status_code) if status_code else None
        carrier: str | None = self.carrier_combo.currentData()
        since, until = self.date_range()
        search = self.search_edit.text()
        self.runner.run(
            Op(
                lambda _ctx: shipment_service.list_shipments(
                    self.bench, status=status, carrier=carrier, since=since, until=until, search=search
                ),
                label=_("Loading shipments…"),
                on_success=lambda rows: self._show_rows(seq, rows),
            )
        )

    def _show_rows(self, seq: int, rows: list[dm.Shipment]) -> None:
        if seq != self._list_seq:
            return
        keep = self._want_selected or (self.current.id if self.current else None)
        self._want_selected = None
        self.model.set_rows(rows)
        self.count_label.setText(ngettext("{count} shipment", "{count} shipments", len(rows)).format(count=len(rows)))
        for row, shipment in enumerate(rows):
            if shipment.id == keep:
                self.table.selectRow(row)
                break

    def select_shipment(self, shipment_id: str) -> None:
        """Selects a shipment once the list has it (used after a scan or from other views)."""
        for row, shipment in enumerate(self.model.rows()):
            if shipment.id == shipment_id:
                self.table.selectRow(row)
                return
        self._want_selected = shipment_id

    # -------------------------------------------------------------------------------- detail

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        selection = self.table.selectionModel()
        rows = selection.selectedRows()
        current = selection.currentIndex()
        # The detail follows the row last clicked; with several selected, that is the current one.
        row = current.row() if current.isValid() and selection.isRowSelected(current.row()) else None
        if row is None and rows:
            row = rows[0].row()
        record = self.model.record(row) if row is not None else None
        self._update_buttons()
        if record is None:
            self._show_detail(None)
            return
        self.load_detail(record.id)

    def load_detail(self, shipment_id: str) -> None:
        self._detail_seq += 1
        seq = self._detail_seq
        self.runner.run(
            Op(
                lambda _ctx: shipment_service.get_shipment(self.bench, shipment_id),
                label=_("Loading shipment…"),
                on_success=lambda s: self._detail_loaded(seq, s),
                on_failure=self._show_failure,
            )
        )

    def _detail_loaded(self, seq: int, shipment: dm.Shipment) -> None:
        if seq == self._detail_seq:
            self._show_detail(shipment)

    def _show_detail(self, shipment: dm.Shipment | None) -> None:
        same = shipment is not None and self.current is not None and self.current.id == shipment.id
        self.current = shipment
        if not same:  # a reload of the same shipment (a background change) keeps "Tracking refreshed" & co.
            self.detail_message.setText("")
        self.timeline.clear()
        if shipment is None:
            self.detail_title.setText(_("Select a shipment"))
            for label in self.fields.values():
                label.setText("")
            self._update_buttons()
            return
        unit = self.bench.settings.weight_unit
        carrier = self.bench.carriers.get(shipment.carrier)
        self.detail_title.setText(shipment.tracking_number)
        link = shipment.tracking_url or (carrier.tracking_url(shipment.tracking_number) if carrier else "")
        values = {
            "Order": shipment.order_number,
            "Carrier": f"{carrier.name if carrier else shipment.carrier} — {shipment.service}",
            "Status": enum_labels.shipment_status(shipment.status),
            "Weight": fmt.weight(shipment.weight, unit),
            "Cost": fmt.money(shipment.shipping_cost),
            "Billed": CostSummary(shipment.shipping_cost, shipment.billed_cost).describe(),
            "Label bought": fmt.local_time(shipment.label_created_at),
            "Estimated delivery": fmt.local_time(shipment.estimated_delivery),
            "Delivered": fmt.local_time(shipment.actual_delivery),
            "Delivery proof": _proof(shipment),
            "Tracking link": link,
            "Label file": shipment.label_path or _("not printed yet"),
            "Ship to": ", ".join(shipment.ship_to.lines()),
        }
        for name, text in values.items():
            self.fields[name].setText(text)
        style.set_text_color(self.fields["Status"], style.SHIPMENT_STATUS[shipment.status])
        for event in sorted(shipment.events, key=lambda e: e.timestamp, reverse=True):
            item = QTreeWidgetItem(
                [
                    fmt.local_time(event.timestamp),
                    enum_labels.shipment_status(event.status),
                    event.description,
                    event.location,
                ]
            )
            item.setForeground(1, style.color(style.SHIPMENT_STATUS[event.status]))
            self.timeline.addTopLevelItem(item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        s = self.current
        self.track_button.setEnabled(s is not None)
        self.preview_button.setEnabled(s is not None)
        self.slip_button.setEnabled(s is not None)
        self.batch_button.setEnabled(bool(self.selected_shipments()))
        self.reprint_button.setEnabled(s is not None and s.status is not ShipmentStatus.CANCELLED)
        permissions_ui.allow(
            self.void_button,
            self.bench,
            Permission.VOID_LABELS,
            s is not None and s.status is ShipmentStatus.LABEL_CREATED,
        )

    def _show_failure(self, failure: Failure) -> None:
        self.detail_message.setText(failure.message)
        style.set_text_color(self.detail_message, style.BAD)

    def _note(self, text: str) -> None:
        self.detail_message.setText(text)
        style.set_text_color(self.detail_message, style.INFO)

    # -------------------------------------------------------------------------------- actions

    @Slot()
    def track_number(self) -> TrackDialog:
        dialog = TrackDialog(self.bench, self.runner, self, number=self.search_edit.text().strip())
        dialog.tracked.connect(lambda _result: self.refresh())
        dialog.setModal(False)
        dialog.show()
        self.track_dialog = dialog
        return dialog

    @Slot()
    def refresh_tracking(self) -> None:
        shipment = self.current
        if shipment is None:
            return
        self.track_button.setEnabled(False)
        self.runner.run(
            Op(
                lambda _ctx: shipment_service.refresh_tracking(self.bench, shipment.id),
                label=_("Tracking {number}…").format(number=shipment.tracking_number),
                writes=True,
                on_success=self._tracked,
                on_failure=self._show_failure,
                on_done=self._update_buttons,
            )
        )

    def _tracked(self, shipment: dm.Shipment) -> None:
        # Keyed on the shipment, not on a request counter: a list refresh that reloads the same
        # detail meanwhile must not swallow the answer the supervisor asked for.
        if self.current is not None and self.current.id == shipment.id:
            self._show_detail(shipment)
            self._note(_("Tracking refreshed: {status}.").format(status=enum_labels.shipment_status(shipment.status)))
        self.refresh()

    @Slot()
    def reprint(self) -> None:
        shipment = self.current
        if shipment is None:
            return
        self.runner.run(
            Op(
                lambda _ctx: shipment_service.reprint(self.bench, shipment.id),
                label=_("Reprinting {number}…").format(number=shipment.tracking_number),
                writes=True,
                on_success=lambda printed: self._note(_("Reprinted to {location}").format(location=printed.location)),
                on_failure=self._show_failure,
            )
        )

    def selected_shipments(self) -> list[dm.Shipment]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [record for row in rows if (record := self.model.record(row)) is not None]

    @Slot()
    def preview(self) -> None:
        shipment = self.current
        if shipment is None:
            return
        bench = self.bench
        self.preview_dialog = LabelPreviewDialog(
            self.runner,
            _("Label {number}").format(number=shipment.tracking_number),
            lambda: documents.preview_of_shipment(bench, shipment.id),
            self,
            on_print=self.reprint if shipment.status is not ShipmentStatus.CANCELLED else None,
        )
        self.preview_dialog.open()

    @Slot()
    def print_selected(self) -> None:
        chosen = [s for s in self.selected_shipments() if s.status is not ShipmentStatus.CANCELLED]
        skipped = len(self.selected_shipments()) - len(chosen)
        if not chosen:
            self._show_failure_text(_("Voided labels are not printed again; choose other shipments."))
            return
        self.batch_dialog = BatchPrintDialog(self.bench, self.runner, [s.id for s in chosen], self)
        self.batch_dialog.finished_batch.connect(lambda _outcome: self.refresh())
        self.batch_dialog.open()
        self.batch_dialog.start()
        if skipped:
            self._note(
                ngettext(
                    "{count} voided label left out of the batch.",
                    "{count} voided labels left out of the batch.",
                    skipped,
                ).format(count=skipped)
            )

    @Slot()
    def print_slip(self) -> None:
        shipment = self.current
        if shipment is None:
            return
        bench = self.bench
        self.runner.run(
            Op(
                lambda _ctx: printing.print_slip(bench, shipment.order_number),
                label=_("Printing the packing slip for {order}…").format(order=shipment.order_number),
                on_success=self._slip_done,
                on_failure=self._show_failure,
            )
        )

    def _slip_done(self, attempt: printing.Attempt) -> None:
        if attempt.result is not None:
            self._note(
                _("Packing slip {job} sent to {location}").format(
                    job=attempt.job.name, location=attempt.result.location
                )
            )
        elif attempt.waiting:
            self._note(_("Packing slip queued: {error}").format(error=attempt.error))
        else:
            self._show_failure_text(_("Packing slip not printed: {error}").format(error=attempt.error))

    def _show_failure_text(self, text: str) -> None:
        self.detail_message.setText(text)
        style.set_text_color(self.detail_message, style.BAD)

    @Slot()
    def void(self) -> None:
        shipment = self.current
        if shipment is None:
            return
        self.void_dialog = ask_void_reason(self, shipment, lambda reason: self._void(shipment, reason))

    def _void(self, shipment: dm.Shipment, reason: str) -> None:
        self.void_dialog = None
        self.runner.run(
            Op(
                lambda _ctx: shipment_service.void(self.bench, shipment.id, reason),
                label=_("Voiding {number}…").format(number=shipment.tracking_number),
                writes=True,
                on_success=self._voided,
                on_failure=self._show_failure,
            )
        )

    def _voided(self, shipment: dm.Shipment) -> None:
        if self.current is not None and self.current.id == shipment.id:
            self._show_detail(shipment)
        self._note(
            _("Label {number} voided; order {order} can ship again.").format(
                number=shipment.tracking_number, order=shipment.order_number
            )
        )
        self.refresh()


def _proof(shipment: dm.Shipment) -> str:
    parts = []
    if shipment.delivery_signature:
        parts.append(_("signed by {name}").format(name=shipment.delivery_signature))
    if shipment.delivery_photo:
        parts.append(_("photo: {photo}").format(photo=shipment.delivery_photo))
    return "; ".join(parts)

"""The home screen: scan -> weigh -> check -> rates -> Buy & Print, driven by the scanner and the scale.

The view only sequences the steps and shows them; every step is a service call run through the ops
runner (scan, quote and buy never run on the GUI thread). The one pure computation done here is the
weight check (`packing.check_order_weight`), which touches neither the store nor a device.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.devices.printer_port import PrintResult
from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleReading, ScaleStatus
from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import CustomerStatus, RateRule
from shipstation_desktop.domain.errors import CustomerBlocked, NotFound
from shipstation_desktop.domain.rates import Rate, WeightCheck
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.services import documents, packing, telemetry
from shipstation_desktop.services.bench import Bench

from . import enum_labels, style
from . import formatting as fmt
from .address_issue_banner import AddressIssueBanner
from .device_labels import scale_health
from .i18n import N_, _, ngettext
from .label_preview import LabelPreviewDialog
from .ops import Failure, FailureKind, Op, OpContext, OpHandle, OpRunner, Progress
from .recent_shipments import RecentShipments
from .scale_controls import ScaleControls
from .scale_worker import ScaleWorker

DEMO_SPREAD = 0.03  # the demo parcel lands within ±3 % of the expected weight, inside the default tolerance

# Why a rate is preselected when the rule itself gave no reason.
RULE_FALLBACK: dict[RateRule, str] = {
    RateRule.CHEAPEST: N_("the cheapest one"),
    RateRule.FASTEST: N_("the fastest one"),
    RateRule.CHEAPEST_WITHIN_DAYS: N_("the cheapest one arriving in time"),
}


class PackState(StrEnum):
    IDLE = "idle"  # waiting for a scan
    SCANNING = "scanning"
    WEIGHING = "weighing"  # order on screen, waiting for a stable weight
    RATING = "rating"
    READY = "ready"  # rates on screen, Buy & Print possible
    BUYING = "buying"
    BLOCKED = "blocked"  # the scan was refused (blocked customer, already shipped, …)


@dataclass(frozen=True, slots=True)
class BuyOutcome:
    shipment: dm.Shipment
    printed: PrintResult | None
    print_error: str = ""


class PackView(QWidget):
    shipped = Signal(object)  # dm.Shipment, after a label was bought (printed or not)
    state_changed = Signal(str)

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("packView")
        self.bench = bench
        self.runner = runner
        self.state = PackState.IDLE
        self.ticket: packing.PackTicket | None = None
        self.package: dm.Package | None = None
        self.weight_check: WeightCheck | None = None
        self.rates: tuple[Rate, ...] = ()
        self.last_reading: ScaleReading | None = None
        self._scan_seq = 0  # results of an older scan or quote are ignored
        self._quote_seq = 0
        self._pending: list[OpHandle] = []  # cancellable work for the current order
        self._rng = random.Random()
        self._scale_worker: ScaleWorker | None = None
        # True once the captured weight went onto a label; cleared when the scale shows zero again, so
        # the next order never inherits the previous parcel's weight.
        self._weight_used = False
        self.preview_dialog: LabelPreviewDialog | None = None
        # Step times for the productivity dashboard: the order's timer, when the wait for a stable
        # weight began (wall clock, monotonic) and that wait once measured (recorded off the GUI thread).
        self._timer: telemetry.PackTimer | None = None
        self._weigh_from: tuple[datetime, float] | None = None
        self._weighed: tuple[datetime, float] | None = None
        self._build()
        self._set_state(PackState.IDLE)
        self._show_no_order()

    # ================================================================================ layout

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setSpacing(10)

        scan_row = QHBoxLayout()
        scan_label = QLabel(_("Scan order:"))
        scan_label.setFont(style.scaled_font(self, 1.3, bold=True))
        self.scan_edit = QLineEdit()
        self.scan_edit.setObjectName("scanEdit")
        self.scan_edit.setPlaceholderText(_("Scan the packing slip or type an order number, then Enter"))
        self.scan_edit.setFont(style.scaled_font(self, 1.6))
        self.scan_edit.setMinimumHeight(44)
        self.scan_edit.setClearButtonEnabled(True)
        self.scan_edit.returnPressed.connect(self.submit_scan)
        scan_label.setBuddy(self.scan_edit)
        scan_row.addWidget(scan_label)
        scan_row.addWidget(self.scan_edit, 1)
        root.addLayout(scan_row)

        self.scan_message = QLabel()
        self.scan_message.setObjectName("scanMessage")
        self.scan_message.setWordWrap(True)
        self.scan_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        root.addWidget(self.scan_message)

        self.banner = QLabel()
        self.banner.setObjectName("blockedBanner")
        self.banner.setWordWrap(True)
        self.banner.setFont(style.scaled_font(self, 1.4, bold=True))
        style.banner(self.banner, "#ffffff", style.BAD)
        self.banner.hide()
        root.addWidget(self.banner)

        middle = QHBoxLayout()
        middle.addWidget(self._build_order_card(), 5)
        middle.addLayout(self._build_weigh_and_rates(), 6)
        root.addLayout(middle, 1)

        self.result_label = QLabel()
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setFont(style.scaled_font(self, 1.2, bold=True))
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()
        root.addWidget(self.result_label)

        self.recent = RecentShipments(self.bench, self.runner)
        self.recent.message.connect(self._say)
        root.addWidget(self.recent)

    def _build_order_card(self) -> QGroupBox:
        box = QGroupBox(_("Order"))
        layout = QVBoxLayout(box)
        self.order_title = QLabel()
        self.order_title.setObjectName("orderTitle")
        self.order_title.setFont(style.scaled_font(self, 1.8, bold=True))
        self.order_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.order_title)
        self.customer_label = QLabel()
        self.customer_label.setFont(style.scaled_font(self, 1.2, bold=True))
        layout.addWidget(self.customer_label)
        self.address_label = QLabel()
        self.address_label.setObjectName("shipToLabel")
        self.address_label.setWordWrap(True)
        self.address_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.address_label)
        self.lines_table = QTableWidget(0, 4)
        self.lines_table.setHorizontalHeaderLabels([_("SKU"), _("Item"), _("Qty"), _("Unit weight")])
        self.lines_table.verticalHeader().hide()
        self.lines_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.lines_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.lines_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.lines_table, 1)
        self.expected_label = QLabel()
        self.expected_label.setObjectName("expectedWeight")
        self.expected_label.setFont(style.scaled_font(self, 1.2))
        layout.addWidget(self.expected_label)
        self.warnings_label = QLabel()
        self.warnings_label.setObjectName("orderWarnings")
        self.warnings_label.setWordWrap(True)
        style.banner(self.warnings_label, style.WARN, style.WARN_BG)
        self.warnings_label.hide()
        layout.addWidget(self.warnings_label)
        return box

    def _build_weigh_and_rates(self) -> QVBoxLayout:
        column = QVBoxLayout()
        scale_box = QGroupBox(_("Scale — {name}").format(name=self.bench.scale.name))
        grid = QGridLayout(scale_box)
        self.weight_label = QLabel("—")
        self.weight_label.setObjectName("weightReadout")
        self.weight_label.setFont(style.scaled_font(self, point_size=style.WEIGHT_POINT_SIZE, bold=True))
        self.weight_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.weight_label.setMinimumWidth(380)
        self.weight_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        grid.addWidget(self.weight_label, 0, 0, 1, 3)
        self.stability_label = QLabel()
        self.stability_label.setObjectName("stabilityPill")
        self.stability_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(self.stability_label, 1, 0)
        self.scale_problem = QLabel()
        self.scale_problem.setObjectName("scaleProblem")
        self.scale_problem.setWordWrap(True)
        style.set_text_color(self.scale_problem, style.BAD)
        grid.addWidget(self.scale_problem, 1, 1, 1, 2)

        self.place_button = QPushButton(_("Place demo parcel"))
        self.place_button.setToolTip(_("Simulated scale only: puts the order's expected weight (±3 %) on the platter"))
        self.place_button.clicked.connect(self.place_demo_parcel)
        self.remove_button = QPushButton(_("Remove parcel"))
        self.remove_button.clicked.connect(self.remove_parcel)
        self.reweigh_button = QPushButton(_("Weigh again"))
        self.reweigh_button.setToolTip(_("Take the current stable weight again (e.g. after adding an item)"))
        self.reweigh_button.clicked.connect(self.weigh_again)
        grid.addWidget(self.place_button, 2, 0)
        grid.addWidget(self.remove_button, 2, 1)
        grid.addWidget(self.reweigh_button, 2, 2)
        simulated = self.is_simulated_scale
        self.place_button.setVisible(simulated)
        self.remove_button.setVisible(simulated)

        self.check_label = QLabel()
        self.check_label.setObjectName("weightCheck")
        self.check_label.setWordWrap(True)
        self.check_label.hide()
        grid.addWidget(self.check_label, 3, 0, 1, 3)
        self.scale_controls = ScaleControls(self.bench.scale)  # Zero / Tare, where the protocol has them
        grid.addWidget(self.scale_controls, 4, 0, 1, 3)
        column.addWidget(scale_box)

        rates_box = QGroupBox(_("Rates"))
        rates_layout = QVBoxLayout(rates_box)
        self.rates_table = QTableWidget(0, 5)
        self.rates_table.setObjectName("ratesTable")
        self.rates_table.setHorizontalHeaderLabels(
            [_("Carrier"), _("Service"), _("Price"), _("Transit"), _("Billable weight")]
        )
        self.rates_table.verticalHeader().hide()
        self.rates_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rates_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rates_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rates_table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # the scan field keeps the keyboard
        header = self.rates_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.rates_table.itemSelectionChanged.connect(self._update_buttons)
        self.rates_table.doubleClicked.connect(lambda _index: self.buy_and_print())
        rates_layout.addWidget(self.rates_table, 1)
        self.rates_message = QLabel()
        self.rates_message.setObjectName("ratesMessage")
        self.rates_message.setWordWrap(True)
        rates_layout.addWidget(self.rates_message)
        self.address_banner = AddressIssueBanner(self.bench, self.runner)  # never blocks the buy
        self.address_banner.closed.connect(self.focus_scan)
        rates_layout.addWidget(self.address_banner)

        buy_row = QHBoxLayout()
        self.buy_progress = QProgressBar()
        self.buy_progress.setRange(0, 3)
        self.buy_progress.setTextVisible(True)
        self.buy_progress.hide()
        buy_row.addWidget(self.buy_progress, 1)
        self.preview_button = QPushButton(_("Preview label"))
        self.preview_button.setObjectName("previewButton")
        self.preview_button.setToolTip(_("The label this rate will print, before buying it (Ctrl+Shift+P)"))
        self.preview_button.clicked.connect(self.preview_label)
        buy_row.addWidget(self.preview_button)
        self.buy_button = QPushButton(_("Buy && Print  (F9)"))
        self.buy_button.setObjectName("buyButton")
        self.buy_button.setFont(style.scaled_font(self, 1.4, bold=True))
        self.buy_button.setMinimumHeight(52)
        self.buy_button.setStyleSheet(
            f"QPushButton:enabled {{ background: {style.GOOD}; color: white; border-radius: 6px; padding: 6px 24px; }}"
        )
        self.buy_button.clicked.connect(self.buy_and_print)
        buy_row.addWidget(self.buy_button)
        rates_layout.addLayout(buy_row)
        column.addWidget(rates_box, 1)
        return column

    # ================================================================================ scan

    @property
    def is_simulated_scale(self) -> bool:
        return isinstance(self.bench.scale, SimulatedScale)

    def focus_scan(self) -> None:
        self.scan_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.scan_edit.selectAll()

    @Slot()
    def submit_scan(self) -> None:
        code = self.scan_edit.text().strip()
        if not code:
            self._scan_note(_("Scan a packing slip or type an order number."), style.MUTED)
            return
        if self.state is PackState.BUYING:
            self._scan_note(_("A label is being bought; scan the next order when it is done."), style.WARN)
            self.scan_edit.selectAll()
            return
        self._reset_order()
        self.result_label.hide()
        self._scan_seq += 1
        seq = self._scan_seq
        self._set_state(PackState.SCANNING)
        looking = _("Looking up {code}…").format(code=code)
        self._scan_note(looking, style.MUTED)
        timer = self._timer = telemetry.PackTimer(self.bench, code)
        self._track(
            Op(
                lambda _ctx: _timed_scan(self.bench, timer, code),
                label=looking,
                on_success=lambda ticket: self._on_scanned(seq, ticket),
                on_failure=lambda failure: self._on_scan_failed(seq, code, failure),
            )
        )

    def _on_scanned(self, seq: int, ticket: packing.PackTicket) -> None:
        if seq != self._scan_seq:
            return
        self.ticket = ticket
        self._show_ticket(ticket)
        self.scan_edit.clear()  # ready for the next slip; Esc drops this order
        self.scan_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._scan_note(
            _("Order {order}: put the parcel on the scale.").format(order=ticket.order.order_number), style.INFO
        )
        self._set_state(PackState.WEIGHING)
        self._weigh_from = (self.bench.clock.now(), self.bench.clock.monotonic())
        if not self._weight_used:
            self.weigh_again()  # a parcel put down before the scan is weighed for this order

    def _on_scan_failed(self, seq: int, code: str, failure: Failure) -> None:
        if seq != self._scan_seq:
            return
        self._set_state(PackState.IDLE)
        if isinstance(failure.error, NotFound):
            self._scan_note(failure.message, style.BAD)
        elif failure.kind is FailureKind.USER:
            # Blocked customer, already shipped, cancelled order: the flow stops here, loudly.
            self._set_state(PackState.BLOCKED)
            self.banner.setText(_("STOP — {reason}").format(reason=failure.message))
            self.banner.show()
            self._scan_note(_("{code}: not shippable. Esc clears the screen.").format(code=code), style.BAD)
        else:
            self._scan_note(_("Could not look up {code}; see the error report.").format(code=code), style.BAD)
        self.scan_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scan_edit.selectAll()

    def _scan_note(self, text: str, colour: str) -> None:
        self.scan_message.setText(text)
        style.set_text_color(self.scan_message, colour)

    # ================================================================================ order card

    def _show_ticket(self, ticket: packing.PackTicket) -> None:
        order = ticket.order
        unit = self.bench.settings.weight_unit
        self.order_title.setText(f"{order.order_number}  ·  {enum_labels.order_status(order.status)}")
        vip = "  ★ " + _("VIP") if order.customer_status is CustomerStatus.VIP else ""
        self.customer_label.setText(f"{order.customer_name or order.ship_to.name}{vip}")
        style.set_text_color(
            self.customer_label, style.CUSTOMER_STATUS.get(order.customer_status or CustomerStatus.ACTIVE, "")
        )
        self.address_label.setText("\n".join([_("Ship to:"), *order.ship_to.lines()]))
        self.lines_table.setRowCount(len(order.lines))
        for row, line in enumerate(order.lines):
            qty = QTableWidgetItem(str(line.quantity))
            qty.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.lines_table.setItem(row, 0, QTableWidgetItem(line.sku))
            self.lines_table.setItem(row, 1, QTableWidgetItem(line.name))
            self.lines_table.setItem(row, 2, qty)
            self.lines_table.setItem(row, 3, QTableWidgetItem(fmt.grams(line.unit_weight_grams, unit)))
        self.expected_label.setText(
            _("Expected weight: {weight}").format(weight=fmt.grams(order.expected_weight_grams, unit))
        )
        if ticket.warnings:
            self.warnings_label.setText("\n".join(ticket.warnings))
            self.warnings_label.show()
        else:
            self.warnings_label.hide()

    def _show_no_order(self) -> None:
        self.order_title.setText(_("No order"))
        self.customer_label.setText("")
        self.address_label.setText(_("Scan a packing slip to start."))
        self.lines_table.setRowCount(0)
        self.expected_label.setText("")
        self.warnings_label.hide()

    # ================================================================================ scale

    @Slot(object)
    def on_reading(self, reading: ScaleReading) -> None:
        self.last_reading = reading
        self.weight_label.setText(fmt.weight(reading.weight, self.bench.settings.weight_unit))
        text, fg, bg = style.SCALE_STATUS[reading.status]
        self.stability_label.setText(_(text))
        style.pill(self.stability_label, fg, bg)
        style.set_text_color(self.weight_label, style.GOOD if reading.status is ScaleStatus.STABLE else "")
        if reading.status is ScaleStatus.ZERO or abs(reading.weight.grams) < self.bench.settings.scale.min_weight_g:
            self._weight_used = False  # the platter is empty: whatever comes next is a new parcel

    @Slot(object, str)
    def on_scale_health(self, health: ScaleHealth, reason: str) -> None:
        if health is ScaleHealth.CONNECTED:
            self.scale_problem.setText("")
            return
        self.last_reading = None
        self.weight_label.setText("— —")
        style.set_text_color(self.weight_label, style.MUTED)
        self.stability_label.setText(_("NO SCALE"))
        style.pill(self.stability_label, "#ffffff", style.BAD)
        self.scale_problem.setText(reason or _("Scale: {state}").format(state=scale_health(health)))

    @Slot(str)
    def on_scale_problem(self, text: str) -> None:
        self.scale_problem.setText(text[:1].upper() + text[1:] if text else "")

    @Slot(object)
    def on_stable_weight(self, reading: ScaleReading) -> None:
        """A parcel settled on the scale: check it against the order and ask for rates."""
        if self.ticket is None or self.state not in (PackState.WEIGHING, PackState.RATING, PackState.READY):
            return
        ticket = self.ticket
        weight = reading.weight
        check = packing.check_order_weight(self.bench, ticket, weight)
        self.weight_check = check
        self._show_check(check)
        if not check.ok:
            self.runner.run(
                Op(
                    lambda _ctx: packing.flag_weight_mismatch(self.bench, ticket, check),
                    label=_("Flagging weight mismatch…"),
                    writes=True,
                    on_success=self._on_mismatch_flagged,
                )
            )
        self.package = packing.package_for(ticket, weight)
        if self._weigh_from is not None:  # the first stable weight ends the weigh step
            self._weighed = (self._weigh_from[0], self.bench.clock.monotonic() - self._weigh_from[1])
            self._weigh_from = None
        self._request_rates(ticket, self.package)

    def _show_check(self, check: WeightCheck) -> None:
        unit = self.bench.settings.weight_unit
        measured = fmt.weight(check.measured, unit)
        if check.ok:
            self.check_label.setText(f"✔ {measured} — {weight_check_text(check)}")
            style.banner(self.check_label, style.GOOD, style.GOOD_BG)
        else:
            advice = _("Check the contents before shipping.")
            self.check_label.setText(f"⚠ {measured} — {weight_check_text(check)} {advice}")
            style.banner(self.check_label, style.WARN, style.WARN_BG)
        self.check_label.show()

    def _on_mismatch_flagged(self, exception: dm.ShipmentException | None) -> None:
        if exception is not None and self.check_label.isVisible():
            self.check_label.setText(self.check_label.text() + " " + _("A supervisor exception was raised."))

    def place_demo_parcel(self) -> None:
        scale = self.bench.scale
        if not isinstance(scale, SimulatedScale):
            return
        expected = Decimal(500)
        if self.ticket is not None and self.ticket.order.expected_weight_grams is not None:
            expected = self.ticket.order.expected_weight_grams
        factor = Decimal(str(round(1 + self._rng.uniform(-DEMO_SPREAD, DEMO_SPREAD), 4)))
        scale.place((expected * factor).quantize(Decimal(1)))
        self.weigh_again()  # a new parcel, even if the old one never left the platter

    def remove_parcel(self) -> None:
        scale = self.bench.scale
        if isinstance(scale, SimulatedScale):
            scale.remove()

    def weigh_again(self) -> None:
        self._weight_used = False
        if self._scale_worker is not None:
            self._scale_worker.rearm()

    def attach_scale(self, worker: ScaleWorker) -> None:
        """Follows the scale worker: live read-out, health, and auto-weigh on stable weight."""
        self._scale_worker = worker
        self.scale_controls.attach(worker)
        worker.reading.connect(self.on_reading)
        worker.health.connect(self.on_scale_health)
        worker.problem.connect(self.on_scale_problem)
        worker.stable.connect(self.on_stable_weight)

    # ================================================================================ rates

    def _request_rates(self, ticket: packing.PackTicket, package: dm.Package) -> None:
        self._quote_seq += 1
        seq = self._quote_seq
        self.rates = ()
        self.rates_table.setRowCount(0)
        self._rates_note(_("Fetching rates…"), style.MUTED)
        self._set_state(PackState.RATING)
        timer, weighed, self._weighed = self._timer, self._weighed, None
        self._track(
            Op(
                lambda _ctx: _timed_quote(self.bench, timer, weighed, ticket, package),
                label=_("Fetching rates…"),
                on_success=lambda quote: self._on_quoted(seq, quote),
                on_failure=lambda failure: self._on_quote_failed(seq, failure),
            )
        )

    def _on_quoted(self, seq: int, quote: packing.RateQuote) -> None:
        if seq != self._quote_seq or self.ticket is None:
            return
        self.rates = quote.rates
        self.rates_table.setRowCount(len(quote.rates))
        unit = self.bench.settings.weight_unit
        selected_row = -1
        for row, rate in enumerate(quote.rates):
            carrier = self.bench.carriers.get(rate.carrier)
            days = ngettext("{count} day", "{count} days", rate.transit_days).format(count=rate.transit_days)
            cells = [
                carrier.name if carrier else rate.carrier,
                rate.service_name,
                fmt.money(rate.amount),
                days,
                _billable_text(rate, self.package, unit),
            ]
            tips = _rate_tips(rate, self.package, unit)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in tips:
                    item.setToolTip(tips[col])
                if col in (2, 3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if rate == quote.selected:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.rates_table.setItem(row, col, item)
            if rate == quote.selected:
                selected_row = row
        if selected_row >= 0:
            self.rates_table.selectRow(selected_row)
        why = quote.reason or _(RULE_FALLBACK[self.bench.settings.rate_rule])
        note = ngettext(
            "{count} rate; preselected: {why}. F9 buys and prints.",
            "{count} rates; preselected: {why}. F9 buys and prints.",
            len(quote.rates),
        ).format(count=len(quote.rates), why=why)
        insured = quote.selected.insurance_cost if quote.selected else None
        if insured is not None and insured.amount > 0:
            note += " " + _("Includes {amount} insurance.").format(amount=fmt.money(insured))
        if quote.errors:
            note += "\n" + _("Some carriers did not answer: {errors}").format(errors="; ".join(quote.errors))
        self._rates_note(note, style.WARN if quote.errors else style.MUTED)
        self.address_banner.show_issue(quote.address_issue)
        self._set_state(PackState.READY)

    def _on_quote_failed(self, seq: int, failure: Failure) -> None:
        if seq != self._quote_seq:
            return
        # Over a carrier's limit, no carrier enabled, …: the packer fixes the parcel and weighs again.
        self._rates_note(failure.message, style.BAD)
        self._set_state(PackState.WEIGHING if self.ticket is not None else PackState.IDLE)

    def _rates_note(self, text: str, colour: str) -> None:
        self.rates_message.setText(text)
        style.set_text_color(self.rates_message, colour)

    def selected_rate(self) -> Rate | None:
        rows = self.rates_table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.rates):
            return None
        return self.rates[rows[0].row()]

    # ================================================================================ buy & print

    @Slot()
    def buy_and_print(self) -> None:
        rate = self.selected_rate()
        ticket, package = self.ticket, self.package
        if self.state is not PackState.READY or rate is None or ticket is None or package is None:
            return
        self._set_state(PackState.BUYING)
        self.buy_progress.setValue(0)
        self.buy_progress.setFormat(_("Buying label…"))
        self.buy_progress.show()
        timer = self._timer or telemetry.PackTimer(self.bench, ticket.order.order_number)

        def work(ctx: OpContext) -> BuyOutcome:
            ctx.check_cancelled()  # the last moment it is safe to stop: nothing bought yet
            ctx.progress(_("Buying label…"), 1, 3)
            with timer.step("buy"):
                shipment = packing.buy(self.bench, ticket, rate, package)
            ctx.progress(_("Printing label…"), 2, 3)
            # Bought but not printed: the label is safe, a supervisor sees it, Reprint fixes it.
            with timer.step("print"):
                printed, error = packing.print_or_flag(self.bench, shipment)
            ctx.progress(_("Done"), 3, 3)
            return BuyOutcome(shipment, printed, error)

        self.runner.run(
            Op(
                work,
                label=_("Buying label for {order}…").format(order=ticket.order.order_number),
                writes=True,
                on_success=self._on_bought,
                on_failure=self._on_buy_failed,
                on_cancelled=self._on_buy_cancelled,
                on_progress=self._on_buy_progress,
            )
        )

    def _on_buy_progress(self, progress: Progress) -> None:
        if progress.done is not None:
            self.buy_progress.setValue(progress.done)
        self.buy_progress.setFormat(progress.text)

    def _on_bought(self, outcome: BuyOutcome) -> None:
        shipment = outcome.shipment
        self._weight_used = True
        self.buy_progress.hide()
        carrier = self.bench.carriers.get(shipment.carrier)
        what = _("{order} shipped: {carrier} {service} · tracking {tracking}").format(
            order=shipment.order_number,
            carrier=carrier.name if carrier else shipment.carrier,
            service=shipment.service,
            tracking=shipment.tracking_number,
        )
        if outcome.printed is not None:
            sent = _("Label sent to {where}").format(where=outcome.printed.location)
            self.result_label.setText(f"✔ {what}\n{sent}")
            style.banner(self.result_label, style.GOOD, style.GOOD_BG)
        else:
            self.result_label.setText(f"⚠ {what}\n{outcome.print_error}")
            style.banner(self.result_label, style.WARN, style.WARN_BG)
        self.result_label.show()
        self._reset_order()
        self._set_state(PackState.IDLE)
        self._scan_note(_("Scan the next order."), style.MUTED)
        self.scan_edit.clear()
        self.focus_scan()
        self.shipped.emit(shipment)

    def _on_buy_failed(self, failure: Failure) -> None:
        self.buy_progress.hide()
        if isinstance(failure.error, CustomerBlocked):
            self._stop_blocked(failure.message)
            return
        self.result_label.setText("✖ " + _("Label not bought: {reason}").format(reason=failure.message))
        style.banner(self.result_label, style.BAD, style.BAD_BG)
        self.result_label.show()
        self._set_state(PackState.READY if self.ticket is not None else PackState.IDLE)

    def _stop_blocked(self, message: str) -> None:
        """The customer was blocked after the scan: no label, the order leaves the screen, the red
        banner says who and why (the same stop as a blocked scan)."""
        self._reset_order()
        self.result_label.hide()
        self._set_state(PackState.BLOCKED)
        self.banner.setText(_("STOP — {reason}").format(reason=message))
        self.banner.show()
        self._scan_note(_("No label was bought. Esc clears the screen."), style.BAD)
        self.focus_scan()

    def _on_buy_cancelled(self) -> None:
        self.buy_progress.hide()
        self._set_state(PackState.READY if self.ticket is not None else PackState.IDLE)

    @Slot()
    def preview_label(self) -> None:
        """The label for the current order and the selected rate, marked PREVIEW; nothing is bought."""
        rate = self.selected_rate()
        ticket, package = self.ticket, self.package
        if self.state is not PackState.READY or rate is None or ticket is None or package is None:
            return
        bench = self.bench
        self.preview_dialog = LabelPreviewDialog(
            self.runner,
            _("Preview: {order} — {service}").format(order=ticket.order.order_number, service=rate.service_name),
            lambda: documents.preview_before_purchase(bench, ticket.order, rate, package),
            self,
        )
        self.preview_dialog.open()

    # ================================================================================ cancel

    @Slot()
    def cancel_order(self) -> None:
        if self.state is PackState.BUYING:
            self._scan_note(_("The label is being bought; it cannot be stopped halfway."), style.WARN)
            return
        self._reset_order()
        self._set_state(PackState.IDLE)
        self.result_label.hide()
        self._scan_note(_("Order cleared. Scan the next order."), style.MUTED)
        self.scan_edit.clear()
        self.focus_scan()

    def _track(self, op: Op[Any]) -> None:
        """Runs work that belongs to the current order, so Esc or the next scan can cancel it."""
        self._pending = [h for h in self._pending if not h.finished]
        self._pending.append(self.runner.run(op))

    def _reset_order(self) -> None:
        for handle in self._pending:
            handle.cancel()
        self._pending.clear()
        self._scan_seq += 1
        self._quote_seq += 1
        self.ticket = None
        self.package = None
        self.weight_check = None
        self._timer, self._weigh_from, self._weighed = None, None, None
        self.rates = ()
        self.rates_table.setRowCount(0)
        self.rates_message.setText("")
        self.address_banner.clear()
        self.check_label.hide()
        self.banner.hide()
        self._show_no_order()

    # ================================================================================ messages

    @Slot(str, bool)
    def _say(self, text: str, error: bool = False) -> None:
        self.result_label.setText(text)
        if error:
            style.banner(self.result_label, style.BAD, style.BAD_BG)
        else:
            style.banner(self.result_label, style.INFO, style.INFO_BG)
        self.result_label.show()

    # ================================================================================ state

    def _set_state(self, state: PackState) -> None:
        self.state = state
        self._update_buttons()
        self.state_changed.emit(state.value)

    def _update_buttons(self) -> None:
        self.buy_button.setEnabled(self.state is PackState.READY and self.selected_rate() is not None)
        self.preview_button.setEnabled(self.state is PackState.READY and self.selected_rate() is not None)
        self.place_button.setEnabled(self.ticket is not None and self.state is not PackState.BUYING)
        self.reweigh_button.setEnabled(self.ticket is not None and self.state is not PackState.BUYING)

    def refresh(self) -> None:
        self.recent.refresh()


def _timed_scan(bench: Bench, timer: telemetry.PackTimer, code: str) -> packing.PackTicket:
    with timer.step("scan"):
        ticket = packing.scan(bench, code)
        timer.order_number = ticket.order.order_number
    return ticket


def _timed_quote(
    bench: Bench,
    timer: telemetry.PackTimer | None,
    weighed: tuple[datetime, float] | None,
    ticket: packing.PackTicket,
    package: dm.Package,
) -> packing.RateQuote:
    """The quote, on the ops runner's thread, recording the weigh step that led to it and its own time."""
    if timer is None:
        return packing.quote(bench, ticket, package)
    if weighed is not None:
        timer.record("weigh", *weighed)
    with timer.step("rate"):
        return packing.quote(bench, ticket, package)


def _by_volume(rate: Rate, package: dm.Package | None) -> bool:
    """The carrier bills this parcel by its box size, not its weight: worth a smaller box."""
    dim = rate.dimensional_weight
    return package is not None and dim is not None and dim.grams > package.weight.grams


def weight_check_text(check: WeightCheck) -> str:
    """The weight check in the GUI language (the domain's `WeightCheck.message()` is the CLI's English)."""
    if check.expected is None:
        return _("No expected weight on this order.")
    if check.ok:
        return _("Weight matches the order.")
    expected = check.expected.grams
    pct = abs(check.difference_grams) / expected * 100 if expected else Decimal(0)
    values = {
        "difference": fmt.weight(Weight.from_grams(abs(check.difference_grams)), WeightUnit.G),
        "expected": fmt.weight(Weight.from_grams(expected), WeightUnit.G),
        "percent": fmt.number(pct, 1),
        "tolerance": fmt.number(check.tolerance_pct, max(0, -int(check.tolerance_pct.as_tuple().exponent))),
    }
    if check.difference_grams > 0:
        text = _("Parcel is {difference} heavier than expected ({expected}, {percent} % off; tolerance {tolerance} %).")
    else:
        text = _("Parcel is {difference} lighter than expected ({expected}, {percent} % off; tolerance {tolerance} %).")
    return text.format(**values)


def _billable_text(rate: Rate, package: dm.Package | None, unit: WeightUnit) -> str:
    billable = fmt.weight(rate.billable_weight, unit)
    return _("{weight} (dim)").format(weight=billable) if _by_volume(rate, package) else billable


def _rate_tips(rate: Rate, package: dm.Package | None, unit: WeightUnit) -> dict[int, str]:
    """Hover text: actual vs dimensional vs billable weight, and the insurance inside the price."""
    tips: dict[int, str] = {}
    parts = [_("actual {weight}").format(weight=fmt.weight(package.weight, unit))] if package is not None else []
    if rate.dimensional_weight is not None:
        parts.append(_("dimensional {weight}").format(weight=fmt.weight(rate.dimensional_weight, unit)))
    parts.append(_("billable {weight}").format(weight=fmt.weight(rate.billable_weight, unit)))
    tips[4] = " · ".join(parts)
    if rate.insurance_cost is not None:
        tips[2] = _("includes {amount} insurance").format(amount=fmt.money(rate.insurance_cost))
    return tips

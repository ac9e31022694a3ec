"""The pack screen driven through its real widgets: scan, weigh, rates, Buy & Print."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from shipstation_desktop.devices.scale_port import ScaleReading, ScaleStatus
from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain.enums import ExceptionType, OrderStatus, ShipmentStatus
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import orders as order_service
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.pack_view import PackState, PackView

from .helpers import BLOCKED_ORDER, READY_ORDER, wait_idle

pytestmark = pytest.mark.gui

FLOW_TIMEOUT_MS = 10_000


def scan(qtbot: QtBot, view: PackView, code: str) -> None:
    """What a keyboard-wedge scanner does: type the characters, then Enter."""
    qtbot.keyClicks(view.scan_edit, code)
    qtbot.keyClick(view.scan_edit, Qt.Key.Key_Return)


def scan_ready_order(qtbot: QtBot, view: PackView) -> None:
    scan(qtbot, view, READY_ORDER)
    qtbot.waitUntil(lambda: view.state is PackState.WEIGHING, timeout=FLOW_TIMEOUT_MS)


def weigh_until_rated(qtbot: QtBot, view: PackView) -> None:
    qtbot.mouseClick(view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.state is PackState.READY, timeout=FLOW_TIMEOUT_MS)


def test_scan_weigh_rate_buy_and_print(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = window.pack_view
    assert view.scan_edit.hasFocus()
    scan_ready_order(qtbot, view)
    assert READY_ORDER in view.order_title.text()
    assert view.expected_label.text().startswith("Expected weight:")
    assert "Ship to:" in view.address_label.text()
    assert view.lines_table.rowCount() >= 1

    weigh_until_rated(qtbot, view)
    assert view.stability_label.text() == "STABLE"
    assert " lb " in view.weight_label.text()  # the demo bench shows pounds and ounces
    assert view.weight_check is not None and view.weight_check.ok
    assert view.rates_table.rowCount() >= 1
    chosen = view.selected_rate()
    assert chosen is not None and chosen == min(view.rates, key=lambda r: (r.amount.amount, r.transit_days))
    assert view.buy_button.isEnabled()

    with qtbot.waitSignal(view.shipped, timeout=FLOW_TIMEOUT_MS) as shipped:
        qtbot.keyClick(view.scan_edit, Qt.Key.Key_F9)
    shipment = shipped.args[0]

    labels = list(bench.paths.spool_dir.glob(f"*{shipment.tracking_number}*"))
    assert len(labels) == 1 and labels[0].stat().st_size > 0
    order = order_service.find_by_scan(bench.store, READY_ORDER)
    assert order.status is OrderStatus.SHIPPED
    stored = shipment_service.get_shipment(bench, shipment.tracking_number)
    assert stored.status is ShipmentStatus.LABEL_CREATED
    assert stored.label_path == str(labels[0])

    assert shipment.tracking_number in view.result_label.text()
    assert str(labels[0]) in view.result_label.text()
    assert view.state is PackState.IDLE
    assert view.scan_edit.text() == "" and view.scan_edit.hasFocus()
    qtbot.waitUntil(
        lambda: bool(view.recent.shipments) and view.recent.shipments[0].id == shipment.id, timeout=FLOW_TIMEOUT_MS
    )
    assert view.recent.table.item(0, 2).text() == shipment.tracking_number


def test_buy_with_ctrl_return_and_no_second_label(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = window.pack_view
    scan_ready_order(qtbot, view)
    weigh_until_rated(qtbot, view)
    with qtbot.waitSignal(view.shipped, timeout=FLOW_TIMEOUT_MS):
        qtbot.keyClick(view.scan_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    # Scanning the same slip again is refused: the order is shipped.
    scan(qtbot, view, READY_ORDER)
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=FLOW_TIMEOUT_MS)
    assert "already shipped" in view.banner.text()
    assert len(shipment_service.list_shipments(bench, search=READY_ORDER)) == 1


def test_unknown_scan_shows_a_message_and_keeps_focus(window: MainWindow, qtbot: QtBot) -> None:
    view = window.pack_view
    scan(qtbot, view, "NOPE-404")
    qtbot.waitUntil(lambda: "No order" in view.scan_message.text(), timeout=FLOW_TIMEOUT_MS)
    assert "NOPE-404" in view.scan_message.text()
    assert view.state is PackState.IDLE and view.ticket is None
    assert view.scan_edit.hasFocus()
    assert view.scan_edit.selectedText() == "NOPE-404"  # the next scan replaces it
    assert not view.banner.isVisible()


def test_blocked_customer_shows_red_banner_and_stops(window: MainWindow, qtbot: QtBot) -> None:
    view = window.pack_view
    scan(qtbot, view, BLOCKED_ORDER)
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=FLOW_TIMEOUT_MS)
    assert "BLOCKED" in view.banner.text()
    assert view.state is PackState.BLOCKED
    assert view.ticket is None
    assert not view.buy_button.isEnabled()
    assert not view.place_button.isEnabled()
    assert view.scan_edit.hasFocus()
    # Esc clears the stop screen for the next order.
    qtbot.keyClick(view.scan_edit, Qt.Key.Key_Escape)
    assert not view.banner.isVisible()
    assert view.state is PackState.IDLE


def test_escape_cancels_the_current_order(window: MainWindow, qtbot: QtBot) -> None:
    view = window.pack_view
    scan_ready_order(qtbot, view)
    qtbot.keyClick(view.scan_edit, Qt.Key.Key_Escape)
    assert view.state is PackState.IDLE
    assert view.ticket is None
    assert view.order_title.text() == "No order"
    assert view.scan_edit.hasFocus()


def test_weight_mismatch_warns_and_raises_supervisor_exception(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = window.pack_view
    scan_ready_order(qtbot, view)
    assert isinstance(bench.scale, SimulatedScale)
    before = len(exc_service.list_exceptions(bench, open_only=True))
    bench.scale.place(Decimal(2000))  # the order expects 630 g
    view.weigh_again()
    qtbot.waitUntil(lambda: view.state is PackState.READY, timeout=FLOW_TIMEOUT_MS)
    assert view.weight_check is not None and not view.weight_check.ok
    assert "heavier than expected" in view.check_label.text()
    wait_idle(qtbot, window)
    mismatches = [
        e for e in exc_service.list_exceptions(bench, open_only=True) if e.type is ExceptionType.WEIGHT_MISMATCH
    ]
    assert len(exc_service.list_exceptions(bench, open_only=True)) == before + 1
    assert mismatches and READY_ORDER in mismatches[0].description
    qtbot.waitUntil(lambda: "supervisor exception" in view.check_label.text(), timeout=FLOW_TIMEOUT_MS)


def test_over_capacity_parcel_is_refused(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = window.pack_view
    scan_ready_order(qtbot, view)
    assert isinstance(bench.scale, SimulatedScale)
    bench.scale.place(Decimal(80_000))
    qtbot.waitUntil(lambda: "capacity" in view.scale_problem.text(), timeout=FLOW_TIMEOUT_MS)
    assert view.stability_label.text() == "OVER CAPACITY"
    assert view.state is PackState.WEIGHING
    assert not view.buy_button.isEnabled()


def test_parcel_over_the_carrier_limit_shows_the_quote_error(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    """The simulated scale tops out at the carrier's limit, so the stable weight is fed as the worker would."""
    view = window.pack_view
    scan_ready_order(qtbot, view)
    heavy = ScaleReading(Weight.of(70, "kg"), ScaleStatus.STABLE, bench.clock.now())
    window.scale_worker.stable.emit(heavy)
    qtbot.waitUntil(lambda: "limit" in view.rates_message.text(), timeout=FLOW_TIMEOUT_MS)
    assert "Simulated Carrier" in view.rates_message.text()
    assert view.state is PackState.WEIGHING
    assert view.rates_table.rowCount() == 0
    assert not view.buy_button.isEnabled()


def test_reprint_and_void_last_shipment(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = window.pack_view
    scan_ready_order(qtbot, view)
    weigh_until_rated(qtbot, view)
    with qtbot.waitSignal(view.shipped, timeout=FLOW_TIMEOUT_MS) as shipped:
        view.buy_button.click()
    shipment = shipped.args[0]
    qtbot.waitUntil(
        lambda: bool(view.recent.shipments) and view.recent.shipments[0].id == shipment.id, timeout=FLOW_TIMEOUT_MS
    )

    view.recent.reprint_button.click()
    qtbot.waitUntil(lambda: view.result_label.text().startswith("Reprinted"), timeout=FLOW_TIMEOUT_MS)
    assert len(list(bench.paths.spool_dir.glob(f"*{shipment.tracking_number}*"))) == 2

    view.recent.void_button.click()
    dialog = view.recent.void_dialog
    assert dialog is not None and not dialog.accept_button.isEnabled()  # a reason is required
    qtbot.keyClicks(dialog.note_edit, "customer changed the address")
    dialog.accept_button.click()
    qtbot.waitUntil(lambda: "voided" in view.result_label.text(), timeout=FLOW_TIMEOUT_MS)
    assert shipment_service.get_shipment(bench, shipment.id).status is ShipmentStatus.CANCELLED
    assert order_service.find_by_scan(bench.store, READY_ORDER).status is OrderStatus.PROCESSING
    qtbot.waitUntil(lambda: not view.recent.void_button.isEnabled(), timeout=FLOW_TIMEOUT_MS)


def test_f2_returns_to_the_scan_field(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.shipments_view
    window.shipments_view.search_edit.setFocus()
    qtbot.keyClick(window.shipments_view.search_edit, Qt.Key.Key_F2)
    assert window.tabs.currentWidget() is window.pack_view
    assert QApplication.focusWidget() is window.pack_view.scan_edit

"""Shipments, exceptions and customers views, and the status bar."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.enums import ExceptionSeverity, ShipmentStatus
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import packing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.app import build_main_window
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.table_model import RECORD_ROLE

from .helpers import READY_ORDER, wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


def test_shipments_view_lists_new_shipment_with_timeline(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    wait_idle(qtbot, window)
    outcome = packing.ship(bench, READY_ORDER, weight=Weight.of(640, "g"))  # headless, as the CLI does
    tracking = outcome.shipment.tracking_number
    view = window.shipments_view
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is view

    qtbot.keyClicks(view.search_edit, tracking)  # search as you type (debounced)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=TIMEOUT_MS)
    row = view.model.record(0)
    assert row is not None and row.tracking_number == tracking
    assert view.model.index(0, 1).data() == READY_ORDER
    assert view.model.index(0, 5).data() == "Label created"

    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.current is not None and view.current.id == row.id, timeout=TIMEOUT_MS)
    assert view.detail_title.text() == tracking
    assert view.timeline.topLevelItemCount() >= 1
    assert view.timeline.topLevelItem(0).text(2) == "Shipping label created"
    assert view.void_button.isEnabled() and view.reprint_button.isEnabled()

    view.track_button.click()
    qtbot.waitUntil(lambda: view.detail_message.text().startswith("Tracking refreshed"), timeout=TIMEOUT_MS)
    times = [view.timeline.topLevelItem(i).text(0) for i in range(view.timeline.topLevelItemCount())]
    assert times == sorted(times, reverse=True)  # newest first


def test_shipments_view_filters_by_status_and_carrier(window: MainWindow, qtbot: QtBot) -> None:
    view = window.shipments_view
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=TIMEOUT_MS)
    total = view.model.rowCount()
    view.status_combo.setCurrentIndex(view.status_combo.findData(ShipmentStatus.DELIVERED.value))
    qtbot.waitUntil(lambda: 0 < view.model.rowCount() < total, timeout=TIMEOUT_MS)
    assert {s.status for s in view.model.rows()} == {ShipmentStatus.DELIVERED}
    view.carrier_combo.setCurrentIndex(view.carrier_combo.findData("simulated"))
    wait_idle(qtbot, window)
    assert all(s.carrier == "simulated" for s in view.model.rows())
    # A date range before any shipment existed shows nothing.
    view.to_date.setDate(view.to_date.date().addYears(-5))
    view.from_date.setDate(view.to_date.date().addDays(-1))
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=TIMEOUT_MS)


def test_exceptions_view_resolves_with_a_note(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = window.exceptions_view
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=TIMEOUT_MS)
    first = view.model.record(0)
    assert first is not None and first.is_open
    # Most severe first, coloured by severity.
    assert first.severity in (ExceptionSeverity.CRITICAL, ExceptionSeverity.HIGH)
    assert view.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    open_before = len(exc_service.list_exceptions(bench, open_only=True))

    view.table.selectRow(0)
    assert view.resolve_button.isEnabled()
    view.resolve_button.click()
    dialog = view.resolve_dialog
    assert dialog is not None
    assert not dialog.accept_button.isEnabled()  # no note, no resolve
    qtbot.keyClicks(dialog.note_edit, "Called the customer; new parcel sent.")
    assert dialog.accept_button.isEnabled()
    dialog.accept_button.click()

    qtbot.waitUntil(lambda: view.message.text().startswith("Resolved"), timeout=TIMEOUT_MS)
    resolved = next(e for e in exc_service.list_exceptions(bench) if e.id == first.id)
    assert resolved.resolution == "Called the customer; new parcel sent."
    assert resolved.resolved_by == bench.user
    assert len(exc_service.list_exceptions(bench, open_only=True)) == open_before - 1
    qtbot.waitUntil(lambda: all(e.id != first.id for e in view.model.rows()), timeout=TIMEOUT_MS)
    # "All" shows it again, resolved.
    view.open_only.setChecked(False)
    qtbot.waitUntil(lambda: any(e.id == first.id for e in view.model.rows()), timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: window.status.exceptions_button.text() == f"Exceptions: {open_before - 1} open", timeout=TIMEOUT_MS
    )


def test_exceptions_view_filters_by_severity(window: MainWindow, qtbot: QtBot) -> None:
    view = window.exceptions_view
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=TIMEOUT_MS)
    view.severity_combo.setCurrentIndex(view.severity_combo.findData(ExceptionSeverity.LOW.value))
    qtbot.waitUntil(
        lambda: view.model.rowCount() > 0 and all(e.severity is ExceptionSeverity.LOW for e in view.model.rows()),
        timeout=TIMEOUT_MS,
    )


def test_customers_search_as_you_type(window: MainWindow, qtbot: QtBot) -> None:
    view = window.customers_view
    qtbot.waitUntil(lambda: view.model.rowCount() == 50, timeout=TIMEOUT_MS)
    qtbot.keyClicks(view.search_edit, "mueller")  # QTest cannot type non-ASCII keys
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=TIMEOUT_MS)
    customer = view.model.index(0, 0).data(RECORD_ROLE)
    assert customer.name == "Jürgen Müller"
    assert view.count_label.text() == "1 customer"


def test_status_bar_shows_devices_carriers_sync_and_exceptions(window: MainWindow, qtbot: QtBot) -> None:
    status = window.status
    qtbot.waitUntil(lambda: "s ago" in status.scale_label.text(), timeout=TIMEOUT_MS)
    assert status.scale_label.text().startswith("Scale: Connected")
    qtbot.waitUntil(lambda: status.printer_label.text() == "Printer: Ready", timeout=TIMEOUT_MS)
    assert status.carriers_label.text() == "Carriers: Simulated Carrier (sandbox)"
    assert status.sync_label.text() == "Sync: not configured"
    qtbot.waitUntil(lambda: status.exceptions_button.text().endswith(" open"), timeout=TIMEOUT_MS)
    assert status.exceptions_button.text() != "Exceptions: 0 open"


def test_unplugged_scale_becomes_a_health_state(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    scale = bench.scale
    assert hasattr(scale, "unplug")
    scale.unplug()
    qtbot.waitUntil(lambda: window.pack_view.stability_label.text() == "NO SCALE", timeout=TIMEOUT_MS)
    assert "unplugged" in window.pack_view.scale_problem.text()
    assert window.status.scale_label.text().startswith("Scale: Disconnected")
    scale.plug()
    qtbot.waitUntil(lambda: window.status.scale_label.text().startswith("Scale: Connected"), timeout=TIMEOUT_MS)


def test_copy_diagnostics_to_clipboard(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    QApplication.clipboard().clear()
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: "ShipStation Desktop" in QApplication.clipboard().text(), timeout=TIMEOUT_MS)
    assert f"Bench: {bench.settings.bench_name}" in QApplication.clipboard().text()


def test_every_bench_action_has_a_shortcut(window: MainWindow) -> None:
    table = dict(window.shortcut_table())
    for name in ("Buy & Print", "Focus scan field", "Cancel order", "Refresh", "Preferences…", "Copy diagnostics"):
        assert name in table, name
    assert table["Buy & Print"].startswith("F9")


def test_bug_in_a_view_callback_opens_the_error_dialog(window: MainWindow, qtbot: QtBot) -> None:
    from shipstation_desktop.ui.ops import Op

    def broken(_ctx: object) -> None:
        raise RuntimeError("disk on fire")

    window.runner.run(Op(broken, label="Loading shipments…"))
    qtbot.waitUntil(lambda: window.last_error_dialog is not None, timeout=TIMEOUT_MS)
    dialog = window.last_error_dialog
    assert dialog is not None
    assert "disk on fire" in dialog.details.toPlainText()
    assert "Traceback" in dialog.details.toPlainText()
    dialog.close()


def test_window_without_show_shuts_down_cleanly(bench: Bench, qtbot: QtBot) -> None:
    w = build_main_window(bench)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.scale_worker.isRunning(), timeout=TIMEOUT_MS)
    w.shutdown()
    assert not w.scale_worker.isRunning()
    assert not w.runner.busy

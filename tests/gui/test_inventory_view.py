"""The Inventory tab: demo stock listed with low SKUs highlighted, the adjust dialog, and stock that
follows a shipment made elsewhere (the CLI, another thread)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.inventory import AlertLevel, StockReason
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import inventory, orders, packing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui import style
from shipstation_desktop.ui.main_window import MainWindow

from .helpers import READY_ORDER, wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


def _show(window: MainWindow, qtbot: QtBot) -> None:
    window.tabs.setCurrentWidget(window.inventory_view)
    qtbot.waitUntil(lambda: window.inventory_view.model.rowCount() >= 10, timeout=TIMEOUT_MS)


def _row_of(window: MainWindow, sku: str) -> int:
    rows = window.inventory_view.model.rows()
    return next(i for i, item in enumerate(rows) if item.sku == sku)


def test_demo_stock_is_listed_with_low_skus_highlighted(window: MainWindow, qtbot: QtBot) -> None:
    _show(window, qtbot)
    view = window.inventory_view
    rows = view.model.rows()
    low = [i for i in rows if i.level is AlertLevel.LOW]
    ok = [i for i in rows if i.level is AlertLevel.OK]
    assert low and ok  # the demo has both
    background = view.model.index(_row_of(window, low[0].sku), 2).data(Qt.ItemDataRole.BackgroundRole)
    assert isinstance(background, QBrush) and background.color() == QColor(style.WARN_BG)
    assert view.model.index(_row_of(window, ok[0].sku), 2).data(Qt.ItemDataRole.BackgroundRole) is None
    assert view.model.index(_row_of(window, low[0].sku), 5).data() == "Low"
    view.low_only.setChecked(True)
    qtbot.waitUntil(lambda: view.model.rowCount() == len(low), timeout=TIMEOUT_MS)
    assert view.count_label.text() == f"{len(low)} SKUs, {len(low)} low"


def test_adjust_dialog_receives_stock_and_the_row_leaves_low(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    _show(window, qtbot)
    view = window.inventory_view
    item = next(i for i in view.model.rows() if i.level is AlertLevel.LOW)
    assert item.threshold is not None
    assert not view.adjust_button.isEnabled()
    view.table.selectRow(_row_of(window, item.sku))
    assert view.adjust_button.isEnabled()
    view.adjust_button.click()
    dialog = view.adjust_dialog
    assert dialog is not None and dialog.isVisible()
    needed = item.threshold - item.on_hand + 5
    dialog.delta.setValue(needed)
    dialog.reason.setCurrentIndex(dialog.reason.findData(StockReason.RECEIVE.value))
    dialog.note.setText("supplier delivery")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "recorded" in view.message.text(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: view.model.rows()[_row_of(window, item.sku)].on_hand == item.on_hand + needed, timeout=TIMEOUT_MS
    )
    assert view.model.rows()[_row_of(window, item.sku)].level is AlertLevel.OK
    (last, *_rest) = inventory.movements(bench, item.sku)
    assert (last.reason, last.delta, last.note) == (StockReason.RECEIVE, needed, "supplier delivery")


def test_a_zero_adjustment_cannot_be_submitted(window: MainWindow, qtbot: QtBot) -> None:
    _show(window, qtbot)
    view = window.inventory_view
    view.table.selectRow(0)
    view.adjust_selected()
    dialog = view.adjust_dialog
    assert dialog is not None
    dialog.delta.setValue(0)
    assert not dialog.ok_button.isEnabled()
    dialog.reject()


def test_stock_follows_a_shipment_made_headless(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    _show(window, qtbot)
    wait_idle(qtbot, window)
    view = window.inventory_view
    order = next(o for o in orders.list_orders(bench.store) if o.order_number == READY_ORDER)
    line = order.lines[0]
    before = view.model.rows()[_row_of(window, line.sku)].on_hand
    packing.ship(bench, READY_ORDER, weight=Weight.of(640, "g"))
    taken = sum(x.quantity for x in order.lines if x.sku == line.sku)
    qtbot.waitUntil(lambda: view.model.rows()[_row_of(window, line.sku)].on_hand == before - taken, timeout=TIMEOUT_MS)

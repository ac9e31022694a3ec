"""A BLOCKED customer stops the pack screen with the red banner naming the customer and the reason:
at the scan, and at Buy & Print when the block came after the scan (no label is bought)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.enums import CustomerStatus, OrderStatus
from shipstation_desktop.services import customers
from shipstation_desktop.services import orders as order_service
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.pack_view import PackState, PackView

from .helpers import BLOCKED_ORDER, READY_ORDER, wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


def scan(qtbot: QtBot, view: PackView, code: str) -> None:
    qtbot.keyClicks(view.scan_edit, code)
    qtbot.keyClick(view.scan_edit, Qt.Key.Key_Return)


def _block_ready_order_customer(bench: Bench, reason: str) -> str:
    order = order_service.find_by_scan(bench.store, READY_ORDER)
    assert order.customer_id is not None
    return customers.set_status(bench, order.customer_id, CustomerStatus.BLOCKED, reason).name


def test_the_demo_blocked_customer_banner_names_them_and_the_reason(window: MainWindow, qtbot: QtBot) -> None:
    view = window.pack_view
    scan(qtbot, view, BLOCKED_ORDER)
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=TIMEOUT_MS)
    text = view.banner.text()
    assert text.startswith("STOP — Customer ") and "is BLOCKED (two chargebacks on earlier orders)" in text
    assert BLOCKED_ORDER in text and view.state is PackState.BLOCKED


def test_a_customer_blocked_at_the_scan_shows_who_and_why(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = window.pack_view
    name = _block_ready_order_customer(bench, "address used for fraud")
    scan(qtbot, view, READY_ORDER)
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=TIMEOUT_MS)
    assert f"Customer {name} is BLOCKED (address used for fraud)" in view.banner.text()
    assert view.state is PackState.BLOCKED and view.ticket is None
    assert not view.buy_button.isEnabled()


def test_a_block_after_the_scan_stops_buy_and_print(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = window.pack_view
    scan(qtbot, view, READY_ORDER)
    qtbot.waitUntil(lambda: view.state is PackState.WEIGHING, timeout=TIMEOUT_MS)
    qtbot.mouseClick(view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.state is PackState.READY, timeout=TIMEOUT_MS)
    assert view.buy_button.isEnabled()

    name = _block_ready_order_customer(bench, "chargeback on SO-9")  # a supervisor, meanwhile
    qtbot.keyClick(view.scan_edit, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=TIMEOUT_MS)
    wait_idle(qtbot, window)

    assert f"Customer {name} is BLOCKED (chargeback on SO-9)" in view.banner.text()
    assert view.state is PackState.BLOCKED and view.ticket is None
    assert view.order_title.text() == "No order" and not view.buy_button.isEnabled()
    assert "No label was bought" in view.scan_message.text()
    assert shipment_service.list_shipments(bench, search=READY_ORDER) == []
    assert order_service.find_by_scan(bench.store, READY_ORDER).status is OrderStatus.CONFIRMED
    # Esc clears the stop for the next order.
    qtbot.keyClick(view.scan_edit, Qt.Key.Key_Escape)
    assert not view.banner.isVisible() and view.state is PackState.IDLE

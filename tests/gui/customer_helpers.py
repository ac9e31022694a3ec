"""Shared steps of the customer GUI tests: open the Customers view, a customer's window, and find
customers by what the demo seed gave them."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import CustomerStatus
from shipstation_desktop.services import customer_list
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.customer_detail import CustomerDetailDialog
from shipstation_desktop.ui.customers_view import CustomersView
from shipstation_desktop.ui.main_window import MainWindow

from .helpers import wait_idle

TIMEOUT_MS = 10_000


def customers_view(window: MainWindow, qtbot: QtBot) -> CustomersView:
    view = window.customers_view
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.page is not None and view.model.rowCount() > 0, timeout=TIMEOUT_MS)
    wait_idle(qtbot, window)
    return view


def find_customer(bench: Bench, query: str) -> dm.Customer:
    items = customer_list.list_page(bench, customer_list.CustomerFilter(query=query)).items
    assert len(items) == 1, [c.name for c in items]
    return items[0]


def with_status(bench: Bench, status: CustomerStatus) -> list[dm.Customer]:
    return customer_list.list_page(bench, customer_list.CustomerFilter(status=status)).items


def open_detail(window: MainWindow, qtbot: QtBot, customer_id: str | None) -> CustomerDetailDialog:
    view = window.customers_view
    dialog = view.open_customer(customer_id) if customer_id is not None else view.open_new()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.ready, timeout=TIMEOUT_MS)
    wait_idle(qtbot, window)
    return dialog


def save(window: MainWindow, qtbot: QtBot, dialog: CustomerDetailDialog) -> None:
    dialog.save_button.click()
    wait_idle(qtbot, window)

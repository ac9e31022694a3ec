"""The shipment detail shows what the carrier billed next to the quote."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import invoices, packing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.main_window import MainWindow

from .helpers import READY_ORDER, wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


def test_detail_shows_the_billed_cost_against_the_quote(
    window: MainWindow, bench: Bench, qtbot: QtBot, tmp_path: Path
) -> None:
    wait_idle(qtbot, window)
    shipment = packing.ship(bench, READY_ORDER, weight=Weight.of(640, "g")).shipment
    view = window.shipments_view
    view.load_detail(shipment.id)
    qtbot.waitUntil(lambda: view.current is not None and view.current.id == shipment.id, timeout=TIMEOUT_MS)
    assert view.fields["Billed"].text() == "not billed yet"

    billed = shipment.shipping_cost.amount + 2
    invoice = tmp_path / "invoice.csv"
    invoice.write_text(f"Tracking,Amount\n{shipment.tracking_number},{billed}\n")
    layout = invoices.layout_for("generic", {"tracking_number": "Tracking", "total": "Amount"})
    invoices.import_invoice(bench, invoice, carrier=shipment.carrier, layout=layout, invoice_number="INV-1")

    view.load_detail(shipment.id)
    expected = f"{billed:.2f} {shipment.shipping_cost.currency} (+2.00 against the quote)"
    qtbot.waitUntil(lambda: view.fields["Billed"].text() == expected, timeout=TIMEOUT_MS)

"""Label preview, batch printing, the print queue and the printer preferences, through real widgets."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from shipstation_desktop.devices.printer_port import PrinterHealth, PrintJob, PrintResult
from shipstation_desktop.devices.spool_printer import SpoolPrinter
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import LabelFormat, OrderStatus
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import orders as order_service
from shipstation_desktop.services import packing, printing
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings import model as settings_model
from shipstation_desktop.ui.batch_print import BatchPrintDialog
from shipstation_desktop.ui.label_preview import LabelPreviewDialog
from shipstation_desktop.ui.main_window import MainWindow
from tests.fakes.zebra_printer import FakeZebra

from .helpers import wait_idle
from .test_pack_flow import scan_ready_order, weigh_until_rated

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


def ship_some(bench: Bench, count: int) -> list[dm.Shipment]:
    """Buys labels for the first `count` orders that can ship (headless, as the CLI does)."""
    shipped: list[dm.Shipment] = []
    for order in order_service.list_orders(bench.store, OrderStatus.CONFIRMED):
        try:
            shipped.append(packing.ship(bench, order.order_number, weight=Weight.of(600, "g")).shipment)
        except UserError:
            continue  # a blocked customer or the like
        if len(shipped) == count:
            return shipped
    raise AssertionError("the demo bench has too few shippable orders")


def assert_label_shape(dialog: LabelPreviewDialog) -> None:
    raster = dialog.preview.raster
    assert raster is not None
    assert abs(raster.height / raster.width - 1.5) < 0.01  # 4x6 in, never cut or squeezed
    assert not dialog.preview.image_label.pixmap().isNull()


def test_preview_before_purchase_shows_the_chosen_rate(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = window.pack_view
    assert not view.preview_button.isEnabled()
    scan_ready_order(qtbot, view)
    weigh_until_rated(qtbot, view)
    assert view.preview_button.isEnabled()
    view.preview_button.click()
    dialog = view.preview_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview.raster is not None, timeout=TIMEOUT_MS)
    assert_label_shape(dialog)
    assert "Preview" in dialog.windowTitle()
    assert view.ticket is not None
    assert shipment_service.list_shipments(bench, search=view.ticket.order.order_number) == []  # nothing bought
    dialog.grab().save(str(bench.paths.data_dir / "preview.png"))  # renders without a Qt warning
    dialog.reject()


def test_preview_of_a_bought_label_and_reprint_from_it(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    wait_idle(qtbot, window)
    [shipment] = ship_some(bench, 1)
    view = window.shipments_view
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(view.search_edit, shipment.tracking_number)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=TIMEOUT_MS)
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.current is not None and view.preview_button.isEnabled(), timeout=TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = view.preview_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview.raster is not None, timeout=TIMEOUT_MS)
    assert_label_shape(dialog)
    assert dialog.print_button is not None
    spooled = len(list(bench.paths.spool_dir.glob(f"*{shipment.tracking_number}*")))
    dialog.print_button.click()
    qtbot.waitUntil(lambda: view.detail_message.text().startswith("Reprinted"), timeout=TIMEOUT_MS)
    assert len(list(bench.paths.spool_dir.glob(f"*{shipment.tracking_number}*"))) == spooled + 1
    dialog.reject()


def test_batch_dialog_prints_with_progress_and_retries_only_the_failed(
    window: MainWindow, bench: Bench, qtbot: QtBot
) -> None:
    shipments = ship_some(bench, 3)
    printer = bench.label_printer
    assert isinstance(printer, SpoolPrinter)
    printer.offline = True
    dialog = BatchPrintDialog(bench, window.runner, [s.id for s in shipments], window)
    with qtbot.waitSignal(dialog.finished_batch, timeout=TIMEOUT_MS) as done:
        dialog.start()
    outcome = done.args[0]
    assert len(outcome.waiting) == 3
    assert dialog.errors.topLevelItemCount() == 3
    assert dialog.errors.topLevelItem(0).text(1) == "Waiting for the printer"
    assert dialog.retry_button.isEnabled() and dialog.close_button.isEnabled()

    printer.offline = False
    before = {s.id: len(list(printer.directory.glob(f"*{s.tracking_number}*"))) for s in shipments}
    with qtbot.waitSignal(dialog.finished_batch, timeout=TIMEOUT_MS) as again:
        dialog.retry_button.click()
    assert len(again.args[0].printed) == 3
    assert dialog.errors.topLevelItemCount() == 0
    assert dialog.progress.value() == 3 and "3 of 3" in dialog.status_label.text()
    for s in shipments:
        assert len(list(printer.directory.glob(f"*{s.tracking_number}*"))) == before[s.id] + 1
    dialog.close_button.click()


class _GatedPrinter:
    """A printer that holds each job until the test lets it go (to cancel mid-batch)."""

    name = "Gated printer"
    format = LabelFormat.ZPL
    dpi = 203

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.jobs: list[str] = []

    def print_job(self, job: PrintJob) -> PrintResult:
        self.started.set()
        assert self.release.wait(10)
        self.jobs.append(job.name)
        return PrintResult(job.name, "gate")

    def health(self) -> PrinterHealth:
        return PrinterHealth.READY


def test_cancel_stops_the_batch_between_labels(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    shipments = ship_some(bench, 3)
    gate = _GatedPrinter()
    bench.label_printer = gate
    dialog = BatchPrintDialog(bench, window.runner, [s.id for s in shipments], window)
    dialog.start()
    qtbot.waitUntil(gate.started.is_set, timeout=TIMEOUT_MS)
    assert dialog.cancel_button.isEnabled() and not dialog.close_button.isEnabled()
    with qtbot.waitSignal(dialog.finished_batch, timeout=TIMEOUT_MS) as done:
        dialog.cancel_button.click()
        gate.release.set()
    outcome = done.args[0]
    assert len(outcome.printed) == 1 and len(outcome.cancelled) == 2
    assert gate.jobs == [shipments[0].tracking_number]
    assert "cancelled" in dialog.status_label.text()
    assert printing.drain(bench) == []  # cancelled labels never print behind the packer's back


def test_offline_printer_keeps_the_job_and_the_queue_shows_why(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    printer = bench.label_printer
    assert isinstance(printer, SpoolPrinter)
    printer.offline = True
    [shipment] = ship_some(bench, 1)
    window.status.refresh_printer()
    qtbot.waitUntil(lambda: "1 waiting" in window.status.printer_label.text(), timeout=TIMEOUT_MS)
    assert "offline" in window.status.printer_label.toolTip()

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = window.print_queue_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.queue.topLevelItemCount() == 1, timeout=TIMEOUT_MS)
    item = dialog.queue.topLevelItem(0)
    assert item.text(2) == shipment.tracking_number and "offline" in item.text(6)
    assert dialog.send_button.isEnabled()

    printer.offline = False
    dialog.send_button.click()
    qtbot.waitUntil(lambda: dialog.queue.topLevelItemCount() == 0, timeout=TIMEOUT_MS)
    assert "1 of 1 sent" in dialog.message.text()
    assert dialog.log.topLevelItemCount() >= 2
    assert dialog.log.topLevelItem(0).text(4) == "Printed"
    qtbot.waitUntil(lambda: window.status.printer_label.text() == "Printer: Ready", timeout=TIMEOUT_MS)
    dialog.accept()


@pytest.fixture
def zebra() -> Iterator[FakeZebra]:
    fake = FakeZebra()
    yield fake
    fake.stop()


def test_printer_preferences_per_document_type(
    window: MainWindow, bench: Bench, qtbot: QtBot, zebra: FakeZebra
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.preferences_dialog
    assert dialog is not None
    label_box, slip_box = dialog.label_printer_box, dialog.slip_printer_box
    label_box.kind.setCurrentIndex(label_box.kind.findData("tcp"))
    label_box.address.setText(zebra.url)
    label_box.dpi.setCurrentIndex(label_box.dpi.findData("300"))
    label_box.check_button.click()
    qtbot.waitUntil(lambda: label_box.check_result.text() == "Ready.", timeout=TIMEOUT_MS)
    zebra.state.head_open = True
    label_box.check_button.click()
    qtbot.waitUntil(lambda: "head is open" in label_box.check_result.text(), timeout=TIMEOUT_MS)

    slip_box.kind.setCurrentIndex(slip_box.kind.findData("escpos"))
    assert slip_box.format.currentData() == "escpos"
    slip_box.address.setText("tcp://192.0.2.44:9100")
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS) as saved:
        button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert button is not None
        button.click()
    assert saved.args[1] is True  # a device changed: applies after a restart
    stored = settings_model.load(bench.paths.settings_file)
    assert (stored.label_printer.kind, stored.label_printer.address, stored.label_printer.dpi) == (
        "tcp",
        zebra.url,
        300,
    )
    assert (stored.slip_printer.kind, stored.slip_printer.format) == ("escpos", LabelFormat.ESCPOS)

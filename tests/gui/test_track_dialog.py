"""Track a number: the carrier is guessed as the number is typed, a mismatch warns, the answer shows."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import packing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.main_window import MainWindow

from .helpers import READY_ORDER, wait_idle

pytestmark = pytest.mark.gui
TIMEOUT_MS = 10_000


def test_tracking_a_number_of_this_bench_shows_its_timeline(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    wait_idle(qtbot, window)
    tracking = packing.ship(bench, READY_ORDER, weight=Weight.of(640, "g")).shipment.tracking_number
    dialog = window.shipments_view.track_number()
    qtbot.keyClicks(dialog.number, tracking)
    assert dialog.carrier.currentData() == "simulated"  # the only carrier here; a 1Z number warns below
    assert "ups" in dialog.hint.text()
    with qtbot.waitSignal(dialog.tracked, timeout=TIMEOUT_MS) as got:
        dialog.track_button.click()
    assert got.args[0].tracking_number == tracking
    assert dialog.timeline.topLevelItemCount() >= 1
    assert tracking in dialog.summary.text()
    dialog.close()


def test_a_carrier_failure_is_shown_in_the_dialog(window: MainWindow, qtbot: QtBot) -> None:
    wait_idle(qtbot, window)
    dialog = window.shipments_view.track_number()
    qtbot.keyClicks(dialog.number, "NOT-A-NUMBER")
    assert dialog.hint.text() == ""  # fits no carrier's format, and the simulated carrier has none to check
    dialog.track_button.click()
    qtbot.waitUntil(lambda: "Asking" not in dialog.summary.text(), timeout=TIMEOUT_MS)
    assert "NOT-A-NUMBER" in dialog.summary.text() and dialog.timeline.topLevelItemCount() == 0
    dialog.close()

"""Rate shopping in the GUI: the rule and N in Preferences, the reason and weights in the pack view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.enums import RateRule
from shipstation_desktop.domain.rate_rules import RatePolicy, choose_rate
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings import model as settings_model
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.pack_view import PackState

from .helpers import READY_ORDER

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


def test_preferences_choose_cheapest_within_n_days(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.preferences_dialog
    assert dialog is not None
    assert dialog.rate_rule.currentData() == "cheapest" and not dialog.rate_days.isEnabled()
    dialog.rate_rule.setCurrentIndex(dialog.rate_rule.findData("cheapest_within_days"))
    assert dialog.rate_days.isEnabled()
    dialog.rate_days.setValue(2)
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS):
        button.click()
    stored = settings_model.load(bench.paths.settings_file)
    assert (stored.rate_rule, stored.rate_within_days) == (RateRule.CHEAPEST_WITHIN_DAYS, 2)
    assert bench.settings.rate_within_days == 2


def test_pack_view_shows_why_a_rate_is_preselected(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    bench.settings.rate_rule = RateRule.CHEAPEST_WITHIN_DAYS
    bench.settings.rate_within_days = 2
    view = window.pack_view
    qtbot.keyClicks(view.scan_edit, READY_ORDER)
    qtbot.keyClick(view.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state is PackState.WEIGHING, timeout=TIMEOUT_MS)
    qtbot.mouseClick(view.place_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.state is PackState.READY, timeout=TIMEOUT_MS)

    expected = choose_rate(view.rates, RatePolicy(RateRule.CHEAPEST_WITHIN_DAYS, 2))
    assert view.selected_rate() == expected.rate
    assert f"preselected: {expected.reason}." in view.rates_message.text()
    assert "within 2 days" in expected.reason
    weight_cell = view.rates_table.item(0, 4)
    assert weight_cell is not None
    tip = weight_cell.toolTip()
    assert tip.startswith("actual ") and "dimensional " in tip and "billable " in tip

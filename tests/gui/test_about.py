"""Help > About names the version (the same one `shipstation-desktop --version` prints)."""

from __future__ import annotations

from importlib import metadata

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def test_about_box_shows_the_version_and_the_data_folder(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    window.act_about.trigger()
    qtbot.waitUntil(lambda: isinstance(window.last_message_box, QMessageBox) and window.last_message_box.isVisible())
    box = window.last_message_box
    assert isinstance(box, QMessageBox)
    assert metadata.version("shipstation-desktop") in box.text()
    assert str(bench.paths.data_dir) in box.text()
    box.close()

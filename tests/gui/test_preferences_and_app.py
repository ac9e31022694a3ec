"""Preferences, the first-run choice, and starting the app (including refusing a broken database)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from PySide6.QtCore import QDeadlineTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from shipstation_desktop.services import orders as order_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings import model as settings_model
from shipstation_desktop.settings.secrets import NO_KEYRING_MESSAGE, SecretStore, secret_key
from shipstation_desktop.ui import app as gui_app
from shipstation_desktop.ui.app import build_main_window, run_gui
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.preferences import PreferencesDialog

from .helpers import open_test_bench, wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


def open_prefs(window: MainWindow, qtbot: QtBot) -> PreferencesDialog:
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.preferences_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def save(dialog: PreferencesDialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    button.click()


def test_preferences_save_bench_name_to_settings_json(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    dialog = open_prefs(window, qtbot)
    dialog.bench_name.clear()
    qtbot.keyClicks(dialog.bench_name, "Packing Bench 7")
    dialog.central_url.setText("postgresql://central.example.com/shipping")
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS):
        save(dialog)
    stored = json.loads(bench.paths.settings_file.read_text("utf-8"))
    assert stored["bench_name"] == "Packing Bench 7"
    assert settings_model.load(bench.paths.settings_file).central.url.startswith("postgresql://")
    assert bench.settings.bench_name == "Packing Bench 7"
    assert "Packing Bench 7" in window.windowTitle()
    assert window.status.sync_label.text() == "Sync: central.example.com (starting)"
    assert not dialog.isVisible()


def test_preferences_show_the_models_validation_message(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    dialog = open_prefs(window, qtbot)
    dialog.bench_name.clear()
    save(dialog)
    assert "name" in dialog.error_label.text()
    assert dialog.isVisible()
    assert not bench.paths.settings_file.exists()
    dialog.reject()


def test_carrier_secret_goes_to_the_keyring_not_settings(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    dialog = open_prefs(window, qtbot)
    assert not dialog.keyring_label.isVisible()
    row = next(r for r in dialog.carrier_rows if r.code == "shipstation")
    edit = row.secrets["api_key"]
    assert edit.isEnabled()
    qtbot.keyClicks(edit, "sk_test_123")
    row.enabled.setChecked(True)
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS):
        save(dialog)
    assert bench.secrets.get(secret_key("shipstation", "api_key")) == "sk_test_123"
    assert "sk_test_123" not in bench.paths.settings_file.read_text("utf-8")
    # The account is on from now on: its adapter is built and reads the key from the keyring.
    assert "shipstation" in bench.carriers
    saved = settings_model.load(bench.paths.settings_file)
    assert [a.code for a in saved.carriers if a.enabled] == ["simulated", "shipstation"]


@pytest.fixture
def no_keyring_window(tmp_path: Path, qtbot: QtBot) -> Iterator[MainWindow]:
    # A new bench: one made with a keyring cannot be opened without it (its PII key lives there).
    bench = open_test_bench(tmp_path / "no-keyring", secrets=SecretStore(fail.Keyring()))
    w = build_main_window(bench)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    w.shutdown()
    bench.close()


def test_keyring_unavailable_is_said_plainly(no_keyring_window: MainWindow, qtbot: QtBot) -> None:
    dialog = no_keyring_window.open_preferences()
    dialog.tabs.setCurrentIndex(2)
    assert dialog.keyring_label.isVisible()
    assert dialog.keyring_label.text() == NO_KEYRING_MESSAGE
    for row in dialog.carrier_rows:
        assert all(not edit.isEnabled() for edit in row.secrets.values())
    dialog.reject()
    # Customer data is still sealed, with the key in a file: the status bar says so, and how to fix it.
    label = no_keyring_window.status.pii_key_label
    assert label.isVisible() and "rotate-key" in label.toolTip()


def test_first_run_demo_choice_seeds_an_empty_bench(tmp_path: Path, qtbot: QtBot) -> None:
    bench = open_test_bench(tmp_path / "fresh")
    bench.settings.first_run_done = False
    w = build_main_window(bench)
    qtbot.addWidget(w)
    try:
        w.show()
        dialog = w.maybe_first_run()
        assert dialog is not None and dialog.isVisible()
        with qtbot.waitSignal(dialog.demo_ready, timeout=60_000):
            dialog.demo_button.click()
        assert bench.settings.first_run_done
        assert settings_model.load(bench.paths.settings_file).first_run_done
        assert len(order_service.list_orders(bench.store)) == 200
        wait_idle(qtbot, w, timeout=30_000)
        qtbot.waitUntil(lambda: w.customers_view.model.rowCount() == 50, timeout=TIMEOUT_MS)
        assert w.maybe_first_run() is None  # asked once only
    finally:
        w.close()
        w.shutdown()
        bench.close()


def test_first_run_setup_choice_opens_preferences(tmp_path: Path, qtbot: QtBot) -> None:
    bench = open_test_bench(tmp_path / "fresh")
    bench.settings.first_run_done = False
    w = build_main_window(bench)
    qtbot.addWidget(w)
    try:
        w.show()
        dialog = w.maybe_first_run()
        assert dialog is not None
        dialog.setup_button.click()
        prefs = w.preferences_dialog
        assert prefs is not None and prefs.isVisible()
        with qtbot.waitSignal(prefs.saved, timeout=TIMEOUT_MS):
            save(prefs)
        assert settings_model.load(bench.paths.settings_file).first_run_done
        wait_idle(qtbot, w)
    finally:
        w.close()
        w.shutdown()
        bench.close()


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    """run_gui sets up file logging for its data dir; leave the root logger as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in set(root.handlers) - set(handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root_logger")
def test_run_gui_demo_starts_seeds_and_quits(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo-bench"
    seen: dict[str, object] = {}
    deadline = QDeadlineTimer(60_000)

    def watch() -> None:
        """Polls the running app (no sleeps): once the demo is seeded, close the window."""
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows:
            w = windows[0]
            seen["excepthook_installed"] = sys.excepthook is not sys.__excepthook__
            if "Demo bench" in w.status.currentMessage() or deadline.hasExpired():
                seen["message"] = w.status.currentMessage()
                w.close()
                return
        QTimer.singleShot(50, watch)

    QTimer.singleShot(0, watch)
    previous_hook = sys.excepthook
    assert run_gui(str(data_dir), demo=True) == 0
    assert seen["message"] == "Demo bench ready."
    assert seen["excepthook_installed"]
    assert sys.excepthook is previous_hook
    assert settings_model.load(data_dir / "settings.json").first_run_done
    bench = open_test_bench(data_dir)
    try:
        assert len(order_service.list_orders(bench.store)) == 200
    finally:
        bench.close()


@pytest.mark.usefixtures("restore_root_logger")
def test_run_gui_refuses_a_corrupt_database_without_recreating_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "broken"
    data_dir.mkdir()
    database = data_dir / "bench.sqlite3"
    garbage = b"this is not a database, it is a shopping list" * 100
    database.write_bytes(garbage)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(gui_app, "show_fatal", lambda title, text: shown.append((title, text)))
    assert run_gui(str(data_dir)) == gui_app.EXIT_CANNOT_OPEN
    assert len(shown) == 1
    assert str(database) in shown[0][1]
    assert database.read_bytes() == garbage  # never re-created
    assert sorted(p.name for p in data_dir.iterdir() if p.name != "logs") == ["bench.sqlite3"]
    assert "not a usable bench database" in (data_dir / "logs" / "shipstation-desktop.log").read_text("utf-8")


def test_excepthook_routes_bugs_to_the_error_dialog(window: MainWindow, qtbot: QtBot) -> None:
    hook = gui_app.make_excepthook(window, lambda *_args: None)
    try:
        raise ValueError("bad slot")
    except ValueError as e:
        hook(ValueError, e, e.__traceback__)
    dialog = window.last_error_dialog
    assert dialog is not None and dialog.isVisible()
    assert "ValueError: bad slot" in dialog.details.toPlainText()
    dialog.close()


def test_a_fresh_process_builds_its_application_with_the_icon() -> None:
    """pytest-qt makes the QApplication itself, so the app's own start-up path runs in a child."""
    import os
    import subprocess
    import sys

    code = (
        "from shipstation_desktop.ui import app\n"
        "qapp = app._application()\n"
        "print('icon missing' if qapp.windowIcon().isNull() else 'icon ok')\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "icon ok"

"""Which language the GUI opens in (`gui --lang`, the bench's setting, the computer's), the chooser
in Preferences, rebuilding the window in another language, and Qt's own texts."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QDeadlineTimer, QLocale, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from shipstation_desktop.cli import main
from shipstation_desktop.domain.rates import check_weight
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings import model as settings_model
from shipstation_desktop.ui import app as gui_app
from shipstation_desktop.ui import i18n
from shipstation_desktop.ui.app import apply_language, build_main_window, startup_language
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.pack_view import weight_check_text
from shipstation_desktop.ui.preferences import LANGUAGE_NOTE

from .helpers import wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 10_000


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


def test_the_command_line_beats_the_setting_which_beats_the_computer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gui_app, "system_language", lambda: "ro")
    assert startup_language("ES", "ru") == "es"
    assert startup_language(None, "ru_RU") == "ru"
    assert startup_language(None, "") == "ro"
    assert startup_language(None, "fr") == "ro"  # a setting this version does not ship is passed over
    with pytest.raises(ValueError, match="choose one of: en, es, ro, ru, zh"):
        startup_language("xx", "")


def test_gui_lang_with_a_bad_code_exits_2_naming_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gui", "--lang", "klingon"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "--lang" in err and "en, es, ro, ru, zh" in err


def test_gui_lang_reaches_run_gui_normalized(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[str | None, bool, str | None]] = []

    def fake_run_gui(data_dir: str | None, demo: bool = False, lang: str | None = None) -> int:
        calls.append((data_dir, demo, lang))
        return 0

    monkeypatch.setattr(gui_app, "run_gui", fake_run_gui)
    assert main(["--data-dir", str(tmp_path), "gui", "--demo", "--lang", "zh_CN"]) == 0
    assert main(["--data-dir", str(tmp_path)]) == 0  # no command: the GUI, in the usual language
    assert calls == [(str(tmp_path), True, "zh"), (str(tmp_path), False, None)]


@pytest.mark.usefixtures("restore_root_logger")
def test_the_fatal_start_message_already_speaks_the_chosen_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "broken"
    data_dir.mkdir()
    (data_dir / "bench.sqlite3").write_bytes(b"not a database" * 200)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(gui_app, "show_fatal", lambda title, text: shown.append((title, text)))
    assert gui_app.run_gui(str(data_dir), lang="es") == gui_app.EXIT_CANNOT_OPEN
    assert shown[0][0] == "No se puede abrir el puesto"
    assert "Carpeta de datos:" in shown[0][1] and "No se ha cambiado nada." in shown[0][1]
    assert i18n.language() == "en"  # run_gui leaves the process as it found it


@pytest.mark.usefixtures("restore_root_logger")
def test_the_benchs_language_setting_opens_the_window_in_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "chinese-bench"
    data_dir.mkdir()
    (data_dir / "settings.json").write_text(
        json.dumps({"language": "zh", "first_run_done": True, "bench_name": "Bench 9"}), "utf-8"
    )
    seen: dict[str, object] = {}
    deadline = QDeadlineTimer(60_000)

    def watch() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows or deadline.hasExpired():
            if windows:
                w = windows[0]
                seen["title"] = w.windowTitle()
                seen["tabs"] = [w.tabs.tabText(i) for i in range(4)]
                w.close()
            return
        QTimer.singleShot(50, watch)

    QTimer.singleShot(0, watch)
    assert gui_app.run_gui(str(data_dir)) == 0
    assert seen["tabs"] == ["打包", "货件", "异常", "客户"]
    assert seen["title"] == "ShipStation Desktop — Bench 9（演示）"  # a fresh bench is a demo bench
    assert i18n.language() == "en"


def test_preferences_choose_the_language_for_the_next_start(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    dialog = window.open_preferences()
    combo = dialog.language
    assert [combo.itemData(i) for i in range(combo.count())] == ["", "en", "es", "ro", "ru", "zh"]
    assert combo.itemText(0) == "Automatic (the computer's language)" and combo.itemText(4) == "Русский"
    assert combo.currentData() == ""  # nothing chosen yet: the computer's language
    combo.setCurrentIndex(combo.findData("ru"))
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS):
        button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert button is not None
        button.click()
    assert settings_model.load(bench.paths.settings_file).language == "ru"
    assert LANGUAGE_NOTE in window.status.currentMessage()
    assert window.tabs.tabText(0) == "Pack"  # it takes effect on the next start
    wait_idle(qtbot, window)

    again = window.open_preferences()
    assert again.language.currentData() == "ru"
    again.reject()


@pytest.fixture
def english_afterwards() -> Iterator[None]:
    yield
    apply_language("en")


@pytest.mark.usefixtures("english_afterwards")
def test_apply_language_rebuilds_the_window_in_its_place(bench: Bench, qtbot: QtBot) -> None:
    window = build_main_window(bench)  # not qtbot's: apply_language deletes it
    rebuilt: MainWindow | None = None
    try:
        window.show()
        qtbot.waitExposed(window)
        window.tabs.setCurrentIndex(1)
        wait_idle(qtbot, window)
        with qtbot.waitSignal(window.destroyed, timeout=TIMEOUT_MS):
            rebuilt = apply_language("es", window)
            assert rebuilt is not None and rebuilt is not window
            qtbot.addWidget(rebuilt)
            assert window._shut_down  # one scale worker per scale: the old window stopped first
        assert rebuilt.language == "es" and rebuilt.isVisible()
        assert rebuilt.tabs.currentIndex() == 1
        assert rebuilt.tabs.tabText(0) == "Empaquetar"
        assert rebuilt.pack_view.buy_button.text() == "Comprar e imprimir  (F9)"
        assert apply_language("es_ES", rebuilt) is rebuilt  # already in Spanish: nothing to rebuild
        wait_idle(qtbot, rebuilt)
    finally:
        last = rebuilt or window
        last.close()
        last.shutdown()


@pytest.mark.usefixtures("english_afterwards")
def test_qt_standard_buttons_follow_the_language(qtbot: QtBot) -> None:
    def texts() -> list[str]:
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        buttons = [box.button(QDialogButtonBox.StandardButton.Save), box.button(QDialogButtonBox.StandardButton.Cancel)]
        return [b.text() for b in buttons if b is not None]

    apply_language("ro")  # Qt ships no Romanian catalog: our catalogs answer
    assert texts() == ["Salvați", "Anulează"]
    assert QLocale().decimalPoint() == ","
    apply_language("ru")  # Qt's own Russian catalog
    assert texts() == ["Сохранить", "Отмена"]
    apply_language("en")
    assert texts() == ["Save", "Cancel"]
    assert QLocale().decimalPoint() == "."


@pytest.mark.usefixtures("english_afterwards")
def test_the_weight_check_speaks_the_gui_language() -> None:
    light = check_weight(Weight.of(400, "g"), Weight.of(500, "g"), Decimal("7.5"))
    assert weight_check_text(light) == light.message()  # English: the domain's own sentence, as before
    heavy = check_weight(Weight.of(1150, "g"), Weight.of(1000, "g"), Decimal(10))
    apply_language("es")
    assert weight_check_text(heavy) == (
        "El paquete pesa 150 g más de lo esperado (1.000 g, desviación del 15,0 %; tolerancia 10 %)."
    )

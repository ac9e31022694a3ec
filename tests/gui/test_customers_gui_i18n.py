"""The customer screens in other languages: every string of theirs has a translation in each
catalog (with the same placeholders), and the view really shows them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui import i18n
from shipstation_desktop.ui.app import build_main_window
from shipstation_desktop.ui.main_window import MainWindow

from .customer_helpers import TIMEOUT_MS, customers_view, find_customer, open_detail

pytestmark = pytest.mark.gui

UI = Path(i18n.__file__).parent
FILES = sorted([*UI.glob("customer*.py"), UI / "inline_errors.py"])
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
FIELD = re.compile(r"\{(\w*)\}")


def msgids() -> list[str | tuple[str, str]]:
    found: list[str | tuple[str, str]] = []
    for path in FILES:
        for _line, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
            found.append(message if isinstance(message, str) else (message[0], message[1]))
    return found


@pytest.mark.parametrize("language", ["es", "ro", "ru", "zh"])
def test_every_customer_string_is_translated_with_its_placeholders(language: str) -> None:
    assert (i18n.catalog_dir(language) / "customers.po").is_file()
    catalog = i18n.load_catalog(language)
    wanted = msgids()
    assert len(wanted) > 200
    for message in wanted:
        key = message if isinstance(message, str) else message[0]
        entry = catalog.get(key)
        assert entry is not None and entry.string, f"{language}: no translation for {key!r}"
        fields = set(FIELD.findall(key if isinstance(message, str) else message[1]))
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        if not isinstance(message, str):
            assert len(strings) == catalog.num_plurals, f"{language}: plural forms of {key!r}"
        for text in strings:
            assert text, f"{language}: empty form for {key!r}"
            assert set(FIELD.findall(text)) == fields, f"{language}: placeholders of {text!r} for {key!r}"


@pytest.fixture
def russian(bench: Bench, qtbot: QtBot) -> Iterator[MainWindow]:
    i18n.set_language("ru")  # before building: widgets take their texts when made
    w = build_main_window(bench)
    qtbot.addWidget(w)
    try:
        w.show()
        qtbot.waitExposed(w)
        yield w
    finally:
        w.close()
        w.shutdown()
        i18n.set_language("en")


def test_customers_view_and_detail_in_russian(russian: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = customers_view(russian, qtbot)
    assert view.count_label.text() == "50 клиентов"
    assert view.model.headerData(0, Qt.Orientation.Horizontal) == "Клиент"
    assert view.new_button.text() == "Новый клиент"
    assert view.sections.tabText(1) == "Когорты"
    detail = open_detail(russian, qtbot, find_customer(bench, "mueller").id)
    assert detail.tabs.tabText(4) == "Хронология"
    assert detail.form.status_combo.currentText() == "Активен"
    qtbot.waitUntil(
        lambda: detail.timeline.count_label.text().endswith(("запись", "записи", "записей")), timeout=TIMEOUT_MS
    )

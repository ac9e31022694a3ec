"""Every shipped language is complete: each string the GUI marks has a translation with the same
placeholders and the language's plural forms, and no English text leaks onto the main views.

The marked strings are read from shipstation_desktop/ui/*.py by tools/i18n_extract.py (AST, all
areas of the GUI): this is the completeness gate for every catalog, not only one area's.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings.secrets import NO_KEYRING_MESSAGE
from shipstation_desktop.ui import i18n
from shipstation_desktop.ui.app import apply_language, build_main_window
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.pack_view import PackState
from shipstation_desktop.ui.preferences import NO_KEYRING_TEXT
from tools import i18n_extract

from .helpers import READY_ORDER, wait_idle

pytestmark = pytest.mark.gui

TIMEOUT_MS = 15_000
LANGUAGES = i18n_extract.TRANSLATED
CELLS_PER_TABLE = 25  # enough rows to meet every status and type the demo data has


@pytest.fixture(scope="module")
def marked() -> i18n_extract.Extraction:
    return i18n_extract.extract(i18n_extract.ui_files())


def _by_file(problems: list[str]) -> str:
    groups: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        found = re.search(r"\((shipstation_desktop/[^:]+):\d+\)$", problem)
        groups[found.group(1) if found else "other"].append(problem)
    return "\n".join(f"{file}: {len(items)}\n  " + "\n  ".join(items[:8]) for file, items in sorted(groups.items()))


def test_the_extractor_finds_every_area_and_no_unusable_marks(marked: i18n_extract.Extraction) -> None:
    files = {file for message in marked.messages.values() for file, _line in message.locations}
    names = {Path(file).name for file in files}
    assert {"main_window.py", "pack_view.py", "shipments_view.py", "preferences.py", "status_bar.py"} <= names
    assert len(marked.messages) > 500
    # f-strings inside _(), a msgid used both with ngettext() and without, N_(variable): never found at run time.
    assert marked.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_has_a_translation(marked: i18n_extract.Extraction, language: str) -> None:
    catalog = i18n_extract.load_language(language)
    missing = i18n_extract.missing(marked.messages, catalog)
    problems = [f"{m.msgid!r} ({m.locations[0][0]}:{m.locations[0][1]})" for m in missing]
    assert not problems, f"{len(problems)} strings have no {language} translation:\n{_by_file(problems)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_plural_forms_and_mnemonics(
    marked: i18n_extract.Extraction, language: str
) -> None:
    catalog = i18n_extract.load_language(language)
    assert set(catalog.num_plurals.values()) == {i18n_extract.PLURAL_FORMS[language]}, catalog.num_plurals
    problems = [p for p in i18n_extract.check(marked.messages, catalog) if ": missing " not in p]
    assert problems == []


def test_the_checker_catches_what_breaks_at_run_time(tmp_path: Path) -> None:
    """The checks above fail for real mistakes (so a passing run means something)."""
    messages = {
        "{count} day": i18n_extract.Message("{count} day", "{count} days", [("x.py", 1)]),
        "Hello {name}": i18n_extract.Message("Hello {name}", None, [("x.py", 2)], plain=True),
        "&File": i18n_extract.Message("&File", None, [("x.py", 3)], plain=True),
        "Gone": i18n_extract.Message("Gone", None, [("x.py", 4)], plain=True),
    }
    entries = {
        "{count} day": i18n_extract.Entry("{count} day", "{count} days", ("{count} день", "{n} дня"), False, "a.po"),
        "Hello {name}": i18n_extract.Entry("Hello {name}", None, ("Привет, {nombre}",), False, "a.po"),
        "&File": i18n_extract.Entry("&File", None, ("Файл",), False, "a.po"),
        "Gone": i18n_extract.Entry("Gone", None, ("Нет",), True, "a.po"),  # fuzzy: gettext ignores it
    }
    catalog = i18n_extract.LanguageCatalog("ru", entries, {"a.po": 3}, [])
    problems = i18n_extract.check(messages, catalog)
    assert any("missing 'Gone'" in p for p in problems)
    assert any("2 plural forms, not 3" in p for p in problems)
    assert any("form 1 has ['n']" in p for p in problems)
    assert any("'Hello {name}'" in p and "['nombre']" in p for p in problems)
    assert any("lost its keyboard mnemonic" in p for p in problems)
    source = tmp_path / "bad_marks.py"
    source.write_text(
        '_(f"Hi {name}")\nngettext("a", plural, n)\n_("{n} x")\nngettext("{n} x", "{n} xs", 2)\n', "utf-8"
    )
    found = i18n_extract.extract([source])
    assert len(found.problems) == 3, found.problems  # the f-string, the plural variable, the mixed use


def test_the_keyring_message_marked_in_preferences_is_the_settings_one() -> None:
    assert NO_KEYRING_TEXT == NO_KEYRING_MESSAGE


# ------------------------------------------------------------------------------------------ on screen


@dataclass
class Leaks:
    """English texts that must not appear in `language`: msgids whose translation differs, as
    exact texts and (for those with placeholders) as patterns with the placeholders as wildcards.
    A text that is itself the translation of some msgid is fine (Russian "Email" is "E-mail")."""

    exact: set[str]
    patterns: list[tuple[re.Pattern[str], str]]
    translations: set[str]

    def find(self, texts: list[tuple[str, str]]) -> list[str]:
        found = []
        for where, text in texts:
            if text in self.translations:
                continue
            if text in self.exact:
                found.append(f"{where}: {text!r}")
            elif "{" not in text and (hit := next((m for p, m in self.patterns if p.fullmatch(text)), None)):
                found.append(f"{where}: {text!r} (msgid {hit!r})")
        return found


def _pattern(english: str) -> re.Pattern[str] | None:
    parts = list(string.Formatter().parse(english))
    if not any(ch.isalpha() for literal, *_ in parts for ch in literal):
        return None  # "{label}:" or "{a} — {b}" would match any text
    regex = "".join(re.escape(literal) + ("(.+?)" if name is not None else "") for literal, name, *_ in parts)
    return re.compile(regex, re.DOTALL)


def leaks_for(marked: i18n_extract.Extraction) -> Leaks:
    """In the current language."""
    exact: set[str] = set()
    patterns: list[tuple[re.Pattern[str], str]] = []
    translations: set[str] = set()
    for message in marked.messages.values():
        if message.plural is None:
            english, translated = {message.msgid}, {i18n._(message.msgid)}
        else:
            english = {message.msgid, message.plural}
            translated = {i18n.ngettext(message.msgid, message.plural, n) for n in (1, 2, 5, 21)}
        translations |= translated - english
        for text in english - translated:
            if "{" in text:
                if (pattern := _pattern(text)) is not None:
                    patterns.append((pattern, text))
            else:
                exact.add(text)
    return Leaks(exact, patterns, translations)


def _item_view_texts(view: QAbstractItemView, where: str) -> Iterator[tuple[str, str]]:
    model = view.model()
    if model is None:
        return
    for column in range(model.columnCount()):
        header = model.headerData(column, Qt.Orientation.Horizontal)
        if isinstance(header, str):
            yield f"{where} header", header
        for row in range(min(model.rowCount(), CELLS_PER_TABLE)):
            cell = model.index(row, column).data()
            if isinstance(cell, str):
                yield f"{where} cell", cell


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """What a person can read on `root` now: labels, buttons, group titles, placeholders, combo
    items, table headers and cells, nested tab titles and tooltips of the visible widgets."""
    texts: list[tuple[str, str]] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        name = f"{type(widget).__name__}#{widget.objectName() or '?'}"
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append((name, widget.text()))
        elif isinstance(widget, QGroupBox):
            texts.append((name, widget.title()))
        elif isinstance(widget, QLineEdit):
            texts.append((f"{name} placeholder", widget.placeholderText()))
        elif isinstance(widget, QComboBox):
            texts += [(f"{name} item", widget.itemText(i)) for i in range(widget.count())]
        elif isinstance(widget, QAbstractItemView):
            texts += list(_item_view_texts(widget, name))
        elif isinstance(widget, QTabWidget):
            texts += [(f"{name} tab", widget.tabText(i)) for i in range(widget.count())]
        if widget.toolTip():
            texts.append((f"{name} tooltip", widget.toolTip()))
    return [(where, text) for where, text in texts if text.strip()]


def window_texts(window: MainWindow) -> list[tuple[str, str]]:
    texts = [("window title", window.windowTitle())]
    texts += [("main tab", window.tabs.tabText(i)) for i in range(window.tabs.count())]
    for action in window.menuBar().actions():
        texts.append(("menu", action.text()))
        menu = action.menu()
        if isinstance(menu, QMenu):
            for item in menu.actions():
                texts += [("menu item", item.text()), ("menu item tip", item.statusTip())]
    texts += visible_texts(window.statusBar())
    return [(where, text) for where, text in texts if text.strip()]


def _show_each_view(window: MainWindow, qtbot: QtBot) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    pack = window.pack_view
    wait_idle(qtbot, window)
    yield "Pack (idle)", visible_texts(pack)
    qtbot.keyClicks(pack.scan_edit, READY_ORDER)
    qtbot.keyClick(pack.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pack.state is PackState.WEIGHING, timeout=TIMEOUT_MS)
    pack.place_demo_parcel()
    qtbot.waitUntil(lambda: pack.state is PackState.READY, timeout=TIMEOUT_MS)
    wait_idle(qtbot, window)
    yield "Pack (rates)", visible_texts(pack)
    with qtbot.waitSignal(pack.shipped, timeout=TIMEOUT_MS):
        pack.buy_and_print()
    wait_idle(qtbot, window)
    yield "Pack (shipped)", visible_texts(pack)
    for view in (
        window.shipments_view,
        window.exceptions_view,
        window.customers_view,
        window.analytics_view,
        window.inventory_view,
    ):
        window.tabs.setCurrentWidget(view)
        wait_idle(qtbot, window)
        model = getattr(view, "model", None)
        if model is not None and hasattr(model, "rowCount"):
            qtbot.waitUntil(lambda model=model: model.rowCount() > 0, timeout=TIMEOUT_MS)
        wait_idle(qtbot, window)
        yield window.tabs.tabText(window.tabs.currentIndex()), visible_texts(view)
    yield "window", window_texts(window)


@pytest.fixture
def english_afterwards() -> Iterator[None]:
    yield
    apply_language("en")


@pytest.mark.usefixtures("english_afterwards")
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_leaks_onto_the_main_views(
    marked: i18n_extract.Extraction, language: str, bench: Bench, qtbot: QtBot
) -> None:
    apply_language(language)  # before building: widgets take their texts when made
    leaks = leaks_for(marked)
    window = build_main_window(bench)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        found: list[str] = []
        seen = 0
        for view, texts in _show_each_view(window, qtbot):
            seen += len(texts)
            found += [f"{view} — {leak}" for leak in leaks.find(texts)]
        assert seen > 300  # the walk saw the views, not empty screens
        assert found == [], f"{len(found)} English texts on the {language} screens:\n" + "\n".join(found)
    finally:
        window.close()
        window.shutdown()


def test_the_walk_sees_english_when_nothing_is_translated(
    marked: i18n_extract.Extraction, bench: Bench, qtbot: QtBot, window: MainWindow
) -> None:
    """The same walk over the English window finds the English texts the Spanish one must not have."""
    english = [text for _view, texts in _show_each_view(window, qtbot) for _where, text in texts]
    i18n.set_language("es")
    try:
        leaks = leaks_for(marked)
    finally:
        i18n.set_language("en")
    found = leaks.find([("en", text) for text in english])
    assert len(found) > 100
    assert any("'Buy && Print  (F9)'" in leak for leak in found)
    assert any("Exceptions: " in leak and "(msgid 'Exceptions: {count} open')" in leak for leak in found)

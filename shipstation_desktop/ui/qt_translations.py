"""Qt's own texts (standard buttons, the line edit's context menu, file dialogs) in the GUI language.

Qt ships catalogs (qtbase_<language>.qm) for Spanish, Russian and Chinese but not Romanian; the
standard button texts, which every dialog shows, come from our catalogs as a fallback, so a Romanian
bench reads "Salvează", not "Save". Qt searches the translator installed last first: qtbase wins
where it has a text, ours fills the gaps.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator

from . import i18n
from .i18n import N_

# The texts QDialogButtonBox and QMessageBox ask Qt for (context "QPlatformTheme"), as Qt 6 spells them.
STANDARD_BUTTONS = (
    N_("OK"),
    N_("Save"),
    N_("Save All"),
    N_("Open"),
    N_("&Yes"),
    N_("Yes to &All"),
    N_("&No"),
    N_("N&o to All"),
    N_("Abort"),
    N_("Retry"),
    N_("Ignore"),
    N_("Close"),
    N_("Cancel"),
    N_("Discard"),
    N_("Help"),
    N_("Apply"),
    N_("Reset"),
    N_("Restore Defaults"),
)
_CONTEXTS = frozenset({"QPlatformTheme"})


class StandardTexts(QTranslator):
    """Answers Qt's standard button texts from our catalogs (for languages Qt has no catalog for)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._known = frozenset(STANDARD_BUTTONS)

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        if context not in _CONTEXTS or source not in self._known:
            return None
        text = i18n._(source)
        return text if text != source else None

    def isEmpty(self) -> bool:
        return False


_installed: list[QTranslator] = []


def install(language: str) -> bool:
    """Puts Qt's texts into `language` (removing the previous language's); True when Qt has its own catalog."""
    app = QCoreApplication.instance()
    if app is None:
        return False
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if language == i18n.SOURCE_LANGUAGE:
        return False
    ours = StandardTexts(app)
    app.installTranslator(ours)
    _installed.append(ours)
    qt = QTranslator(app)
    found = qt.load(QLocale(language), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if found:
        app.installTranslator(qt)
        _installed.append(qt)
    return found

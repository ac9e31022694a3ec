"""GUI languages: every user-facing string in ui/ goes through `_()` / `ngettext()`.

Catalogs are gettext .po files under resources/i18n/<language>/ (one file per area of the GUI, so
areas can be translated independently); English is the source language and needs no catalog. They
are compiled in memory at start-up with Babel, and Python's gettext applies each language's plural
rule (Russian has three forms, Chinese one).
"""

from __future__ import annotations

import gettext
import io
import threading
from importlib import resources
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE_LANGUAGE = "en"
# The languages shipped: English plus the ones with catalogs under resources/i18n/.
SUPPORTED: tuple[str, ...] = ("en", "es", "ro", "ru", "zh")
LANGUAGE_NAMES = {"en": "English", "es": "Español", "ro": "Română", "ru": "Русский", "zh": "中文"}

_lock = threading.Lock()
_language = SOURCE_LANGUAGE
_translations: gettext.NullTranslations = gettext.NullTranslations()


def catalog_dir(language: str) -> Path:
    return Path(str(resources.files("shipstation_desktop") / "resources" / "i18n" / language))


def load_catalog(language: str) -> Catalog:
    """Every .po file of one language merged into one catalog (later files never override earlier)."""
    merged = Catalog(locale=language)
    folder = catalog_dir(language)
    for po in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        with po.open("rb") as fh:
            part = read_po(fh, locale=language)
        if merged.num_plurals != part.num_plurals:
            merged = _with_plural_header(merged, part)
        for message in part:
            if message.id and message.id not in merged:
                merged[message.id] = message
    return merged


def _with_plural_header(merged: Catalog, part: Catalog) -> Catalog:
    # Catalog(locale=…) already knows CLDR's plural rule; keep the .po's own header when it says more.
    merged._num_plurals = part.num_plurals  # type: ignore[attr-defined]
    merged._plural_expr = part.plural_expr  # type: ignore[attr-defined]
    return merged


def _compile(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(language))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def normalize_language(code: str) -> str:
    """ "es_ES", "es-MX", "ES" → "es"; anything not shipped raises ValueError naming the choices."""
    base = code.strip().replace("-", "_").split("_")[0].lower()
    if base not in SUPPORTED:
        raise ValueError(f"language {code!r} is not available; choose one of: {', '.join(SUPPORTED)}")
    return base


def set_language(code: str) -> str:
    """Switches the GUI language for strings looked up from now on; returns the normalized code."""
    global _language, _translations
    language = normalize_language(code)
    compiled = _compile(language)
    with _lock:
        _language, _translations = language, compiled
    return language


def language() -> str:
    return _language


def locale() -> Locale:
    """The Babel locale for dates, numbers and units in the current language."""
    return Locale.parse(_language)


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined (a table of labels); translate it with _() where shown."""
    return message

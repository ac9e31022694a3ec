"""GUI languages: every user-facing string in ui/ goes through `_()` / `ngettext()`.

Catalogs are gettext .po files under resources/i18n/<language>/ (one file per area of the GUI, so
areas can be translated independently); English is the source language and needs no catalog. They
are compiled in memory the first time a language is chosen, with Babel, and Python's gettext applies
each language's plural rule (Russian has three forms, Chinese one). `tools/i18n_extract.py` lists
the strings the code marks, and tests/gui/test_translations.py keeps every catalog complete.

Widgets take their texts when they are built: choose the language (`set_language`) before building
a window, or rebuild it (ui/app.py `apply_language`). Babel is imported only when a catalog is
compiled or a locale is needed, so the CLI can validate `--lang` without paying for it.
"""

from __future__ import annotations

import gettext
import io
import os
import threading
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale
    from babel.messages.catalog import Catalog

SOURCE_LANGUAGE = "en"
# The languages shipped: English plus the ones with catalogs under resources/i18n/.
SUPPORTED: tuple[str, ...] = ("en", "es", "ro", "ru", "zh")
LANGUAGE_NAMES = {"en": "English", "es": "Español", "ro": "Română", "ru": "Русский", "zh": "中文"}
# Where the computer says which language its person reads, most specific first (as GNU gettext reads them).
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_lock = threading.Lock()
_language = SOURCE_LANGUAGE
_translations: gettext.NullTranslations = gettext.NullTranslations()
_compiled: dict[str, gettext.NullTranslations] = {}
_locales: dict[str, Locale] = {}


def catalog_dir(language: str) -> Path:
    return Path(str(resources.files("shipstation_desktop") / "resources" / "i18n" / language))


def load_catalog(language: str) -> Catalog:
    """Every .po file of one language merged into one catalog (later files never override earlier)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

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
    # Babel keeps them in private attributes (set from the header when a .po is read).
    setattr(merged, "_num_plurals", part.num_plurals)  # noqa: B010 - private, untyped in Babel
    setattr(merged, "_plural_expr", part.plural_expr)  # noqa: B010
    return merged


def _compile(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(language))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def normalize_language(code: str) -> str:
    """ "es_ES", "es-MX", "ES", "zh_CN.UTF-8" → "es"/"zh"; anything not shipped raises ValueError naming the choices."""
    base = code.strip().replace("-", "_").split(".")[0].split("_")[0].lower()
    if base not in SUPPORTED:
        raise ValueError(f"language {code!r} is not available; choose one of: {', '.join(SUPPORTED)}")
    return base


def set_language(code: str) -> str:
    """Switches the GUI language for strings looked up from now on; returns the normalized code.

    A language's catalogs are compiled once per process (they do not change while it runs)."""
    global _language, _translations
    language = normalize_language(code)
    with _lock:
        compiled = _compiled.get(language)
    if compiled is None:
        compiled = _compile(language)
    with _lock:
        _compiled.setdefault(language, compiled)
        _language, _translations = language, _compiled[language]
    return language


def language() -> str:
    return _language


def language_name(code: str) -> str:
    """A language as its readers write it ("Español"), for choosers."""
    return LANGUAGE_NAMES.get(code, code)


def environment_languages(environ: Mapping[str, str] | None = None) -> list[str]:
    """The languages the environment asks for, first choice first (LANGUAGE may list several: "ro:fr").

    "C" and "POSIX" mean no preference and are left out."""
    env = os.environ if environ is None else environ
    found: list[str] = []
    for variable in LOCALE_VARIABLES:
        for part in env.get(variable, "").split(":"):
            name = part.strip()
            if name and name.upper() not in {"C", "POSIX"} and not name.upper().startswith("C."):
                found.append(name)
    return found


def first_supported(candidates: Iterable[str]) -> str | None:
    """The first of `candidates` ("ro_RO.UTF-8", "es-MX", …) that is shipped, normalized; None when none is."""
    for candidate in candidates:
        try:
            return normalize_language(candidate)
        except ValueError:
            continue
    return None


def locale() -> Locale:
    """The Babel locale for dates, numbers and units in the current language."""
    language = _language
    found = _locales.get(language)
    if found is None:
        from babel import Locale

        found = _locales.setdefault(language, Locale.parse(language))
    return found


def _(message: str) -> str:
    # gettext("") would answer the catalog's header.
    return _translations.gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined (a table of labels); translate it with _() where shown."""
    return message

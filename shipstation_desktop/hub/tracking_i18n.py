"""The tracking page's languages: es (default), en, ro, ru, zh, chosen by `?lang=` first, then the
browser's Accept-Language (RFC 9110 §12.5.4: q-values, `*`, region subtags fall back to the base
language), then Spanish. Strings live in resources/hub/strings/<lang>.json, one file per language
with the same keys (missing_keys() is what the tests check)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("es", "en", "ro", "ru", "zh")
DEFAULT = "es"
# Each language's own name, for the switcher (the same in every language, so not in the files).
NATIVE_NAMES = {"es": "Español", "en": "English", "ro": "Română", "ru": "Русский", "zh": "中文"}


def _supported(tag: str) -> str | None:
    base = tag.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


def _accepted(header: str) -> list[tuple[float, int, str]]:
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:32]):  # a hostile header cannot make us loop long
        tag, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((quality, index, tag))
    # highest q first; equal q keeps the header's order
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return ranked


def negotiate(query: str | None, accept_language: str | None) -> str:
    if query and (chosen := _supported(query)):
        return chosen
    for _quality, _index, tag in _accepted(accept_language or ""):
        if tag == "*":
            return DEFAULT
        if chosen := _supported(tag):
            return chosen
    return DEFAULT


@cache
def strings(language: str) -> dict[str, str]:
    raw = resources.files("shipstation_desktop").joinpath("resources", "hub", "strings", f"{language}.json")
    loaded: dict[str, str] = json.loads(raw.read_text(encoding="utf-8"))
    return loaded


def missing_keys() -> dict[str, set[str]]:
    """Per language, the keys some other language has and it lacks (or leaves empty)."""
    every = set().union(*(strings(lang).keys() for lang in LANGUAGES))
    gaps = {lang: {k for k in every if not str(strings(lang).get(k) or "").strip()} for lang in LANGUAGES}
    return {lang: keys for lang, keys in gaps.items() if keys}


def status_label(language: str, status: str) -> str:
    table = strings(language)
    return table.get(f"status.{status.lower()}") or table["status.unknown"]


def status_labels(language: str) -> dict[str, str]:
    """status (lower case) -> label, for the page's script to relabel live updates."""
    prefix = "status."
    return {k[len(prefix) :]: v for k, v in strings(language).items() if k.startswith(prefix)}

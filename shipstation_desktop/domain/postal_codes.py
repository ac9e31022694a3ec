"""Postal code formats per country (ISO 3166-1 alpha-2): what a valid code looks like, and its
canonical spacing, for the countries this business ships to most. A country not listed takes any code
of up to 20 letters, digits, spaces and hyphens; the carrier's address validation says the rest.

The patterns follow the national postal services' published formats (as collected in Google's
libaddressinput data); they check the shape, never that the code exists.
"""

from __future__ import annotations

import re

from .address_normalize import postal_code as _tidy_postal

# Country -> full-match pattern of an upper-cased code.
PATTERNS: dict[str, str] = {
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d",
    "GB": r"GIR 0AA|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}",
    "MX": r"\d{5}",
    "BR": r"\d{5}-\d{3}",
    "AR": r"([A-HJ-NP-Z])?\d{4}([A-Z]{3})?",
    "CL": r"\d{7}",
    "CO": r"\d{6}",
    "DE": r"\d{5}",
    "FR": r"\d{5}",
    "ES": r"\d{5}",
    "IT": r"\d{5}",
    "PT": r"\d{4}-\d{3}",
    "NL": r"\d{4} [A-Z]{2}",
    "BE": r"\d{4}",
    "LU": r"\d{4}",
    "AT": r"\d{4}",
    "CH": r"\d{4}",
    "IE": r"[\dA-Z]{3} [\dA-Z]{4}",
    "DK": r"\d{4}",
    "NO": r"\d{4}",
    "SE": r"\d{3} \d{2}",
    "FI": r"\d{5}",
    "IS": r"\d{3}",
    "PL": r"\d{2}-\d{3}",
    "CZ": r"\d{3} \d{2}",
    "SK": r"\d{3} \d{2}",
    "HU": r"\d{4}",
    "RO": r"\d{6}",
    "BG": r"\d{4}",
    "HR": r"\d{5}",
    "SI": r"\d{4}",
    "GR": r"\d{3} \d{2}",
    "EE": r"\d{5}",
    "LV": r"LV-\d{4}",
    "LT": r"LT-\d{5}",
    "UA": r"\d{5}",
    "RU": r"\d{6}",
    "TR": r"\d{5}",
    "IL": r"\d{5}(\d{2})?",
    "ZA": r"\d{4}",
    "IN": r"\d{6}",
    "CN": r"\d{6}",
    "JP": r"\d{3}-\d{4}",
    "KR": r"\d{5}",
    "TW": r"\d{3}(\d{2,3})?",
    "SG": r"\d{6}",
    "MY": r"\d{5}",
    "TH": r"\d{5}",
    "PH": r"\d{4}",
    "ID": r"\d{5}",
    "VN": r"\d{6}",
    "AU": r"\d{4}",
    "NZ": r"\d{4}",
}
# An example of each, for the message that refuses a code.
EXAMPLES: dict[str, str] = {
    "US": "94105 or 94105-1234",
    "CA": "K1A 0B1",
    "GB": "SW1A 1AA",
    "BR": "01310-100",
    "PT": "1100-148",
    "NL": "1012 AB",
    "IE": "D02 X285",
    "SE": "111 22",
    "CZ": "110 00",
    "SK": "811 01",
    "GR": "105 57",
    "PL": "00-950",
    "JP": "100-0001",
    "LV": "LV-1050",
    "LT": "LT-01103",
    "AR": "C1425ABC or 1425",
    "IL": "6100000",
    "TW": "100 or 10058",
}
# Countries whose addresses have no postal code (or where most addresses are written without one).
OPTIONAL: frozenset[str] = frozenset(
    {"AE", "AG", "AO", "AW", "BO", "BS", "BW", "BZ", "CW", "DJ", "FJ", "GD", "GH", "GM", "HK", "IE", "JM"}
    | {"KI", "MO", "QA", "SR", "TV", "UG", "ZW"}
)
_COMPILED = {cc: re.compile(pattern) for cc, pattern in PATTERNS.items()}
_ANY = re.compile(r"[A-Z\d][A-Z\d -]{0,19}")
_DIGITS = re.compile(r"\\d\{(\d+)\}")
# Where a code is written with a fixed separator: (length without it, position, separator).
_SEPARATOR: dict[str, tuple[tuple[int, int, str], ...]] = {
    "CA": ((6, 3, " "),),
    "NL": ((6, 4, " "),),
    "IE": ((7, 3, " "),),
    "SE": ((5, 3, " "),),
    "CZ": ((5, 3, " "),),
    "SK": ((5, 3, " "),),
    "GR": ((5, 3, " "),),
    "PL": ((5, 2, "-"),),
    "PT": ((7, 4, "-"),),
    "BR": ((8, 5, "-"),),
    "JP": ((7, 3, "-"),),
}


def normalize(code: str, country: str) -> str:
    """The code upper-cased, trimmed and written the way the country's post writes it: "k1a0b1" →
    "K1A 0B1", "sw1a1aa" → "SW1A 1AA", "1000001" (JP) → "100-0001". A code of the wrong shape is only tidied."""
    text = _tidy_postal(code, country)
    compact = text.replace(" ", "").replace("-", "")
    if country == "GB" and 5 <= len(compact) <= 7:
        return f"{compact[:-3]} {compact[-3:]}"
    if country in ("LV", "LT"):  # written with the country's prefix: LV-1050
        digits = compact.removeprefix(country)
        if digits.isdigit() and len(digits) == (4 if country == "LV" else 5):
            return f"{country}-{digits}"
    for length, at, separator in _SEPARATOR.get(country, ()):
        if len(compact) == length:
            return f"{compact[:at]}{separator}{compact[at:]}"
    return text


def error(code: str, country: str) -> str | None:
    """Why a (normalized) postal code does not fit the country, or None when it does."""
    if not code:
        return None if country in OPTIONAL else "is required"
    pattern = _COMPILED.get(country)
    if pattern is None:
        return None if _ANY.fullmatch(code) else "may hold only letters, digits, spaces and hyphens (20 at most)"
    if pattern.fullmatch(code):
        return None
    digits = _DIGITS.fullmatch(PATTERNS[country])
    if digits:
        return f"{code!r} is not a {country} postal code ({digits.group(1)} digits)"
    return f"{code!r} is not a {country} postal code (like {EXAMPLES[country]})"

"""Address normalization (seed 003, ARCHITECTURE §2): ISO 3166-1 alpha-2 countries, postal state and
province codes, E.164 phones, tidy whitespace.

Pure functions over reference data shipped with pycountry and phonenumbers (no I/O of ours). A value
that cannot be recognised is returned tidied but otherwise unchanged: normalization must never lose
what the customer typed, and a carrier's address validation is the place to reject it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import phonenumbers
import pycountry

_SPACE = re.compile(r"\s+")
# C0/C1 control characters and the invisible format characters people paste from web forms
# (zero-width spaces, BOMs), lone surrogates and non-characters; real text never needs them in an address.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\ud800-\udfff\ufffe\uffff]")

# Names pycountry does not know but customers (and shops) write.
_COUNTRY_ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "russia": "RU",
    "ivory coast": "CI",
    "holland": "NL",
    "the netherlands": "NL",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
}
# Countries whose ISO 3166-2 subdivision suffixes are the codes their postal services use.
_POSTAL_SUBDIVISIONS = frozenset({"US", "CA", "AU"})
# USPS codes that are not ISO subdivisions: Armed Forces (Americas, Europe, Pacific) and Freely
# Associated States.
_US_EXTRA = {
    "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe",
    "AP": "Armed Forces Pacific",
    "FM": "Federated States of Micronesia",
    "MH": "Marshall Islands",
    "PW": "Palau",
}
_US_NAME_ALIASES = {"washington dc": "DC", "washington d.c.": "DC", "virgin islands": "VI", "us virgin islands": "VI"}


def tidy(text: Any) -> str:
    """Trimmed text with runs of whitespace collapsed to one space and control characters removed."""
    if text is None:
        return ""
    return _SPACE.sub(" ", _INVISIBLE.sub("", str(text))).strip()


def _fold(text: str) -> str:
    """Case- and accent-insensitive key: "Québec" and "QUEBEC" match."""
    decomposed = unicodedata.normalize("NFKD", tidy(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_code(value: Any) -> str:
    """ISO 3166-1 alpha-2 for a country given by alpha-2, alpha-3, numeric code or name; "" for
    nothing; the tidied value upper-cased when it is not a country we know."""
    return _country_code(tidy(value))


@lru_cache(maxsize=1024)  # a handful of countries, written a handful of ways, on every address
def _country_code(text: str) -> str:
    if not text:
        return ""
    alias = _COUNTRY_ALIASES.get(_fold(text))
    if alias:
        return alias
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        pass
    folded = _fold(text)
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name and _fold(name) == folded:
                return str(country.alpha_2)
    return text.upper()


@lru_cache(maxsize=8)
def _subdivisions(country: str) -> tuple[frozenset[str], dict[str, str]]:
    """(codes, folded name -> code) of one country's postal subdivisions."""
    codes: set[str] = set()
    names: dict[str, str] = {}
    database: Any = pycountry.subdivisions  # its get() is untyped
    for sub in database.get(country_code=country) or ():
        code = str(sub.code).split("-", 1)[1]
        codes.add(code)
        names[_fold(str(sub.name))] = code
    if country == "US":
        for code, name in _US_EXTRA.items():
            codes.add(code)
            names[_fold(name)] = code
        names.update(_US_NAME_ALIASES)
    return frozenset(codes), names


def state_codes(country: Any) -> frozenset[str]:
    """The postal codes of a US state, Canadian province or Australian state; empty for other countries."""
    cc = country_code(country)
    return _subdivisions(cc)[0] if cc in _POSTAL_SUBDIVISIONS else frozenset()


def state_code(state: Any, country: Any) -> str:
    """The postal code of a US state (USPS), Canadian province or Australian state, from its code or
    its name; any other country's region (or an unknown name) is returned tidied."""
    text = tidy(state)
    cc = country_code(country)
    if not text or cc not in _POSTAL_SUBDIVISIONS:
        return text
    codes, names = _subdivisions(cc)
    upper = text.upper().replace(".", "")
    if upper in codes:
        return upper
    if upper.startswith(f"{cc}-") and upper[3:] in codes:
        return upper[3:]
    return names.get(_fold(text), text)


def phone_e164(phone: Any, country: Any = "") -> str:
    """E.164 (+14155550132) for a valid number, read in the country's dialling plan unless it starts
    with + (or the country's international prefix); otherwise the tidied text, unchanged."""
    text = tidy(phone)
    if not text:
        return ""
    cc = country_code(country)
    region = cc if len(cc) == 2 else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def postal_code(code: Any, country: Any) -> str:
    """Upper-cased postal code; a US ZIP+4 written as nine digits gets its hyphen."""
    text = tidy(code).upper()
    if country_code(country) == "US":
        digits = text.replace(" ", "").replace("-", "")
        if len(digits) == 9 and digits.isdigit():
            return f"{digits[:5]}-{digits[5:]}"
    return text


def normalize_address(address: dict[str, Any]) -> dict[str, str]:
    """An address dict (PostalAddress.as_dict keys) with every field tidied and the country, state,
    postal code and phone normalized. Unknown keys are kept, tidied."""
    out = {key: tidy(value) for key, value in address.items()}
    country = country_code(address.get("country"))
    out["country"] = country
    if "state" in address:
        out["state"] = state_code(address.get("state"), country)
    if "postal_code" in address:
        out["postal_code"] = postal_code(address.get("postal_code"), country)
    if "phone" in address:
        out["phone"] = phone_e164(address.get("phone"), country)
    if "email" in address:
        out["email"] = tidy(address.get("email")).replace(" ", "")
    return out

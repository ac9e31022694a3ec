"""USPS Intelligent Mail package barcode (IMpb): GS1-128 of "420" + ZIP, FNC1, then the tracking number.

USPS Pub 199 / USPS2000508: the symbol starts with FNC1, AI 420 and the 5- or 9-digit destination
ZIP, then FNC1 and the package identification code (the tracking number, which begins with its own
channel AI 91-95). The human-readable line shows only the tracking number, in groups of four.
"""

from __future__ import annotations

import re

from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.labels.code128 import Symbol, encode_gs1

# Where USPS delivers with a ZIP code (the states, DC, territories and freely associated states).
USPS_DOMESTIC = frozenset({"US", "PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW"})
_PIC = re.compile(r"9[1-5]\d{18,32}")
_ZIP = re.compile(r"\d{5}(?:\d{4})?")


def is_usps(carrier: str) -> bool:
    key = re.sub(r"[^a-z]", "", carrier.lower())
    return key.startswith("usps") or key == "unitedstatespostalservice"


def package_code(tracking_number: str) -> str:
    """The tracking number as a package identification code (spaces dropped, routing part removed).

    Some APIs return the whole barcode string ("420" + ZIP + PIC); the label needs the PIC alone.
    """
    digits = tracking_number.replace(" ", "")
    routed = re.fullmatch(r"420(\d{5}|\d{9})(9[1-5]\d+)", digits)
    if routed and _PIC.fullmatch(routed.group(2)):
        digits = routed.group(2)
    if not _PIC.fullmatch(digits):
        raise ValueError(f"{tracking_number!r} is not a USPS tracking number (20-34 digits starting 91-95)")
    return digits


def routing_zip(address: PostalAddress) -> str | None:
    """The destination ZIP for AI 420, or None when USPS does not route by ZIP (abroad)."""
    if address.country.upper() not in USPS_DOMESTIC:
        return None
    digits = re.sub(r"[\s-]", "", address.postal_code)
    if not _ZIP.fullmatch(digits):
        raise ValueError(f"{address.postal_code!r} is not a US ZIP code (12345 or 12345-6789)")
    return digits


def impb_symbol(tracking_number: str, ship_to: PostalAddress) -> Symbol | None:
    """The IMpb, or None for a USPS label going abroad (customs labels carry their own barcode)."""
    zip_code = routing_zip(ship_to)
    if zip_code is None:
        return None
    return encode_gs1([f"420{zip_code}", package_code(tracking_number)])


def human_readable(tracking_number: str) -> str:
    """'9400 1000 0000 0000 0000 00': the grouping printed under a USPS barcode."""
    code = package_code(tracking_number)
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))

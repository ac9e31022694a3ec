"""Which carriers a tracking number can belong to, by each carrier's published format and check digit.

A number may fit several carriers (a 22-digit IMpb is both a USPS and a FedEx SmartPost number);
`identify` lists every match and never picks one, so an ambiguous number is never refused: the packer's
chosen carrier decides (`check_for_carrier`).

The rules (formats, weights, moduli) are the carriers' published ones: UPS 1Z mod 10 with letters
mapped to digits; FedEx Express 12-digit (weights 3-1-7, mod 11), Ground 15-digit and "96" 22-digit
(mod 10, weights 1/3), SmartPost / IMpb (GS1 mod 10, weights 3/1, "92" application identifier),
34-digit FedEx barcodes (weights 1-7-3, mod 11 on the last 14 digits); USPS IMpb 20/22/26 digits,
optionally behind "420" + ZIP routing (GS1 mod 10); DHL Express 10/11-digit waybills (mod 7) and
JJD/JVGL piece ids; UPU S10 for China Post (CN), USPS (US) and Correos (ES); LSO = "LSO" + 10 digits
+ Luhn (seed 004).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .tracking_numbers import is_valid_lso, is_valid_s10, is_valid_ups

# The codes `tracking identify` reports, in the order it lists them.
CARRIER_ORDER = ("ups", "fedex", "usps", "dhl", "china_post", "lso", "correos")

_SEPARATORS = re.compile(r"[\s\-]+")


def normalize(number: str) -> str:
    """What people type or scanners send, as the carrier prints it: no spaces or dashes, upper case."""
    return _SEPARATORS.sub("", number).upper()


def _digits(text: str) -> list[int]:
    return [int(c) for c in text]


def gs1_mod10(payload: str, *, even: int = 3, odd: int = 1) -> int:
    """Mod 10 with alternating weights; `even` weighs 0-based even positions counted from the left."""
    total = sum(d * (even if i % 2 == 0 else odd) for i, d in enumerate(_digits(payload)))
    return (10 - total % 10) % 10


def weighted_mod11(payload: str, weights: tuple[int, ...]) -> int:
    """FedEx's mod 11: weighted sum (weights repeat left to right), remainder, and 10 counts as 0."""
    total = sum(d * weights[i % len(weights)] for i, d in enumerate(_digits(payload)))
    return total % 11 % 10


def _fedex_express12(n: str) -> bool:
    return weighted_mod11(n[:11], (3, 1, 7)) == int(n[11])


def _fedex_ground15(n: str) -> bool:
    return gs1_mod10(n[:14], even=1, odd=3) == int(n[14])


def _fedex_ground96(n: str) -> bool:
    # 96 + SCNC (2) + service (3) + shipper (7) + package (7) + check; the check covers the last 14.
    return gs1_mod10(n[7:21], even=1, odd=3) == int(n[21])


def _fedex_34(n: str) -> bool:
    # The 34-digit Express and Ground barcodes end in a 13-digit serial and its mod 11 check digit.
    return weighted_mod11(n[20:33], (1, 7, 3)) == int(n[33])


def _impb(n: str) -> bool:
    """IMpb (USPS, FedEx SmartPost): GS1 mod 10 over everything before the last digit."""
    return gs1_mod10(n[:-1]) == int(n[-1])


def _smartpost(n: str) -> bool:
    # 20-digit SmartPost numbers are printed without their "92" application identifier.
    return _impb(n if n.startswith("92") else "92" + n)


def _usps_impb(n: str) -> bool:
    if n.startswith("420"):  # routing: 420 + ZIP5 (or ZIP+4 with routing digits), then the IMpb
        if len(n) in (30, 34):
            n = n[8:] if len(n) == 30 else n[12:]
        elif len(n) in (31, 35):
            n = n[12:] if len(n) == 35 else n[8:]
        else:
            return False
    if len(n) == 20:
        return _impb(n) or _impb("91" + n)
    return len(n) in (22, 26) and n[0] == "9" and n[1] in "12345" and _impb(n)


def _dhl_express(n: str) -> bool:
    return int(n[:-1]) % 7 == int(n[-1])


@dataclass(frozen=True, slots=True)
class Rule:
    carrier: str
    name: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None  # None: the format has no check digit


_RULES = (
    Rule("ups", "UPS 1Z", re.compile(r"1Z[0-9A-Z]{16}"), is_valid_ups),
    Rule("fedex", "FedEx Express (12)", re.compile(r"[0-9]{12}"), _fedex_express12),
    Rule("fedex", "FedEx Ground (15)", re.compile(r"[0-9]{15}"), _fedex_ground15),
    Rule("fedex", "FedEx Ground 96 (22)", re.compile(r"96[0-9]{20}"), _fedex_ground96),
    Rule("fedex", "FedEx 34-digit barcode", re.compile(r"(96|100)[0-9]{31,32}"), _fedex_34),
    Rule("fedex", "FedEx SmartPost (IMpb)", re.compile(r"(92)?[0-9]{20}"), _smartpost),
    Rule("fedex", "FedEx SSCC-18", re.compile(r"00[0-9]{16}"), _impb),
    Rule("usps", "USPS IMpb", re.compile(r"[0-9]{20}|9[1-5][0-9]{20}|9[1-5][0-9]{24}|420[0-9]{27,32}"), _usps_impb),
    Rule("usps", "UPU S10 (US)", re.compile(r"[A-Z]{2}[0-9]{9}US"), is_valid_s10),
    Rule("dhl", "DHL Express waybill", re.compile(r"[0-9]{10,11}"), _dhl_express),
    Rule("dhl", "DHL Express piece id", re.compile(r"J(JD|VGL)[0-9]{9,10}"), None),
    Rule("china_post", "UPU S10 (CN)", re.compile(r"[A-Z]{2}[0-9]{9}CN"), is_valid_s10),
    Rule("correos", "UPU S10 (ES)", re.compile(r"[A-Z]{2}[0-9]{9}ES"), is_valid_s10),
    Rule("lso", "LSO", re.compile(r"LSO[0-9]{11}"), is_valid_lso),
)


@dataclass(frozen=True, slots=True)
class Identification:
    number: str
    carriers: tuple[str, ...]
    formats: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return bool(self.carriers)

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "valid": self.valid, "carriers": list(self.carriers)}


def identify(number: str) -> Identification:
    n = normalize(number)
    matched: list[Rule] = [
        rule for rule in _RULES if rule.pattern.fullmatch(n) and (rule.check is None or rule.check(n))
    ]
    carriers = tuple(c for c in CARRIER_ORDER if any(r.carrier == c for r in matched))
    return Identification(n, carriers, tuple(r.name for r in matched))


def check_for_carrier(number: str, carrier: str) -> str | None:
    """A warning when `number` does not look like `carrier`'s, else None. Never blocks: formats change
    and carriers issue numbers outside their documented ranges; the packer decides."""
    found = identify(number)
    if carrier in found.carriers or carrier not in CARRIER_ORDER:
        return None
    if found.carriers:
        others = ", ".join(found.carriers)
        return f"{found.number} does not look like a {carrier} number (it matches {others}); check the carrier"
    return f"{found.number} does not match any {carrier} format or check digit; check for a typo"

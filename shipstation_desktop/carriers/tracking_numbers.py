"""Tracking-number check digits from the carriers' published rules (UPS 1Z, LSO, UPU S10).

Checking the digit locally catches a mistyped or misscanned number before it is sent to a carrier
or stored against a shipment.
"""

from __future__ import annotations

import re

_UPS_BODY = re.compile(r"[0-9A-Z]{15}")
_UPS_NUMBER = re.compile(r"1Z[0-9A-Z]{16}")
_LSO_NUMBER = re.compile(r"LSO[0-9]{11}")
_S10_NUMBER = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")

# UPU S10 weights for the eight serial digits, left to right.
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _ups_value(char: str) -> int:
    # UPS maps letters onto digits so that A=2, B=3 … H=9, I=0, J=1 … (the ASCII code minus 63, mod 10).
    if char.isdigit():
        return int(char)
    return (ord(char) - 63) % 10


def ups_check_digit(body: str) -> str:
    """The check digit for the 15 characters after "1Z" (shipper 6 + service 2 + package 7).

    A 17-character "1Z…" prefix form is accepted too. Odd positions (1-based) count once, even
    positions twice; the check digit brings the total up to a multiple of 10.
    """
    body = body.strip().upper()
    if len(body) == 17 and body.startswith("1Z"):
        body = body[2:]
    if not _UPS_BODY.fullmatch(body):
        raise ValueError(f"a UPS 1Z body is 15 letters or digits, got {body!r}")
    total = 0
    for position, char in enumerate(body, start=1):
        value = _ups_value(char)
        total += value * 2 if position % 2 == 0 else value
    return str((10 - total % 10) % 10)


def is_valid_ups(number: str) -> bool:
    number = number.strip().upper()
    if not _UPS_NUMBER.fullmatch(number):
        return False
    return ups_check_digit(number[2:17]) == number[17]


def luhn_check_digit(digits: str) -> str:
    """The Luhn (mod 10) digit to append to `digits`.

    Counting from the right of the payload, every first, third, … digit is doubled (it sits next to
    the check digit once appended) and a doubled value over 9 has 9 taken off.
    """
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"Luhn needs a non-empty string of digits, got {digits!r}")
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid_lso(number: str) -> bool:
    """LSO: "LSO" + 10 digits + a Luhn check digit computed over those 10 digits."""
    number = number.strip().upper()
    if not _LSO_NUMBER.fullmatch(number):
        return False
    return luhn_check_digit(number[3:13]) == number[13]


def s10_check_digit(serial8: str) -> str:
    """UPU S10 check digit over the 8-digit serial: 11 - (weighted sum mod 11), with 10→0 and 11→5."""
    if len(serial8) != 8 or not serial8.isascii() or not serial8.isdigit():
        raise ValueError(f"an S10 serial is 8 digits, got {serial8!r}")
    total = sum(int(char) * weight for char, weight in zip(serial8, _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "0"
    if check == 11:
        return "5"
    return str(check)


def is_valid_s10(number: str) -> bool:
    """UPU S10 (postal items such as China Post EMS): 2 letters + 8 digits + check + 2-letter country."""
    number = number.strip().upper()
    if not _S10_NUMBER.fullmatch(number):
        return False
    return s10_check_digit(number[2:10]) == number[10]

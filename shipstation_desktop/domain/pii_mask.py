"""Masked e-mail and phone for people who may not see customers' personal data (packers).

Enough stays to tell two customers apart on a call ("the j… at example.com, number ending 0132"),
not enough to contact them: j***@example.com, +1******0132.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import phonenumbers

from . import models as dm

KEEP_DIGITS = 4


def mask_email(email: str) -> str:
    if not email:
        return ""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"


def mask_phone(phone: str) -> str:
    """The country calling code and the last four digits stay; the rest become stars."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return ""
    prefix = "+" if phone.strip().startswith("+") else ""
    code = ""
    if prefix:
        try:
            code = str(phonenumbers.parse(phone, None).country_code or "")
        except phonenumbers.NumberParseException:
            code = ""
        if not digits.startswith(code):
            code = ""
    rest = digits[len(code) :]
    shown = rest[-KEEP_DIGITS:] if len(rest) > KEEP_DIGITS else ""
    return f"{prefix}{code}{'*' * (len(rest) - len(shown))}{shown}"


def mask_customer(customer: dm.Customer) -> dm.Customer:
    changes: dict[str, Any] = {
        "email": mask_email(customer.email),
        "phone": mask_phone(customer.phone),
        "addresses": tuple(dataclasses.replace(a, phone=mask_phone(a.phone)) for a in customer.addresses),
    }
    if "date_of_birth" in {f.name for f in dataclasses.fields(customer)}:
        changes["date_of_birth"] = None  # personal data too, and a packer never needs it
    return dataclasses.replace(customer, **changes)

"""The shipment JSON of `label render` / `label print` (a CLI contract), checked all at once.

  {"carrier", "service", "tracking_number", "reference", "weight": {"value", "unit"},
   "ship_from": ADDRESS, "ship_to": ADDRESS}
  ADDRESS = {"name", "company", "line1", "line2", "city", "state", "postal_code", "country", "phone"}

Every missing or invalid field is collected, so one run names them all (on one line), instead of
making the person fix them one at a time. Optional: "date" (ISO 8601, default now), "tracking_url".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.labels import impb
from shipstation_desktop.labels.model import LabelData

REQUIRED_TEXT = ("carrier", "service", "tracking_number", "reference")
ADDRESS_REQUIRED = ("name", "line1", "city", "postal_code", "country")
ADDRESS_OPTIONAL = ("company", "line2", "state", "phone")
_STATE_REQUIRED = frozenset({"US", "CA", "AU"})  # where carriers refuse a label without one
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]{0,47}")


class ShipmentFileError(UserError):
    def __init__(self, missing: list[str], invalid: list[str]) -> None:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if invalid:
            parts.append("invalid " + "; ".join(invalid))
        super().__init__("; ".join(parts))
        self.missing = missing
        self.invalid = invalid


def parse_shipment(doc: Any, *, now: datetime | None = None) -> LabelData:
    """LabelData from the decoded JSON; raises ShipmentFileError naming every bad field."""
    missing: list[str] = []
    invalid: list[str] = []
    if not isinstance(doc, Mapping):
        raise ShipmentFileError([], ["the file must hold one JSON object"])
    text: dict[str, str] = {}
    for key in REQUIRED_TEXT:
        value = doc.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(key)
        elif not isinstance(value, str):
            invalid.append(f"{key} (must be text)")
        else:
            text[key] = value.strip()
    tracking = text.get("tracking_number")
    if tracking is not None and not _TRACKING.fullmatch(tracking):
        invalid.append("tracking_number (letters, digits, spaces, '.', '/' or '-', at most 48)")
        tracking = None
    weight = _weight(doc.get("weight"), missing, invalid)
    ship_from = _address(doc.get("ship_from"), "ship_from", missing, invalid)
    ship_to = _address(doc.get("ship_to"), "ship_to", missing, invalid)
    date = _date(doc.get("date"), invalid) or now or datetime.now(UTC)
    tracking_url = doc.get("tracking_url") or ""
    if not isinstance(tracking_url, str):
        invalid.append("tracking_url (must be text)")
    carrier = text.get("carrier", "")
    if carrier and impb.is_usps(carrier) and tracking is not None and ship_to is not None:
        try:
            impb.impb_symbol(tracking, ship_to)
        except ValueError as e:
            field = "ship_to.postal_code" if "ZIP" in str(e) else "tracking_number"
            invalid.append(f"{field} ({e})")
    if missing or invalid:
        raise ShipmentFileError(missing, invalid)
    assert weight is not None and ship_from is not None and ship_to is not None and tracking is not None
    return LabelData(
        carrier=carrier,
        service=text["service"],
        tracking_number=tracking,
        reference=text["reference"],
        weight=weight,
        ship_from=ship_from,
        ship_to=ship_to,
        date=date,
        tracking_url=str(tracking_url),
    )


def _weight(value: Any, missing: list[str], invalid: list[str]) -> Weight | None:
    if value is None:
        missing.append("weight")
        return None
    if not isinstance(value, Mapping):
        invalid.append('weight (must be {"value": …, "unit": …})')
        return None
    amount, unit = value.get("value"), value.get("unit")
    number: Decimal | None = None
    if amount is None or amount == "":
        missing.append("weight.value")
    elif isinstance(amount, bool) or not isinstance(amount, int | float | str):
        invalid.append("weight.value (must be a number)")
    else:
        try:
            number = Decimal(str(amount))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number <= 0:
            invalid.append(f"weight.value ({amount!r} is not a positive number)")
            number = None
    units = [u.value for u in WeightUnit]
    if unit is None or unit == "":
        missing.append("weight.unit")
        return None
    if not isinstance(unit, str) or unit.lower() not in units:
        invalid.append(f"weight.unit ({unit!r} is not one of {', '.join(units)})")
        return None
    return Weight(number, WeightUnit(unit.lower())) if number is not None else None


def _address(value: Any, where: str, missing: list[str], invalid: list[str]) -> PostalAddress | None:
    if value is None:
        missing.append(where)
        return None
    if not isinstance(value, Mapping):
        invalid.append(f"{where} (must be an address object)")
        return None
    fields: dict[str, str] = {}
    ok = True
    for key in (*ADDRESS_REQUIRED, *ADDRESS_OPTIONAL):
        raw = value.get(key)
        if raw is None or raw == "":
            if key in ADDRESS_REQUIRED:
                missing.append(f"{where}.{key}")
                ok = False
            fields[key] = ""
        elif not isinstance(raw, str):
            invalid.append(f"{where}.{key} (must be text)")
            ok = False
        else:
            fields[key] = raw.strip()
    country = fields.get("country", "")
    if country:
        if len(country) != 2 or pycountry.countries.get(alpha_2=country.upper()) is None:
            invalid.append(f"{where}.country ({country!r} is not an ISO 3166 alpha-2 code such as US or DE)")
            ok = False
        else:
            fields["country"] = country.upper()
            if fields["country"] in _STATE_REQUIRED and not fields["state"]:
                missing.append(f"{where}.state")
                ok = False
    return PostalAddress(**fields) if ok else None


def _date(value: Any, invalid: list[str]) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        invalid.append("date (must be an ISO 8601 date or time)")
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        invalid.append(f"date ({value!r} is not an ISO 8601 date or time)")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

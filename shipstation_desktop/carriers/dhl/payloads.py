"""MyDHL API request pieces: parties, packages and units.

Shapes from the MyDHL API OpenAPI document (https://developer.dhl.com/api-reference/dhl-express-mydhl-api,
"supermodelIoLogisticsExpressCreateShipmentRequest" and the /rates query parameters).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.units import Dimensions, Weight, WeightUnit

_THOUSANDTH = Decimal("0.001")
_MIN_CM = Decimal(1)  # the API's minimum for each side; an unmeasured box is sent as 1 x 1 x 1 cm
# Field limits in the schema: address lines 45, names 255 (labels print far less), references 35.
_LINE_MAX = 45
_REFERENCE_MAX = 35

# The EU customs union: parcels between these countries carry no customs declaration.
EU_CUSTOMS_UNION = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "MC",
    }
)  # fmt: skip


def kilograms(weight: Weight) -> Decimal:
    """Weight in kg to the gram, rounded up (the API takes multiples of 0.001)."""
    return weight.to(WeightUnit.KG).value.quantize(_THOUSANDTH, rounding=ROUND_CEILING)


def centimetres(dimensions: Dimensions | None) -> dict[str, float]:
    sides: tuple[Decimal, ...] = (_MIN_CM, _MIN_CM, _MIN_CM)
    if dimensions is not None:
        sides = tuple(max(_MIN_CM, (mm / 10).quantize(_THOUSANDTH, rounding=ROUND_CEILING)) for mm in dimensions.mm())
    return {"length": float(sides[0]), "width": float(sides[1]), "height": float(sides[2])}


def customs_declarable(ship_from: PostalAddress, ship_to: PostalAddress) -> bool:
    origin, destination = ship_from.country.strip().upper(), ship_to.country.strip().upper()
    if origin == destination:
        return False
    return not (origin in EU_CUSTOMS_UNION and destination in EU_CUSTOMS_UNION)


def reference(value: str) -> dict[str, str]:
    return {"value": value.strip()[:_REFERENCE_MAX], "typeCode": "CU"}


def party(address: PostalAddress, fallback_phone: str, role: str) -> dict[str, Any]:
    """shipperDetails / receiverDetails: DHL requires a phone, a company name and a full name."""
    phone = (address.phone or fallback_phone).strip()
    if not phone:
        raise CarrierError(f"DHL Express needs a phone number for the {role}; add one to the address", "phone")
    postal: dict[str, Any] = {
        "postalCode": address.postal_code.strip(),
        "cityName": address.city.strip(),
        "countryCode": address.country.strip().upper(),
        "addressLine1": address.line1.strip()[:_LINE_MAX],
    }
    if address.line2.strip():
        postal["addressLine2"] = address.line2.strip()[:_LINE_MAX]
    if address.state.strip():
        postal["provinceCode"] = address.state.strip().upper()
    contact: dict[str, Any] = {
        "phone": phone,
        "companyName": (address.company or address.name).strip(),
        "fullName": address.name.strip() or address.company.strip(),
    }
    if address.email.strip():
        contact["email"] = address.email.strip()
    return {"postalAddress": postal, "contactInformation": contact}

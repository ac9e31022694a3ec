"""FedEx request bodies (Rate v1, Ship v1, Track v1, Address Validation v1).

Field names follow https://developer.fedex.com/api/en-us/catalog.html (rate/v1, ship/v1, track/v1,
address-validation/v1). FedEx wants whole-number dimensions; units follow the origin (pounds and inches
from the US, kilograms and centimetres elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any

from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import RateRequest
from shipstation_desktop.domain.units import MM_PER, LengthUnit, WeightUnit

IMPERIAL_ORIGINS = frozenset({"US", "PR"})
_TENTH = Decimal("0.1")


def imperial(origin: PostalAddress) -> bool:
    return origin.country.strip().upper() in IMPERIAL_ORIGINS


def address(a: PostalAddress) -> dict[str, Any]:
    out: dict[str, Any] = {
        "streetLines": [line.strip() for line in (a.line1, a.line2) if line.strip()],
        "city": a.city.strip(),
        "postalCode": a.postal_code.strip(),
        "countryCode": a.country.strip().upper(),
    }
    if a.state.strip():
        out["stateOrProvinceCode"] = a.state.strip().upper()
    return out


def contact(a: PostalAddress) -> dict[str, Any]:
    out: dict[str, Any] = {"personName": a.name.strip(), "phoneNumber": "".join(c for c in a.phone if c.isdigit())}
    if a.company.strip():
        out["companyName"] = a.company.strip()
    if a.email.strip():
        out["emailAddress"] = a.email.strip()
    return out


def line_item(p: Package, metric: bool, reference: str = "") -> dict[str, Any]:
    unit = WeightUnit.KG if metric else WeightUnit.LB
    value = p.weight.to(unit).value.quantize(_TENTH, rounding=ROUND_CEILING)  # never under-declare
    item: dict[str, Any] = {"weight": {"units": "KG" if metric else "LB", "value": float(max(value, _TENTH))}}
    if p.dimensions is not None:
        length_unit = LengthUnit.CM if metric else LengthUnit.IN
        sides = [int((mm / MM_PER[length_unit]).to_integral_value(rounding=ROUND_CEILING)) for mm in p.dimensions.mm()]
        item["dimensions"] = {
            "length": sides[0],
            "width": sides[1],
            "height": sides[2],
            "units": "CM" if metric else "IN",
        }
    if p.insurance is not None and p.insurance.amount > 0:
        # Declared value (FedEx's liability cover): priced into the quote and the shipment charges.
        item["declaredValue"] = {"amount": float(p.insurance.amount), "currency": p.insurance.currency}
    if reference:
        item["customerReferences"] = [{"customerReferenceType": "CUSTOMER_REFERENCE", "value": reference[:40]}]
    return item


def rate_request(request: RateRequest, account: str) -> dict[str, Any]:
    metric = not imperial(request.ship_from)
    return {
        "accountNumber": {"value": account},
        "rateRequestControlParameters": {"returnTransitTimes": True},
        "requestedShipment": {
            "shipper": {"address": address(request.ship_from)},
            "recipient": {"address": address(request.ship_to)},
            "pickupType": "DROPOFF_AT_FEDEX_LOCATION",
            "packagingType": "YOUR_PACKAGING",
            "rateRequestType": ["ACCOUNT", "LIST"],
            "requestedPackageLineItems": [line_item(request.package, metric)],
        },
    }


def label_specification(label_format: LabelFormat) -> dict[str, Any]:
    """4x6 in thermal stock for ZPL printers; a 4x6 in PDF page otherwise."""
    if label_format is LabelFormat.ZPL:
        return {"labelFormatType": "COMMON2D", "imageType": "ZPLII", "labelStockType": "STOCK_4X6"}
    return {"labelFormatType": "COMMON2D", "imageType": "PDF", "labelStockType": "PAPER_4X6"}


def ship_request(
    request: RateRequest, service: str, account: str, reference: str, label_format: LabelFormat, ship_date: date
) -> dict[str, Any]:
    metric = not imperial(request.ship_from)
    return {
        "labelResponseOptions": "LABEL",  # the label inline as base64, not a link that expires
        "accountNumber": {"value": account},
        "requestedShipment": {
            "shipper": {"contact": contact(request.ship_from), "address": address(request.ship_from)},
            "recipients": [{"contact": contact(request.ship_to), "address": address(request.ship_to)}],
            "shipDatestamp": ship_date.isoformat(),
            "serviceType": service,
            "packagingType": "YOUR_PACKAGING",
            "pickupType": "USE_SCHEDULED_PICKUP",
            "shippingChargesPayment": {"paymentType": "SENDER"},
            "labelSpecification": label_specification(label_format),
            "requestedPackageLineItems": [line_item(request.package, metric, reference)],
        },
    }


def cancel_request(tracking_number: str, account: str) -> dict[str, Any]:
    return {
        "accountNumber": {"value": account},
        "deletionControl": "DELETE_ALL_PACKAGES",
        "trackingNumber": tracking_number,
    }


def track_request(numbers: Sequence[str]) -> dict[str, Any]:
    return {
        "includeDetailedScans": True,
        "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in numbers],
    }


def address_request(a: PostalAddress) -> dict[str, Any]:
    return {"addressesToValidate": [{"address": address(a)}]}

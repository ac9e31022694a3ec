"""UPS request bodies (Rating v2409, Shipping v2409, Label Recovery v1, Address Validation v2).

Field names and nesting follow UPS's OpenAPI specs (github.com/UPS-API/api-documentation: Rating.yaml,
Shipping.yaml, AddressValidation.yaml). UPS bills US and Puerto Rico shipments in pounds and inches
and the rest of the world in kilograms and centimetres, so the units follow the origin country.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import RateRequest
from shipstation_desktop.domain.units import MM_PER, Dimensions, LengthUnit, Weight, WeightUnit

IMPERIAL_ORIGINS = frozenset({"US", "PR"})
# Package type 02 = "Customer Supplied Package" (the bench's own boxes).
CUSTOMER_PACKAGING = "02"
# Payment type 01 = transportation charges, billed to the shipper's account.
BILL_TRANSPORTATION = "01"
_TENTH = Decimal("0.1")
_NAME_MAX = 35  # UPS's limit on Name, AttentionName and address lines


def imperial(origin: PostalAddress) -> bool:
    return origin.country.strip().upper() in IMPERIAL_ORIGINS


def _clip(text: str) -> str:
    return text.strip()[:_NAME_MAX]


def address(a: PostalAddress) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AddressLine": [_clip(line) for line in (a.line1, a.line2) if line.strip()],
        "City": a.city.strip(),
        "PostalCode": a.postal_code.strip(),
        "CountryCode": a.country.strip().upper(),
    }
    if a.state.strip():
        out["StateProvinceCode"] = a.state.strip().upper()
    return out


def party(a: PostalAddress, *, shipper_number: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"Name": _clip(a.company or a.name), "Address": address(a)}
    if a.company and a.name:
        out["AttentionName"] = _clip(a.name)
    phone = "".join(ch for ch in a.phone if ch.isdigit())
    if phone:
        out["Phone"] = {"Number": phone}
    if shipper_number:
        out["ShipperNumber"] = shipper_number
    return out


def weight(w: Weight, metric: bool) -> dict[str, Any]:
    unit = WeightUnit.KG if metric else WeightUnit.LB
    value = w.to(unit).value.quantize(_TENTH, rounding=ROUND_CEILING)  # never under-declare
    return {"UnitOfMeasurement": {"Code": "KGS" if metric else "LBS"}, "Weight": str(max(value, _TENTH))}


def dimensions(d: Dimensions, metric: bool) -> dict[str, Any]:
    unit = LengthUnit.CM if metric else LengthUnit.IN

    def side(mm: Decimal) -> str:
        return str((mm / MM_PER[unit]).to_integral_value(rounding=ROUND_CEILING))

    length, width, height = d.mm()
    return {
        "UnitOfMeasurement": {"Code": "CM" if metric else "IN"},
        "Length": side(length),
        "Width": side(width),
        "Height": side(height),
    }


def package(p: Package, metric: bool, *, packaging_key: str, reference: str = "") -> dict[str, Any]:
    """Rating calls the packaging "PackagingType", Shipping calls it "Packaging"."""
    out: dict[str, Any] = {packaging_key: {"Code": CUSTOMER_PACKAGING}, "PackageWeight": weight(p.weight, metric)}
    if p.dimensions is not None:
        out["Dimensions"] = dimensions(p.dimensions, metric)
    if p.insurance is not None and p.insurance.amount > 0:
        # Declared value coverage: UPS prices it into the rate and the label's charges alike.
        out["PackageServiceOptions"] = {
            "DeclaredValue": {"CurrencyCode": p.insurance.currency, "MonetaryValue": f"{p.insurance.amount:.2f}"}
        }
    if reference:
        # On the package, not the shipment: UPS refuses shipment-level references on US domestic
        # shipments (error 120541), and Label Recovery finds package references too.
        out["ReferenceNumber"] = [{"Value": reference[:35]}]
    return out


def _payment(account: str) -> dict[str, Any]:
    return {"ShipmentCharge": [{"Type": BILL_TRANSPORTATION, "BillShipper": {"AccountNumber": account}}]}


def rate_request(request: RateRequest, account: str) -> dict[str, Any]:
    metric = not imperial(request.ship_from)
    shipment: dict[str, Any] = {
        "Shipper": party(request.ship_from, shipper_number=account),
        "ShipFrom": party(request.ship_from),
        "ShipTo": party(request.ship_to),
        "PaymentDetails": _payment(account),
        "Package": [package(request.package, metric, packaging_key="PackagingType")],
    }
    if account:
        shipment["ShipmentRatingOptions"] = {"NegotiatedRatesIndicator": "Y"}  # the account's own prices
    return {
        "RateRequest": {
            "Request": {"TransactionReference": {"CustomerContext": request.reference[:512]}},
            "Shipment": shipment,
        }
    }


def label_specification(label_format: LabelFormat) -> dict[str, Any]:
    """4x6 in ZPL for thermal printers; UPS draws no PDF labels, so anything else is a GIF image."""
    if label_format is LabelFormat.ZPL:
        return {"LabelImageFormat": {"Code": "ZPL"}, "LabelStockSize": {"Height": "6", "Width": "4"}}
    return {
        "LabelImageFormat": {"Code": "GIF"},
        "HTTPUserAgent": "Mozilla/4.5",
        "LabelStockSize": {"Height": "6", "Width": "4"},
    }


def ship_request(
    request: RateRequest, service: str, account: str, reference: str, label_format: LabelFormat
) -> dict[str, Any]:
    metric = not imperial(request.ship_from)
    return {
        "ShipmentRequest": {
            "Request": {"RequestOption": "nonvalidate", "TransactionReference": {"CustomerContext": reference}},
            "Shipment": {
                "Description": (request.reference or reference)[:35],
                "Shipper": party(request.ship_from, shipper_number=account),
                "ShipFrom": party(request.ship_from),
                "ShipTo": party(request.ship_to),
                "PaymentInformation": _payment(account),
                "Service": {"Code": service},
                "ShipmentRatingOptions": {"NegotiatedRatesIndicator": "Y"},
                "Package": [package(request.package, metric, packaging_key="Packaging", reference=reference)],
            },
            "LabelSpecification": label_specification(label_format),
        }
    }


def recovery_request(reference: str, account: str, label_format: LabelFormat) -> dict[str, Any]:
    return {
        "LabelRecoveryRequest": {
            "Request": {"TransactionReference": {"CustomerContext": reference}},
            "LabelSpecification": label_specification(label_format),
            "ReferenceValues": {"ReferenceNumber": {"Value": reference[:35]}, "ShipperNumber": account},
        }
    }


def address_request(a: PostalAddress) -> dict[str, Any]:
    key: dict[str, Any] = {
        "ConsigneeName": _clip(a.company or a.name),
        "AddressLine": [line.strip() for line in (a.line1, a.line2) if line.strip()],
        "PoliticalDivision2": a.city.strip(),
        "PoliticalDivision1": a.state.strip().upper(),
        "PostcodePrimaryLow": a.postal_code.strip()[:5],
        "CountryCode": a.country.strip().upper(),
    }
    extended = a.postal_code.strip()[6:10]
    if a.country.strip().upper() in IMPERIAL_ORIGINS and extended.isdigit():
        key["PostcodeExtendedLow"] = extended
    return {"XAVRequest": {"AddressKeyFormat": key}}

"""LSO adapter, against the JSON REST API this bench defines from seed 004's models.

LSO publishes no API documentation, so the seed's service layer (ShipmentService, TrackingService,
RateService, PickupRequest) and zod schemas are the contract. `fake_server.py` implements it for
tests and the sandbox. Every call sends the account's key in `X-API-Key`; errors come back as
{"error": {"code", "message"}} (400 validation, 401 key, 404 unknown, 409 state conflict).

    POST /api/rates                      {origin, destination, packages[], additionalServices[]}
                                         -> {"rates": [RateResult + billableWeight]}
    POST /api/shipments                  BookingData + labelFormat ("zpl"|"pdf")
                                         -> 201 Shipment + label {format, data (base64)}
    GET  /api/shipments?reference=R      -> {"shipments": [Shipment]}   (getShipmentsByReference)
    GET  /api/shipments/{tracking}/label -> the label bytes
    POST /api/shipments/{tracking}/cancel -> {"trackingNumber", "status": "cancelled"}
    GET  /api/tracking/{tracking}        -> TrackingResult (see tracking.py)
    POST /api/tracking/batch             {trackingNumbers[] (1..25)} -> {"results": [...], "notFound": [...]}
    POST /api/pickups                    {address, pickupDate (YYYY-MM-DD, >= tomorrow), timeSlot,
                                          packageCount, specialInstructions} -> 201 PickupRequest
    POST /api/addresses/validate         {address} -> {"valid", "errors": [{field, message}], "normalized"}

Address = seed 004 Address (name, company, street1, street2, city, state, postalCode, country, phone,
email); Package = {length, width, height (cm), weight (kg), description, value, currency}.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any
from urllib.parse import quote

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.http import HeaderAuth
from shipstation_desktop.carriers.normalize import parse_time
from shipstation_desktop.carriers.pickups import TIME_SLOTS, PickupConfirmation
from shipstation_desktop.carriers.port import (
    AddressCheck,
    CarrierCapabilities,
    LabelRequest,
    PurchasedLabel,
    TrackingResult,
)
from shipstation_desktop.carriers.tracking_numbers import is_valid_lso
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import CarrierError, UserError
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest, require_within_limit
from shipstation_desktop.domain.units import Dimensions, Money, Weight, WeightUnit

from . import rules
from .tracking import NAME, parse_data

API_KEY_HEADER = "X-API-Key"
REQUESTS_PER_SECOND = 5.0  # LSO publishes no limit; stay gentle
TRACK_BATCH_SIZE = 25
# The seed's public tracking page: app/[locale]/(public)/track.
PUBLIC_TRACKING_URL = "https://www.lso.com/en/track?trackingNumber={number}"
_NO_DIMENSIONS_CM = Decimal(1)  # a parcel measured by nobody: a 1 cm cube adds no dimensional weight
_DESCRIPTION = "Merchandise"


def tracking_url(tracking_number: str) -> str:
    return PUBLIC_TRACKING_URL.format(number=quote(tracking_number.strip().upper(), safe=""))


def reference_field(reference: str) -> str:
    """Our purchase reference as LSO's referenceNumber (max 50): long ones become a stable digest,
    so a purchase and its later look-up always send the same value."""
    reference = reference.strip()
    if len(reference) <= rules.MAX_REFERENCE:
        return reference
    return reference[:17] + "~" + hashlib.sha256(reference.encode()).hexdigest()[:32]


def lso_address(address: PostalAddress) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": address.name,
        "street1": address.line1,
        "city": address.city,
        "postalCode": address.postal_code,
        "country": address.country.strip().upper(),
        "phone": address.phone,
    }
    for key, value in (
        ("company", address.company),
        ("street2", address.line2),
        ("state", address.state),
        ("email", address.email),
    ):
        if value:
            out[key] = value
    return out


def _kg(weight: Weight) -> Decimal:
    kg = weight.to(WeightUnit.KG).value
    return max(kg, rules.MIN_WEIGHT_KG).quantize(Decimal("0.001"), rounding=ROUND_CEILING)


def _cm(dimensions: Dimensions | None) -> tuple[Decimal, Decimal, Decimal]:
    if dimensions is None:
        return _NO_DIMENSIONS_CM, _NO_DIMENSIONS_CM, _NO_DIMENSIONS_CM
    sides = tuple((side / 10).quantize(Decimal("0.1"), rounding=ROUND_CEILING) for side in dimensions.mm())
    for side in sides:
        if side > rules.MAX_SIDE_CM:
            raise UserError(f"{side} cm is longer than LSO's limit of {rules.MAX_SIDE_CM} cm per side")
    return sides[0], sides[1], sides[2]


def lso_package(package: Package, description: str) -> dict[str, Any]:
    length, width, height = _cm(package.dimensions)
    out: dict[str, Any] = {
        "length": float(length),
        "width": float(width),
        "height": float(height),
        "weight": float(_kg(package.weight)),
        "description": (description or _DESCRIPTION)[: rules.MAX_DESCRIPTION],
    }
    value = package.insurance or package.declared_value
    if value is not None and value.amount > 0:
        out["value"] = float(value.amount)
        out["currency"] = value.currency
    return out


def _services(package: Package) -> list[str]:
    return ["insurance"] if package.insurance is not None and package.insurance.amount > 0 else []


def _decimal(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise CarrierError(f"{NAME} sent an unreadable {what} ({value!r})", "malformed") from None


class LsoAdapter:
    code = "lso"
    name = NAME
    capabilities = CarrierCapabilities(
        max_weight_grams=rules.MAX_WEIGHT_KG * 1000,
        label_formats=(LabelFormat.ZPL, LabelFormat.PDF),
        dim_divisor_cm3_per_kg=rules.DIM_DIVISOR_CM3_PER_KG,
        can_void=True,
        can_find_by_reference=True,
        can_validate_address=True,
        track_batch_size=TRACK_BATCH_SIZE,
        requests_per_second=REQUESTS_PER_SECOND,
        can_pickup=True,
    )

    def __init__(self, ctx: CarrierContext) -> None:
        key = ctx.require("api_key", NAME)
        self.http = ctx.http(NAME, auth=HeaderAuth({API_KEY_HEADER: key}), per_second=REQUESTS_PER_SECOND)

    # -- rates and labels ------------------------------------------------------------------------

    def _shipment_body(self, request: RateRequest, description: str) -> dict[str, Any]:
        require_within_limit(request.package.weight, self.capabilities.max_weight_grams, NAME)
        return {
            "origin": lso_address(request.ship_from),
            "destination": lso_address(request.ship_to),
            "packages": [lso_package(request.package, description)],
            "additionalServices": _services(request.package),
        }

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        body = self.http.request("POST", "/api/rates", json_body=self._shipment_body(request, request.reference))
        raw_rates = body.get("rates") if isinstance(body, dict) else None
        if not isinstance(raw_rates, list):
            raise CarrierError(f"{NAME} sent rates in an unexpected shape", "malformed")
        out: list[Rate] = []
        for raw in raw_rates:
            billable = Weight(_decimal(raw.get("billableWeight", 0), "billable weight"), WeightUnit.KG)
            out.append(
                Rate(
                    carrier=self.code,
                    service=str(raw["serviceType"]),
                    service_name=str(raw.get("serviceName") or raw["serviceType"]),
                    amount=Money(_decimal(raw.get("totalCost"), "price"), str(raw.get("currency") or "USD").upper()),
                    transit_days=int(raw.get("estimatedTransitDays") or 0),
                    billable_weight=billable,
                )
            )
        return tuple(out)

    def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        body = self._shipment_body(request.request, request.reference)
        body |= {
            "serviceType": request.rate.service,
            "referenceNumber": reference_field(request.lookup_reference),
            "labelFormat": "zpl" if request.label_format is LabelFormat.ZPL else "pdf",
        }
        shipment = self.http.request("POST", "/api/shipments", json_body=body)
        if not isinstance(shipment, dict):
            raise CarrierError(f"{NAME} sent a shipment in an unexpected shape", "malformed")
        label = shipment.get("label") if isinstance(shipment.get("label"), dict) else None
        if label is None:
            return self._purchased(shipment, self._download(str(shipment.get("trackingNumber") or "")))
        try:
            data = base64.b64decode(str(label.get("data") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise CarrierError(f"{NAME} sent a label that is not valid base64", "malformed") from None
        return self._purchased(shipment, data)

    def _download(self, number: str) -> bytes:
        raw = self.http.request("GET", f"/api/shipments/{quote(number, safe='')}/label", expect_json=False)
        return bytes(raw)

    def _purchased(self, shipment: dict[str, Any], label: bytes) -> PurchasedLabel:
        number = str(shipment.get("trackingNumber") or "")
        if not is_valid_lso(number):
            raise CarrierError(f"{NAME} sent an invalid tracking number {number!r}", "malformed")
        return PurchasedLabel(
            tracking_number=number,
            label=label,
            label_format=LabelFormat.PDF if label.startswith(b"%PDF") else LabelFormat.ZPL,
            cost=Money(_decimal(shipment.get("totalCost"), "price"), str(shipment.get("currency") or "USD").upper()),
            service=str(shipment.get("serviceType") or ""),
            carrier_shipment_id=str(shipment.get("id") or ""),
            tracking_url=tracking_url(number),
            estimated_delivery=parse_time(shipment.get("estimatedDelivery")),
        )

    def find_label(self, reference: str) -> PurchasedLabel | None:
        body = self.http.request("GET", "/api/shipments", params={"reference": reference_field(reference)})
        shipments = body.get("shipments") if isinstance(body, dict) else None
        if not isinstance(shipments, list):
            raise CarrierError(f"{NAME} sent shipments in an unexpected shape", "malformed")
        live = [s for s in shipments if isinstance(s, dict) and s.get("status") != "cancelled"]
        if not live:
            return None
        newest = max(live, key=lambda s: str(s.get("createdAt") or ""))
        return self._purchased(newest, self._download(str(newest.get("trackingNumber") or "")))

    def void(self, tracking_number: str) -> None:
        number = self._checked(tracking_number)
        self.http.request("POST", f"/api/shipments/{number}/cancel")

    # -- tracking --------------------------------------------------------------------------------

    @staticmethod
    def _checked(tracking_number: str) -> str:
        number = tracking_number.strip().upper()
        if not is_valid_lso(number):
            raise CarrierError(f"{number} is not an LSO tracking number (LSO + 11 digits)", "invalid_number")
        return number

    def track(self, tracking_number: str) -> TrackingResult:
        number = self._checked(tracking_number)
        body = self.http.request("GET", f"/api/tracking/{number}", ok_statuses=frozenset({404}))
        if isinstance(body, dict) and body.get("_status") == 404:
            body = body.get("body") or {"error": {"code": "NOT_FOUND", "message": "unknown number"}}
        return parse_data(body, number)

    def track_many(self, tracking_numbers: Sequence[str]) -> dict[str, TrackingResult]:
        wanted = {n.strip().upper(): n for n in tracking_numbers if is_valid_lso(n)}
        out: dict[str, TrackingResult] = {}
        numbers = list(wanted)
        for start in range(0, len(numbers), TRACK_BATCH_SIZE):
            chunk = numbers[start : start + TRACK_BATCH_SIZE]
            body = self.http.request("POST", "/api/tracking/batch", json_body={"trackingNumbers": chunk})
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise CarrierError(f"{NAME} sent batch tracking in an unexpected shape", "malformed")
            for raw in results:
                parsed = parse_data(raw)
                if parsed.tracking_number in wanted:
                    out[wanted[parsed.tracking_number]] = parsed
        return out

    def tracking_url(self, tracking_number: str) -> str:
        return tracking_url(tracking_number)

    # -- addresses and pickups -------------------------------------------------------------------

    def validate_address(self, address: PostalAddress) -> AddressCheck:
        body = self.http.request("POST", "/api/addresses/validate", json_body={"address": lso_address(address)})
        if not isinstance(body, dict) or "valid" not in body:
            raise CarrierError(f"{NAME} sent an address check in an unexpected shape", "malformed")
        messages = tuple(str(e.get("message")) for e in body.get("errors") or [] if isinstance(e, dict))
        suggestion = None
        normalized = body.get("normalized")
        if isinstance(normalized, dict):
            candidate = PostalAddress(
                name=str(normalized.get("name") or ""),
                company=str(normalized.get("company") or ""),
                line1=str(normalized.get("street1") or ""),
                line2=str(normalized.get("street2") or ""),
                city=str(normalized.get("city") or ""),
                state=str(normalized.get("state") or ""),
                postal_code=str(normalized.get("postalCode") or ""),
                country=str(normalized.get("country") or ""),
                phone=str(normalized.get("phone") or ""),
                email=str(normalized.get("email") or ""),
            )
            suggestion = candidate if candidate != address else None
        return AddressCheck(valid=bool(body["valid"]), messages=messages, suggestion=suggestion)

    def request_pickup(
        self, address: PostalAddress, day: date, time_slot: str, packages: int, instructions: str = ""
    ) -> PickupConfirmation:
        if time_slot not in TIME_SLOTS:
            raise UserError(f"{time_slot!r} is not a pickup slot; choose {' or '.join(TIME_SLOTS)}")
        if not 1 <= packages <= rules.MAX_PACKAGES:
            raise UserError(f"an LSO pickup takes 1 to {rules.MAX_PACKAGES} packages, not {packages}")
        body: dict[str, Any] = {
            "address": lso_address(address),
            "pickupDate": day.isoformat(),
            "timeSlot": time_slot,
            "packageCount": packages,
        }
        if instructions:
            body["specialInstructions"] = instructions[: rules.MAX_INSTRUCTIONS]
        pickup = self.http.request("POST", "/api/pickups", json_body=body)
        if not isinstance(pickup, dict) or not pickup.get("id"):
            raise CarrierError(f"{NAME} sent no pickup confirmation", "malformed")
        return PickupConfirmation(
            confirmation=str(pickup["id"]),
            carrier=self.code,
            date=date.fromisoformat(str(pickup.get("pickupDate") or day.isoformat())),
            time_slot=str(pickup.get("timeSlot") or time_slot),
            status=str(pickup.get("status") or "scheduled"),
            packages=int(pickup.get("packageCount") or packages),
        )

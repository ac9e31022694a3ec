"""ShipStation API (formerly ShipEngine) adapter: one API key, many carrier accounts behind it.

Built from the published OpenAPI document (https://shipengine.github.io/shipengine-openapi/, also
https://docs.shipstation.com/openapi): header `API-Key`, base https://api.shipengine.com, the v1
path family (ShipStation V2 serves the same shapes under /v2 with `api-key`; change API_PREFIX).

- Rates: POST /v1/rates {rate_options: {carrier_ids}, shipment: {ship_to, ship_from, packages}}
  -> rate_response.rates[] (rate_id, carrier_id, service_code, service_type, shipping_amount, …).
- Label: POST /v1/labels {shipment: {carrier_id, service_code, external_shipment_id, …}, label_format,
  label_layout: "4x6", label_download_type: "inline"}; external_shipment_id carries our purchase
  reference, so GET /v1/labels/external_shipment_id/{id} finds an unconfirmed purchase again.
- Void: PUT /v1/labels/{label_id}/void -> {approved, message, reason_code}; the label id comes from
  GET /v1/labels?tracking_number=… when the bench only has the tracking number.
- Tracking: GET /v1/tracking?carrier_code=&tracking_number= (one number per call).
- Addresses: POST /v1/addresses/validate [address] -> [{status, matched_address, messages[]}].
- Rate limit: 200 requests a minute per API key by default.

The account's "account" setting lists the ShipStation carrier ids to quote (se-123,se-456); when it
is empty the adapter quotes every carrier connected to the key (GET /v1/carriers).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.http import HeaderAuth
from shipstation_desktop.carriers.normalize import parse_time, track_each
from shipstation_desktop.carriers.port import (
    AddressCheck,
    CarrierCapabilities,
    LabelRequest,
    PurchasedLabel,
    TrackingResult,
)
from shipstation_desktop.carriers.tracking_numbers import is_valid_ups
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest, billable_weight, require_within_limit
from shipstation_desktop.domain.units import GRAMS_PER, LengthUnit, Money, WeightUnit

from .tracking import NAME, error_of, parse_data

API_PREFIX = "/v1"
REQUESTS_PER_SECOND = 200 / 60  # ShipEngine's default: 200 requests a minute
# Most carriers behind ShipStation (UPS, FedEx, USPS) bill 139 in³/lb, about 5022 cm³/kg.
DIM_DIVISOR_CM3_PER_KG = Decimal(5022)
BILLING_STEP_GRAMS = GRAMS_PER[WeightUnit.LB]  # whole pounds
MAX_WEIGHT_GRAMS = Decimal(68039)  # 150 lb, the ceiling of the parcel carriers it fronts
MAX_EXTERNAL_ID = 50  # external_shipment_id maxLength

_WEIGHT_UNITS = {WeightUnit.LB: "pound", WeightUnit.OZ: "ounce", WeightUnit.G: "gram", WeightUnit.KG: "kilogram"}
_PUBLIC_TRACKING = {
    "ups": "https://www.ups.com/track?tracknum={n}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}",
    "stamps_com": "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}",
    "dhl_express": "https://www.dhl.com/en/express/tracking.html?AWB={n}",
}
_USPS = re.compile(r"(9[0-9]{19,21})|([A-Z]{2}[0-9]{9}US)")
_FEDEX = re.compile(r"[0-9]{12}|[0-9]{15}")
_DHL = re.compile(r"[0-9]{10}")


def infer_carrier(tracking_number: str) -> str | None:
    """The ShipEngine carrier_code a number's format belongs to, when the format says so."""
    number = tracking_number.strip().upper()
    if is_valid_ups(number):
        return "ups"
    if _USPS.fullmatch(number):
        return "usps"
    if _FEDEX.fullmatch(number):
        return "fedex"
    if _DHL.fullmatch(number):
        return "dhl_express"
    return None


def tracking_url(tracking_number: str, carrier_code: str | None = None) -> str:
    """The underlying carrier's public page; ShipStation itself has no per-number public page."""
    number = tracking_number.strip().upper()
    template = _PUBLIC_TRACKING.get(carrier_code or infer_carrier(number) or "")
    return template.format(n=quote(number, safe="")) if template else ""


def external_id(reference: str) -> str:
    reference = reference.strip()
    if len(reference) <= MAX_EXTERNAL_ID:
        return reference
    return reference[:17] + "~" + hashlib.sha256(reference.encode()).hexdigest()[:32]


def se_address(address: PostalAddress) -> dict[str, Any]:
    return {
        "name": address.name,
        "phone": address.phone,
        "email": address.email or None,
        "company_name": address.company or None,
        "address_line1": address.line1,
        "address_line2": address.line2 or None,
        "city_locality": address.city,
        "state_province": address.state,
        "postal_code": address.postal_code,
        "country_code": address.country.strip().upper(),
        "address_residential_indicator": "unknown",
    }


def from_se_address(raw: dict[str, Any]) -> PostalAddress:
    return PostalAddress(
        name=str(raw.get("name") or ""),
        company=str(raw.get("company_name") or ""),
        line1=str(raw.get("address_line1") or ""),
        line2=str(raw.get("address_line2") or ""),
        city=str(raw.get("city_locality") or ""),
        state=str(raw.get("state_province") or ""),
        postal_code=str(raw.get("postal_code") or ""),
        country=str(raw.get("country_code") or ""),
        phone=str(raw.get("phone") or ""),
        email=str(raw.get("email") or ""),
    )


def se_package(package: Package) -> dict[str, Any]:
    weight = package.weight
    out: dict[str, Any] = {"weight": {"value": float(weight.value), "unit": _WEIGHT_UNITS[weight.unit]}}
    if package.dimensions is not None:
        dims = package.dimensions
        if dims.unit is LengthUnit.IN:
            sides, unit = (dims.length, dims.width, dims.height), "inch"
        else:
            length, width, height = dims.mm()
            sides, unit = (length / 10, width / 10, height / 10), "centimeter"
        out["dimensions"] = {
            "unit": unit,
            "length": float(sides[0]),
            "width": float(sides[1]),
            "height": float(sides[2]),
        }
    if package.insurance is not None and package.insurance.amount > 0:
        out["insured_value"] = {
            "currency": package.insurance.currency.lower(),
            "amount": float(package.insurance.amount),
        }
    return out


def _money(raw: Any) -> Money | None:
    if not isinstance(raw, dict) or raw.get("amount") is None:
        return None
    try:
        return Money(Decimal(str(raw["amount"])), str(raw.get("currency") or "usd").upper())
    except (ArithmeticError, ValueError):
        raise CarrierError(f"{NAME} sent an unreadable amount {raw!r}", "malformed") from None


def _total(*parts: Any) -> Money:
    amounts = [m for m in (_money(p) for p in parts) if m is not None]
    if not amounts:
        raise CarrierError(f"{NAME} sent a price without an amount", "malformed")
    return Money(sum((m.amount for m in amounts), Decimal(0)), amounts[0].currency)


@dataclass(frozen=True, slots=True)
class _Quote:
    carrier_id: str
    service_code: str
    estimated_delivery: str | None


class ShipStationAdapter:
    code = "shipstation"
    name = NAME
    capabilities = CarrierCapabilities(
        max_weight_grams=MAX_WEIGHT_GRAMS,
        label_formats=(LabelFormat.ZPL, LabelFormat.PDF),
        dim_divisor_cm3_per_kg=DIM_DIVISOR_CM3_PER_KG,
        can_void=True,
        can_find_by_reference=True,
        can_validate_address=True,
        track_batch_size=1,
        requests_per_second=REQUESTS_PER_SECOND,
    )

    def __init__(self, ctx: CarrierContext) -> None:
        key = ctx.require("api_key", NAME)
        self.http = ctx.http(
            NAME, auth=HeaderAuth({"API-Key": key}), per_second=REQUESTS_PER_SECOND, error_parser=error_of
        )
        self._carrier_ids = [c.strip() for c in ctx.account.account.split(",") if c.strip()]
        self._lock = threading.Lock()
        self._quotes: dict[str, _Quote] = {}  # rate_id -> what buying it needs
        self._labels: dict[str, tuple[str, str]] = {}  # tracking number -> (label_id, carrier_code)

    def _path(self, path: str) -> str:
        return API_PREFIX + path

    # -- rates and labels ------------------------------------------------------------------------

    def carrier_ids(self) -> list[str]:
        if not self._carrier_ids:
            body = self.http.request("GET", self._path("/carriers"))
            carriers = body.get("carriers") if isinstance(body, dict) else None
            ids = [str(c["carrier_id"]) for c in carriers or [] if isinstance(c, dict) and c.get("carrier_id")]
            if not ids:
                raise CarrierError(f"{NAME} has no carrier accounts connected to this API key", "no_carriers")
            self._carrier_ids = ids
        return self._carrier_ids

    def _shipment(self, request: RateRequest) -> dict[str, Any]:
        require_within_limit(request.package.weight, self.capabilities.max_weight_grams, NAME)
        return {
            "ship_to": se_address(request.ship_to),
            "ship_from": se_address(request.ship_from),
            "packages": [se_package(request.package)],
        }

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        body = {"rate_options": {"carrier_ids": self.carrier_ids()}, "shipment": self._shipment(request)}
        answer = self.http.request("POST", self._path("/rates"), json_body=body)
        response = answer.get("rate_response") if isinstance(answer, dict) else None
        if not isinstance(response, dict) or not isinstance(response.get("rates"), list):
            raise CarrierError(f"{NAME} sent rates in an unexpected shape", "malformed")
        if not response["rates"] and error_of(response):
            message, code = error_of(response) or ("", None)
            raise CarrierError(f"{NAME}: {message}", code)
        package = request.package
        billable = billable_weight(package.weight, package.dimensions, DIM_DIVISOR_CM3_PER_KG, BILLING_STEP_GRAMS)
        out: list[Rate] = []
        for raw in response["rates"]:
            if not isinstance(raw, dict) or not raw.get("rate_id"):
                continue
            rate_id = str(raw["rate_id"])
            amount = _total(
                raw.get("shipping_amount"),
                raw.get("insurance_amount"),
                raw.get("confirmation_amount"),
                raw.get("other_amount"),
            )
            with self._lock:
                self._quotes[rate_id] = _Quote(
                    str(raw.get("carrier_id") or ""),
                    str(raw.get("service_code") or ""),
                    raw.get("estimated_delivery_date"),
                )
            out.append(
                Rate(
                    carrier=self.code,
                    service=str(raw.get("service_code") or ""),
                    service_name=str(raw.get("service_type") or raw.get("service_code") or ""),
                    amount=amount,
                    transit_days=int(raw.get("delivery_days") or 0),
                    billable_weight=billable,
                    rate_id=rate_id,
                )
            )
        return tuple(out)

    def _quote(self, rate: Rate) -> _Quote:
        with self._lock:
            known = self._quotes.get(rate.rate_id)
        if known is not None and known.carrier_id:
            return known
        if not rate.rate_id:
            raise CarrierError(f"this {NAME} rate has no rate id; get rates again", "rate_missing")
        # A rate quoted before a restart: ShipStation still knows it for a while.
        raw = self.http.request("GET", self._path(f"/rates/{quote(rate.rate_id, safe='')}"))
        if not isinstance(raw, dict) or not raw.get("carrier_id"):
            raise CarrierError(f"{NAME} no longer knows this rate; get rates again", "rate_expired")
        return _Quote(
            str(raw["carrier_id"]), str(raw.get("service_code") or rate.service), raw.get("estimated_delivery_date")
        )

    def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        found = self._quote(request.rate)
        shipment = self._shipment(request.request) | {
            "carrier_id": found.carrier_id,
            "service_code": found.service_code,
            "external_shipment_id": external_id(request.lookup_reference),
        }
        body = {
            "shipment": shipment,
            "label_format": "zpl" if request.label_format is LabelFormat.ZPL else "pdf",
            "label_layout": "4x6",
            "label_download_type": "inline",
        }
        label = self.http.request("POST", self._path("/labels"), json_body=body)
        return self._purchased(label, found.estimated_delivery)

    def _purchased(self, label: Any, estimated_delivery: str | None = None) -> PurchasedLabel:
        if not isinstance(label, dict) or not label.get("tracking_number") or not label.get("label_id"):
            raise CarrierError(f"{NAME} sent a label without a tracking number", "malformed")
        if label.get("status") == "error":
            raise CarrierError(f"{NAME} could not create the label", "label_error")
        number = str(label["tracking_number"])
        carrier_code = str(label.get("carrier_code") or "")
        with self._lock:
            self._labels[number.upper()] = (str(label["label_id"]), carrier_code)
        fmt = str(label.get("label_format") or "pdf").lower()
        return PurchasedLabel(
            tracking_number=number,
            label=self._label_bytes(label.get("label_download")),
            label_format=LabelFormat(fmt) if fmt in ("zpl", "pdf", "png") else LabelFormat.PDF,
            cost=_total(label.get("shipment_cost"), label.get("insurance_cost")),
            service=str(label.get("service_code") or ""),
            carrier_shipment_id=str(label["label_id"]),
            tracking_url=str(label.get("tracking_url") or "") or tracking_url(number, carrier_code or None),
            estimated_delivery=parse_time(estimated_delivery),
        )

    def _label_bytes(self, download: Any) -> bytes:
        href = str(download.get("href") or "") if isinstance(download, dict) else ""
        if not href:
            raise CarrierError(f"{NAME} sent a label without its file", "malformed")
        if href.startswith(("https://", "http://")):
            return bytes(self.http.request("GET", href, expect_json=False))
        data = href.split("base64,", 1)[1] if href.startswith("data:") else href
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise CarrierError(f"{NAME} sent a label that is not valid base64", "malformed") from None

    def find_label(self, reference: str) -> PurchasedLabel | None:
        path = self._path(f"/labels/external_shipment_id/{quote(external_id(reference), safe='')}")
        label = self.http.request("GET", path, params={"label_download_type": "inline"}, ok_statuses=frozenset({404}))
        if not isinstance(label, dict) or label.get("_status") == 404:
            return None
        if label.get("voided") or label.get("status") in ("voided", "error"):
            return None
        return self._purchased(label)

    def _label_for(self, number: str) -> tuple[str, str]:
        with self._lock:
            known = self._labels.get(number)
        if known is not None:
            return known
        body = self.http.request("GET", self._path("/labels"), params={"tracking_number": number})
        labels = body.get("labels") if isinstance(body, dict) else None
        live = [x for x in labels or [] if isinstance(x, dict) and x.get("label_id")]
        if not live:
            raise CarrierError(f"{NAME} has no label with tracking number {number}", "not_found")
        live.sort(key=lambda x: bool(x.get("voided")))  # a live label before a voided one
        found = (str(live[0]["label_id"]), str(live[0].get("carrier_code") or ""))
        with self._lock:
            self._labels[number] = found
        return found

    def void(self, tracking_number: str) -> None:
        label_id, _ = self._label_for(tracking_number.strip().upper())
        answer = self.http.request("PUT", self._path(f"/labels/{quote(label_id, safe='')}/void"))
        if not isinstance(answer, dict) or not answer.get("approved"):
            message = str(answer.get("message") or "the void was not approved") if isinstance(answer, dict) else ""
            code = str(answer.get("reason_code") or "void_refused") if isinstance(answer, dict) else "void_refused"
            raise CarrierError(f"{NAME} did not void {tracking_number}: {message}", code)

    # -- tracking --------------------------------------------------------------------------------

    def track(self, tracking_number: str) -> TrackingResult:
        number = tracking_number.strip().upper()
        with self._lock:
            known = self._labels.get(number)
        carrier_code = (known[1] if known else "") or infer_carrier(number) or self._label_for(number)[1]
        if not carrier_code:
            raise CarrierError(f"{NAME} cannot tell which carrier {number} belongs to", "not_found")
        body = self.http.request(
            "GET", self._path("/tracking"), params={"carrier_code": carrier_code, "tracking_number": number}
        )
        return parse_data(body, number)

    def track_many(self, tracking_numbers: Sequence[str]) -> dict[str, TrackingResult]:
        return track_each(self.track, tracking_numbers)

    def tracking_url(self, tracking_number: str) -> str:
        with self._lock:
            known = self._labels.get(tracking_number.strip().upper())
        return tracking_url(tracking_number, known[1] if known else None)

    # -- addresses -------------------------------------------------------------------------------

    def validate_address(self, address: PostalAddress) -> AddressCheck:
        answer = self.http.request("POST", self._path("/addresses/validate"), json_body=[se_address(address)])
        if not isinstance(answer, list) or not answer or not isinstance(answer[0], dict):
            raise CarrierError(f"{NAME} sent an address check in an unexpected shape", "malformed")
        first = answer[0]
        status = str(first.get("status") or "error")
        messages = tuple(str(m.get("message")) for m in first.get("messages") or [] if isinstance(m, dict))
        matched = first.get("matched_address")
        suggestion = None
        if isinstance(matched, dict):
            candidate = from_se_address(matched)
            # ShipEngine leaves the contact fields of a match empty; keep ours.
            candidate = PostalAddress(
                **{**candidate.as_dict(), **{k: v for k, v in address.as_dict().items() if k in ("phone", "email")}}
            )
            suggestion = candidate if candidate != address else None
        return AddressCheck(valid=status in ("verified", "warning"), messages=messages, suggestion=suggestion)

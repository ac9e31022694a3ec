"""The DHL Express adapter: MyDHL API rates, shipments (labels), tracking and address capability checks.

API reference: https://developer.dhl.com/api-reference/dhl-express-mydhl-api (MyDHL API OpenAPI 2.x:
GET /rates, POST /shipments, GET /shipments/{n}/tracking, GET /tracking, GET /address-validate,
GET /shipments/{n}/get-image). Basic auth with the API key and secret; every request carries a fresh
Message-Reference (28-36 characters) and Message-Reference-Date (HTTP date), as the API asks.

No void: MyDHL has no call that cancels a shipment (only a booked pickup). DHL bills a waybill when the
parcel is tendered, so a label that is never handed over is simply not used.

Rate limit: MyDHL publishes no per-second figure; the DHL developer portal's entry service level is
1 call a second, which is what is paced here (an account with more sets rate_limit_per_s).
"""

from __future__ import annotations

import base64
import binascii
import email.utils
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from shipstation_desktop.domain.clock import Clock
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest, billable_weight, require_within_limit
from shipstation_desktop.domain.units import Money, Weight, WeightUnit

from ..context import CarrierContext, LazyHttp
from ..http import CarrierHttp, basic_auth
from ..port import AddressCheck, CarrierCapabilities, LabelRequest, PurchasedLabel, TrackingResult
from . import payloads
from .tracking import CARRIER_NAME, PRODUCTS, TRACKING_URL, error_of, parse, parse_many, problem

CODE = "dhl"
RATES_PATH = "/rates"
SHIPMENTS_PATH = "/shipments"
TRACK_PATH = "/shipments/{number}/tracking"
TRACK_MANY_PATH = "/tracking"
IMAGE_PATH = "/shipments/{number}/get-image"
ADDRESS_PATH = "/address-validate"
REQUESTS_PER_SECOND = 1.0
TRACK_BATCH_SIZE = 10
LABEL_TEMPLATE = "ECOM26_84_001"  # DHL's 4 x 6 in (8 x 4 in landscape) thermal label
DIM_DIVISOR_CM3_PER_KG = Decimal(5000)
MAX_WEIGHT_GRAMS = Decimal(70_000)  # 70 kg per piece
BILLING_STEP_GRAMS = Decimal(500)  # DHL Express bills in half kilos
FIND_WINDOW_DAYS = 14  # reference searches must name a date range; a purchase being reconciled is recent
VOID_MESSAGE = (
    "DHL Express labels cannot be voided: a waybill that is never handed to DHL is not tendered and "
    "not billed, so just don't ship it (cancel its pickup if one was booked)"
)
_END_OF_DAY = time(23, 59)


@dataclass
class MessageAuth:
    """Basic auth plus the per-request Message-Reference headers MyDHL asks for."""

    user: str
    password: str
    clock: Clock

    def headers(self, http: CarrierHttp) -> dict[str, str]:
        now = self.clock.now().astimezone(UTC)
        return {
            **basic_auth(self.user, self.password).values,
            "Message-Reference": uuid7(),
            "Message-Reference-Date": email.utils.format_datetime(now, usegmt=True),
        }

    def invalidate(self) -> None:
        return None  # a static key: nothing to refresh, so the 401 retry fails the same way


def dhl_error(body: Any) -> tuple[str, str | None] | None:
    return problem(body)


class DhlCarrier:
    code: str = CODE
    name: str = CARRIER_NAME
    capabilities: CarrierCapabilities = CarrierCapabilities(
        max_weight_grams=MAX_WEIGHT_GRAMS,
        label_formats=(LabelFormat.ZPL, LabelFormat.PDF),
        dim_divisor_cm3_per_kg=DIM_DIVISOR_CM3_PER_KG,
        can_void=False,  # MyDHL cancels pickups, not shipments
        # GET /tracking can search by our CU reference, but a new waybill takes minutes to reach the
        # tracking index, so "not found" right after a lost answer proves nothing: a supervisor decides.
        can_find_by_reference=False,
        can_validate_address=True,
        track_batch_size=TRACK_BATCH_SIZE,
        requests_per_second=REQUESTS_PER_SECOND,
    )

    def __init__(self, ctx: CarrierContext) -> None:
        self._ctx = ctx
        self._account = ctx.account.account.strip()
        self._http = LazyHttp(self._build_client)

    # -- plumbing ------------------------------------------------------------------------------

    def _client(self) -> CarrierHttp:
        return self._http.get()

    def _build_client(self) -> CarrierHttp:
        key = self._ctx.require("api_key", CARRIER_NAME)
        secret = self._ctx.require("api_secret", CARRIER_NAME)
        auth = MessageAuth(key, secret, self._ctx.clock)
        return self._ctx.http(CARRIER_NAME, auth=auth, per_second=REQUESTS_PER_SECOND, error_parser=dhl_error)

    def _require_account(self) -> str:
        if not self._account:
            raise CarrierError("DHL Express has no account number set; add it in Preferences → Carriers", "credentials")
        return self._account

    def close(self) -> None:
        self._http.close()

    def _now(self) -> datetime:
        return self._ctx.clock.now().astimezone(UTC)

    # -- rates ---------------------------------------------------------------------------------

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        require_within_limit(request.package.weight, MAX_WEIGHT_GRAMS, CARRIER_NAME)
        account = self._require_account()
        origin, destination = request.ship_from, request.ship_to
        customs = payloads.customs_declarable(origin, destination)
        params: dict[str, Any] = {
            "accountNumber": account,
            "originCountryCode": origin.country.strip().upper(),
            "originCityName": origin.city.strip(),
            "destinationCountryCode": destination.country.strip().upper(),
            "destinationCityName": destination.city.strip(),
            "weight": str(payloads.kilograms(request.package.weight)),
            **{k: str(v) for k, v in payloads.centimetres(request.package.dimensions).items()},
            "plannedShippingDate": self._now().date().isoformat(),
            "isCustomsDeclarable": "true" if customs else "false",
            "unitOfMeasurement": "metric",
            "nextBusinessDay": "true",  # a late or weekend quote still lists the next day's products
        }
        if origin.postal_code.strip():
            params["originPostalCode"] = origin.postal_code.strip()
        if destination.postal_code.strip():
            params["destinationPostalCode"] = destination.postal_code.strip()
        body = self._client().request("GET", RATES_PATH, params=params, ok_statuses=frozenset({404}))
        if isinstance(body, dict) and "_status" in body:
            return []  # no product serves this lane
        if not isinstance(body, dict) or not isinstance(body.get("products", []), list):
            raise CarrierError("DHL Express sent a rate answer without products", "malformed")
        billable = billable_weight(
            request.package.weight, request.package.dimensions, DIM_DIVISOR_CM3_PER_KG, BILLING_STEP_GRAMS
        ).to(WeightUnit.KG)
        today = self._now().date()
        out = []
        for product in body.get("products") or []:
            if isinstance(product, dict):
                rate = _rate(product, billable, today)
                if rate is not None:
                    out.append(rate)
        return out

    # -- labels --------------------------------------------------------------------------------

    def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        package = request.request.package
        require_within_limit(package.weight, MAX_WEIGHT_GRAMS, CARRIER_NAME)
        account = self._require_account()
        ship_from, ship_to = request.request.ship_from, request.request.ship_to
        customs = payloads.customs_declarable(ship_from, ship_to)
        zpl = request.label_format is LabelFormat.ZPL
        content: dict[str, Any] = {
            "packages": [
                {
                    "weight": float(payloads.kilograms(package.weight)),
                    "dimensions": payloads.centimetres(package.dimensions),
                    "customerReferences": [payloads.reference(request.reference or request.lookup_reference)],
                }
            ],
            "isCustomsDeclarable": customs,
            "description": "Merchandise",
            "incoterm": "DAP",
            "unitOfMeasurement": "metric",
        }
        if customs:
            value = package.declared_value or package.insurance
            if value is None:
                raise CarrierError(
                    "DHL Express needs the parcel's declared value for customs; enter it before buying", "customs"
                )
            content |= {"declaredValue": float(value.amount), "declaredValueCurrency": value.currency}
        now = self._now()
        body = {
            "plannedShippingDateAndTime": f"{now:%Y-%m-%dT%H:%M:%S}GMT+00:00",
            "pickup": {"isRequested": False},
            "productCode": request.rate.service,
            "accounts": [{"typeCode": "shipper", "number": account}],
            "outputImageProperties": {
                "printerDPI": 300 if request.dpi >= 300 else 200,
                "encodingFormat": "zpl" if zpl else "pdf",
                "imageOptions": [
                    {"typeCode": "label", "templateName": LABEL_TEMPLATE},
                    {"typeCode": "waybillDoc", "isRequested": False},
                ],
            },
            # The shipment-level CU reference is what GET /tracking?shipmentReference= searches.
            "customerReferences": [payloads.reference(request.lookup_reference)],
            "customerDetails": {
                "shipperDetails": payloads.party(ship_from, "", "shipper"),
                "receiverDetails": payloads.party(ship_to, ship_from.phone, "receiver"),
            },
            "content": content,
        }
        if package.insurance is not None and package.insurance.amount > 0:
            # Shipment protection (value-added service II), the charge the rate list showed as insurance.
            body["valueAddedServices"] = [
                {"serviceCode": "II", "value": float(package.insurance.amount), "currency": package.insurance.currency}
            ]
        answer = self._client().request("POST", SHIPMENTS_PATH, json_body=body)
        if not isinstance(answer, dict):
            raise CarrierError("DHL Express sent a shipment answer that is not a JSON object", "malformed")
        number = str(answer.get("shipmentTrackingNumber") or "").strip()
        if not number:
            raise CarrierError("DHL Express answered the shipment request without a waybill number", "malformed")
        label = _label_document(answer)
        cost = _charge(answer.get("shipmentCharges")) or request.rate.amount
        return PurchasedLabel(
            tracking_number=number,
            label=label,
            label_format=LabelFormat.ZPL if zpl else LabelFormat.PDF,
            cost=cost,
            service=request.rate.service_name or PRODUCTS.get(request.rate.service, request.rate.service),
            carrier_shipment_id=str(answer.get("dispatchConfirmationNumber") or number),
            tracking_url=self.tracking_url(number),
            estimated_delivery=_end_of(answer.get("estimatedDeliveryDate")),
        )

    def find_label(self, reference: str) -> PurchasedLabel | None:
        """The waybill filed under our CU reference in the last two weeks, with its archived waybill
        document as the label (MyDHL keeps no copy of the thermal label). Empty bytes when DHL has no
        image yet; cost is unknown to the tracking answer and reported as zero."""
        account = self._require_account()
        today = self._now().date()
        params = {
            "shipmentReference": reference.strip()[:35],
            "shipmentReferenceType": "CU",
            "shipperAccountNumber": account,
            "dateRangeFrom": (today - timedelta(days=FIND_WINDOW_DAYS)).isoformat(),
            "dateRangeTo": today.isoformat(),
            "trackingView": "shipment-details-only",
            "levelOfDetail": "shipment",
        }
        body = self._client().request("GET", TRACK_MANY_PATH, params=params, ok_statuses=frozenset({404}))
        if isinstance(body, dict) and "_status" in body:
            return None
        shipments = [s for s in (body.get("shipments") or []) if isinstance(s, dict)] if isinstance(body, dict) else []
        if not shipments:
            return None
        shipment = shipments[0]
        number = str(shipment.get("shipmentTrackingNumber") or "").strip()
        if not number:
            return None
        stamp = str(shipment.get("shipmentTimestamp") or today.isoformat())
        image = self._client().request(
            "GET",
            IMAGE_PATH.format(number=number),
            params={
                "shipperAccountNumber": account,
                "typeCode": "waybill",
                "pickupYearAndMonth": stamp[:7],
                "encodingFormat": "pdf",
            },
            ok_statuses=frozenset({400, 404}),
        )
        documents = image.get("documents") if isinstance(image, dict) else None
        content = documents[0].get("content") if isinstance(documents, list) and documents else None
        product = str(shipment.get("productCode") or "")
        return PurchasedLabel(
            tracking_number=number,
            label=_decode(content) if content else b"",
            label_format=LabelFormat.PDF,
            cost=Money(Decimal(0), "USD"),
            service=PRODUCTS.get(product, product),
            carrier_shipment_id=number,
            tracking_url=self.tracking_url(number),
        )

    def void(self, tracking_number: str) -> None:
        raise CarrierError(VOID_MESSAGE, "VOID_NOT_SUPPORTED")

    # -- tracking ------------------------------------------------------------------------------

    def track(self, tracking_number: str) -> TrackingResult:
        number = tracking_number.strip().upper()
        body = self._client().request(
            "GET",
            TRACK_PATH.format(number=number),
            params={"trackingView": "all-checkpoints", "levelOfDetail": "shipment"},
            ok_statuses=frozenset({404}),
        )
        if isinstance(body, dict) and "_status" in body:
            raise error_of(body.get("body"), number, int(body["_status"]))
        return parse(body, number)

    def track_many(self, tracking_numbers: Sequence[str]) -> dict[str, TrackingResult]:
        out: dict[str, TrackingResult] = {}
        numbers = list(dict.fromkeys(tracking_numbers))
        for start in range(0, len(numbers), TRACK_BATCH_SIZE):
            chunk = numbers[start : start + TRACK_BATCH_SIZE]
            body = self._client().request(
                "GET",
                TRACK_MANY_PATH,
                params={
                    "shipmentTrackingNumber": [n.strip().upper() for n in chunk],
                    "trackingView": "all-checkpoints",
                    "levelOfDetail": "shipment",
                },
                ok_statuses=frozenset({404}),
            )
            if isinstance(body, dict) and "_status" in body:
                continue  # none of this chunk is known to DHL
            found = parse_many(body)
            for number in chunk:
                key = number.strip().upper()
                if key in found:
                    out[number] = found[key]
        return out

    def tracking_url(self, tracking_number: str) -> str:
        return TRACKING_URL.format(number=tracking_number.strip().upper())

    # -- addresses -----------------------------------------------------------------------------

    def validate_address(self, address: PostalAddress) -> AddressCheck:
        """DHL checks that it delivers to the postal code and city (not the street)."""
        params = {
            "type": "delivery",
            "countryCode": address.country.strip().upper(),
            "postalCode": address.postal_code.strip(),
            "cityName": address.city.strip(),
        }
        body = self._client().request("GET", ADDRESS_PATH, params=params, ok_statuses=frozenset({400, 404}))
        if isinstance(body, dict) and "_status" in body:
            parsed = problem(body.get("body"))
            detail = parsed[0] if parsed else "no match"
            where = " ".join(p for p in (params["postalCode"], params["cityName"], params["countryCode"]) if p)
            return AddressCheck(valid=False, messages=(f"DHL Express does not deliver to {where} ({detail}).",))
        matches = [a for a in (body.get("address") or []) if isinstance(a, dict)] if isinstance(body, dict) else []
        if not matches:
            return AddressCheck(valid=False, messages=("DHL Express found no delivery area for this address.",))
        match = matches[0]
        city = str(match.get("cityName") or address.city).strip()
        postal = str(match.get("postalCode") or address.postal_code).strip()
        changed = city.upper() != address.city.strip().upper() or postal.upper() != address.postal_code.strip().upper()
        suggestion = None
        if changed:
            suggestion = PostalAddress(
                name=address.name,
                company=address.company,
                line1=address.line1,
                line2=address.line2,
                city=city,
                state=address.state,
                postal_code=postal,
                country=address.country,
                phone=address.phone,
                email=address.email,
            )
        return AddressCheck(valid=True, suggestion=suggestion)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _charge(charges: Any) -> Money | None:
    """The price in the billing currency (BILLC), else the first one given."""
    entries = [c for c in charges or [] if isinstance(c, dict)] if isinstance(charges, list) else []
    entries.sort(key=lambda c: c.get("currencyType") != "BILLC")
    for entry in entries:
        price = _decimal(entry.get("price"))
        currency = str(entry.get("priceCurrency") or "").strip().upper()
        if price is not None and len(currency) == 3 and currency.isalpha():
            return Money(price, currency)
    return None


def _rate(product: dict[str, Any], billable: Weight, today: date) -> Rate | None:
    code = str(product.get("productCode") or "").strip()
    price = _charge(product.get("totalPrice"))
    if not code or price is None or price.amount <= 0:
        return None  # a product this account has no price for cannot be bought
    raw = product.get("deliveryCapabilities")
    capabilities: dict[str, Any] = raw if isinstance(raw, dict) else {}
    days = _int(capabilities.get("totalTransitDays"))
    if days is None:
        eta = str(capabilities.get("estimatedDeliveryDateAndTime") or "")[:10]
        try:
            days = (date.fromisoformat(eta) - today).days
        except ValueError:
            days = None
    return Rate(
        carrier=CODE,
        service=code,
        service_name=str(product.get("productName") or PRODUCTS.get(code, code)).strip(),
        amount=price,
        transit_days=max(1, days or 1),
        billable_weight=billable,
    )


def _int(value: Any) -> int | None:
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _decode(content: Any) -> bytes:
    try:
        return base64.b64decode(str(content), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CarrierError("DHL Express sent a label that is not valid base64", "malformed") from exc


def _label_document(answer: dict[str, Any]) -> bytes:
    documents = [d for d in answer.get("documents") or [] if isinstance(d, dict)]
    for document in documents:
        if str(document.get("typeCode") or "").lower() == "label" and document.get("content"):
            return _decode(document["content"])
    raise CarrierError("DHL Express answered the shipment request without a label", "malformed")


def _end_of(estimate: Any) -> datetime | None:
    value = estimate.get("estimatedDeliveryDate") if isinstance(estimate, dict) else estimate
    try:
        return datetime.combine(date.fromisoformat(str(value)[:10]), _END_OF_DAY, tzinfo=UTC) if value else None
    except ValueError:
        return None

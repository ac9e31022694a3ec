"""The FedEx adapter: OAuth client credentials, Rate, Ship, Cancel, Track (30 numbers a call), Address resolve.

API reference: https://developer.fedex.com/api/en-us/catalog.html (Authorization API /oauth/token,
Rate API /rate/v1/rates/quotes, Ship API /ship/v1/shipments and /ship/v1/shipments/cancel, Track API
/track/v1/trackingnumbers, Address Validation API /address/v1/addresses/resolve).

Rate limit: FedEx allows about 1,400 transactions per 10 seconds per project (140/s) and answers 429
above it. Every bench of a company shares one project, so one bench paces itself at 10 requests/s: a
dozen busy benches plus their tracking pollers stay well inside the project's allowance.

Look-up by reference: the Ship API cannot return a label again by customer reference (Track by
reference finds the number but not the label), so find_label answers None and a purchase whose answer
was lost goes to a supervisor (ARCHITECTURE §5).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest, billable_weight, require_within_limit
from shipstation_desktop.domain.units import GRAMS_PER, MM_PER, LengthUnit, Money, WeightUnit

from ..context import CarrierContext, LazyHttp
from ..http import CarrierHttp, OAuthClientCredentials
from ..normalize import parse_time
from ..port import AddressCheck, CarrierCapabilities, LabelRequest, PurchasedLabel, TrackingResult
from . import payloads
from .tracking import CARRIER_NAME, NOT_FOUND, TRACKING_URL, parse_all

CODE = "fedex"
TOKEN_PATH = "/oauth/token"
RATE_PATH = "/rate/v1/rates/quotes"
SHIP_PATH = "/ship/v1/shipments"
CANCEL_PATH = "/ship/v1/shipments/cancel"
TRACK_PATH = "/track/v1/trackingnumbers"
ADDRESS_PATH = "/address/v1/addresses/resolve"
TRACK_BATCH = 30  # FedEx's documented maximum of trackingInfo entries per request
REQUESTS_PER_SECOND = 10.0

# FedEx's published divisor is 139 in³/lb; kept as its exact metric equivalent (about 5021.7 cm³/kg).
DIM_DIVISOR_IN3_PER_LB = Decimal(139)
DIM_DIVISOR_CM3_PER_KG = DIM_DIVISOR_IN3_PER_LB * (MM_PER[LengthUnit.IN] / 10) ** 3 / (GRAMS_PER[WeightUnit.LB] / 1000)
MAX_WEIGHT_GRAMS = Decimal(150) * GRAMS_PER[WeightUnit.LB]  # 150 lb (68 kg) per package
BILLING_STEP_IMPERIAL_G = GRAMS_PER[WeightUnit.LB]  # whole pounds
BILLING_STEP_METRIC_G = Decimal(500)  # half kilos

# serviceType -> (name, days used when FedEx quotes no transit time).
SERVICES: dict[str, tuple[str, int]] = {
    "FIRST_OVERNIGHT": ("FedEx First Overnight", 1),
    "PRIORITY_OVERNIGHT": ("FedEx Priority Overnight", 1),
    "STANDARD_OVERNIGHT": ("FedEx Standard Overnight", 1),
    "FEDEX_2_DAY_AM": ("FedEx 2Day A.M.", 2),
    "FEDEX_2_DAY": ("FedEx 2Day", 2),
    "FEDEX_EXPRESS_SAVER": ("FedEx Express Saver", 3),
    "FEDEX_GROUND": ("FedEx Ground", 5),
    "GROUND_HOME_DELIVERY": ("FedEx Home Delivery", 5),
    "INTERNATIONAL_FIRST": ("FedEx International First", 2),
    "FEDEX_INTERNATIONAL_PRIORITY": ("FedEx International Priority", 3),
    "INTERNATIONAL_PRIORITY": ("FedEx International Priority", 3),
    "INTERNATIONAL_ECONOMY": ("FedEx International Economy", 5),
    "FEDEX_INTERNATIONAL_CONNECT_PLUS": ("FedEx International Connect Plus", 5),
}
_DEFAULT_DAYS = 5
_DAY_WORDS = {
    word: n
    for n, word in enumerate(
        (
            *("ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN", "ELEVEN", "TWELVE"),
            *("THIRTEEN", "FOURTEEN", "FIFTEEN", "SIXTEEN", "SEVENTEEN", "EIGHTEEN", "NINETEEN", "TWENTY"),
        ),
        start=1,
    )
}
_END_OF_DAY = time(23, 59)


class FedExCarrier:
    code: str = CODE
    name: str = CARRIER_NAME
    capabilities: CarrierCapabilities = CarrierCapabilities(
        max_weight_grams=MAX_WEIGHT_GRAMS,
        label_formats=(LabelFormat.ZPL, LabelFormat.PDF),
        dim_divisor_cm3_per_kg=DIM_DIVISOR_CM3_PER_KG,
        can_void=True,
        can_find_by_reference=False,
        can_validate_address=True,
        track_batch_size=TRACK_BATCH,
        requests_per_second=REQUESTS_PER_SECOND,
    )

    def __init__(self, ctx: CarrierContext) -> None:
        self._ctx = ctx
        self._account = ctx.account.account.strip()
        self._auth: OAuthClientCredentials | None = None
        self._http = LazyHttp(self._build_client)

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def auth(self) -> OAuthClientCredentials:
        self._http.get()
        assert self._auth is not None
        return self._auth

    def _client(self) -> CarrierHttp:
        return self._http.get()

    def _build_client(self) -> CarrierHttp:
        client_id = self._ctx.require("client_id", CARRIER_NAME)
        client_secret = self._ctx.require("client_secret", CARRIER_NAME)
        self._auth = OAuthClientCredentials(TOKEN_PATH, client_id, client_secret)
        return self._ctx.http(CARRIER_NAME, auth=self._auth, per_second=REQUESTS_PER_SECOND)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._client().request(method, path, headers={"X-locale": "en_US"}, **kwargs)

    def _require_account(self) -> str:
        if not self._account:
            raise CarrierError("FedEx has no account number set; add it in Preferences → Carriers", "credentials")
        return self._account

    def close(self) -> None:
        self._http.close()

    # -- rates ---------------------------------------------------------------------------------

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        package = request.package
        require_within_limit(package.weight, MAX_WEIGHT_GRAMS, CARRIER_NAME)
        account = self._require_account()
        step = BILLING_STEP_IMPERIAL_G if payloads.imperial(request.ship_from) else BILLING_STEP_METRIC_G
        billable = billable_weight(package.weight, package.dimensions, DIM_DIVISOR_CM3_PER_KG, step)
        body = self._call("POST", RATE_PATH, json_body=payloads.rate_request(request, account))
        out: list[Rate] = []
        for detail in _list(_dict(body, "output").get("rateReplyDetails")):
            service = str(detail.get("serviceType") or "").strip()
            charge = _best_charge(_list(detail.get("ratedShipmentDetails")))
            if not service or charge is None:
                continue
            name, typical_days = SERVICES.get(service, (service.replace("_", " ").title(), _DEFAULT_DAYS))
            out.append(
                Rate(
                    carrier=CODE,
                    service=service,
                    service_name=str(detail.get("serviceName") or name),
                    amount=charge,
                    transit_days=_transit_days(detail) or typical_days,
                    billable_weight=billable,
                )
            )
        return tuple(sorted(out, key=lambda r: (r.amount.amount, r.transit_days)))

    # -- labels --------------------------------------------------------------------------------

    def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        rate = request.rate
        if rate.carrier != CODE:
            raise CarrierError(f"A {rate.carrier} rate cannot be bought from FedEx.", "WRONG_CARRIER")
        require_within_limit(request.request.package.weight, MAX_WEIGHT_GRAMS, CARRIER_NAME)
        account = self._require_account()
        label_format = LabelFormat.ZPL if request.label_format is LabelFormat.ZPL else LabelFormat.PDF
        body = payloads.ship_request(
            request.request,
            rate.service,
            account,
            request.lookup_reference,
            label_format,
            self._ctx.clock.now().date(),
        )
        answer = self._call("POST", SHIP_PATH, json_body=body)
        shipments = _list(_dict(answer, "output").get("transactionShipments"))
        if not shipments:
            raise CarrierError("FedEx confirmed the shipment but sent no label; check the FedEx account", "malformed")
        shipment = shipments[0]
        pieces = _list(shipment.get("pieceResponses"))
        piece = pieces[0] if pieces else {}
        number = str(piece.get("trackingNumber") or shipment.get("masterTrackingNumber") or "").strip()
        if not number:
            raise CarrierError("FedEx sent a label without a tracking number", "malformed")
        documents = [d for d in _list(piece.get("packageDocuments")) if d.get("encodedLabel")]
        if not documents:
            raise CarrierError("FedEx sent no label image", "malformed")
        completed = _dict(shipment, "completedShipmentDetail")
        return PurchasedLabel(
            tracking_number=number,
            label=_decode(documents[0]["encodedLabel"]),
            label_format=label_format,
            cost=_shipment_cost(completed, piece) or rate.amount,
            service=rate.service,
            carrier_shipment_id=str(shipment.get("masterTrackingNumber") or number),
            tracking_url=self.tracking_url(number),
            estimated_delivery=_delivery_date(completed),
        )

    def find_label(self, reference: str) -> PurchasedLabel | None:
        return None  # see the module docstring: FedEx cannot hand a label back by reference

    def void(self, tracking_number: str) -> None:
        number = tracking_number.strip()
        body = self._call("PUT", CANCEL_PATH, json_body=payloads.cancel_request(number, self._require_account()))
        output = _dict(body, "output")
        if output.get("cancelledShipment") is not True:
            why = output.get("message") or output.get("successMessage") or "no confirmation in the answer"
            raise CarrierError(f"FedEx did not cancel {number} ({why})", "VOID_FAILED")

    # -- tracking ------------------------------------------------------------------------------

    def track(self, tracking_number: str) -> TrackingResult:
        number = tracking_number.strip().upper()
        found, missing = parse_all(self._call("POST", TRACK_PATH, json_body=payloads.track_request([number])))
        if number in found:
            return found[number]
        if found:
            return next(iter(found.values()))
        message = missing[0][1] if missing else f"FedEx has no tracking information for {number}"
        raise CarrierError(message, NOT_FOUND)

    def track_many(self, tracking_numbers: Sequence[str]) -> dict[str, TrackingResult]:
        out: dict[str, TrackingResult] = {}
        wanted = {n.strip().upper(): n for n in tracking_numbers}
        keys = list(wanted)
        for start in range(0, len(keys), TRACK_BATCH):
            batch = keys[start : start + TRACK_BATCH]
            found, _missing = parse_all(self._call("POST", TRACK_PATH, json_body=payloads.track_request(batch)))
            for key, tracked in found.items():
                if key in wanted:
                    out[wanted[key]] = tracked
        return out

    def tracking_url(self, tracking_number: str) -> str:
        return TRACKING_URL.format(number=tracking_number.strip())

    # -- addresses -----------------------------------------------------------------------------

    def validate_address(self, address: PostalAddress) -> AddressCheck:
        body = self._call("POST", ADDRESS_PATH, json_body=payloads.address_request(address))
        resolved = _list(_dict(body, "output").get("resolvedAddresses"))
        if not resolved:
            return AddressCheck(False, ("FedEx cannot find this address",))
        first = resolved[0]
        attributes = _dict(first, "attributes")
        messages = tuple(str(m.get("message") or m.get("code")) for m in _list(first.get("customerMessages")) if m)
        dpv = str(attributes.get("DPV", "")).lower()
        valid = dpv == "true" if dpv else str(attributes.get("Resolved", "")).lower() == "true"
        suggestion = _suggestion(first, address)
        if suggestion is not None and _same(suggestion, address):
            suggestion = None
        if not valid and not messages:
            messages = ("FedEx could not confirm this address; check the street and number",)
        return AddressCheck(valid, messages, suggestion)


# -- helpers ---------------------------------------------------------------------------------------


def _dict(value: Any, key: str) -> dict[str, Any]:
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _money(amount: Any, currency: Any) -> Money:
    try:
        return Money(Decimal(str(amount)), str(currency or "USD").upper())
    except (InvalidOperation, ValueError) as exc:
        raise CarrierError("FedEx sent a charge that is not a number", "malformed") from exc


def _best_charge(details: list[dict[str, Any]]) -> Money | None:
    """The account's own price when FedEx quotes it, else the list price."""
    priced = [d for d in details if d.get("totalNetCharge") is not None]
    if not priced:
        return None
    ranked = sorted(
        priced, key=lambda d: {"ACCOUNT": 0, "PREFERRED_CURRENCY": 1, "LIST": 2}.get(str(d.get("rateType")), 3)
    )
    best = ranked[0]
    currency = best.get("currency") or _dict(best, "shipmentRateDetail").get("currency")
    return _money(best["totalNetCharge"], currency)


def _transit_days(detail: dict[str, Any]) -> int | None:
    commit = _dict(detail, "commit")
    candidates = (
        _dict(commit, "transitDays").get("minimumTransitTime"),
        _dict(detail, "operationalDetail").get("transitTime"),
    )
    for value in candidates:
        word = str(value or "").upper().removesuffix("_DAYS").removesuffix("_DAY")
        if word in _DAY_WORDS:
            return _DAY_WORDS[word]
    return None


def _shipment_cost(completed: dict[str, Any], piece: dict[str, Any]) -> Money | None:
    for detail in _list(_dict(completed, "shipmentRating").get("shipmentRateDetails")):
        if detail.get("totalNetCharge") is not None:
            return _money(detail["totalNetCharge"], detail.get("currency"))
    if piece.get("netChargeAmount") is not None:
        return _money(piece["netChargeAmount"], piece.get("currency"))
    return None


def _delivery_date(completed: dict[str, Any]) -> datetime | None:
    operational = _dict(completed, "operationalDetail")
    text = str(operational.get("deliveryDate") or "")
    if not text:
        return None
    parsed = parse_time(text)
    if parsed is not None and len(text) <= 10:  # a bare date: promised by the end of that day
        parsed = parsed.replace(hour=_END_OF_DAY.hour, minute=_END_OF_DAY.minute)
    return parsed


def _decode(encoded: Any) -> bytes:
    try:
        return base64.b64decode(str(encoded), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CarrierError("FedEx sent a label that is not valid base64", "malformed") from exc


def _suggestion(resolved: dict[str, Any], original: PostalAddress) -> PostalAddress | None:
    lines = [str(x) for x in resolved.get("streetLinesToken") or [] if x]
    if not lines:
        return None
    return PostalAddress(
        name=original.name,
        company=original.company,
        line1=lines[0],
        line2=lines[1] if len(lines) > 1 else "",
        city=str(resolved.get("city") or original.city),
        state=str(resolved.get("stateOrProvinceCode") or original.state).upper(),
        postal_code=str(resolved.get("postalCode") or original.postal_code),
        country=str(resolved.get("countryCode") or original.country).upper(),
        phone=original.phone,
        email=original.email,
    )


def _same(a: PostalAddress, b: PostalAddress) -> bool:
    def norm(p: PostalAddress) -> tuple[str, ...]:
        return tuple(
            " ".join(x.upper().split()) for x in (p.line1, p.line2, p.city, p.state, p.postal_code[:5], p.country)
        )

    return norm(a) == norm(b)

"""The UPS adapter: OAuth client credentials, Rating (Shop), Shipping, Label Recovery, Void, Track, XAV.

API reference: https://developer.ups.com/api/reference (OAuth Client Credentials, Rating v2409,
Shipping v2409, Tracking v1, Address Validation v2), shapes checked against UPS's published OpenAPI
specs at github.com/UPS-API/api-documentation.

Rate limit: UPS publishes no per-second figure (it answers 429 "Quota Limit Exceeded" when an
application goes over its quota), so each bench paces itself at 5 requests/s: a parcel needs three or
four calls, and the tracking poller, which sends one number per call, cannot crowd the other benches
sharing the same application out of the quota.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from PIL import Image, UnidentifiedImageError

from shipstation_desktop.carriers.normalize import track_each
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest, billable_weight, require_within_limit
from shipstation_desktop.domain.units import GRAMS_PER, MM_PER, LengthUnit, Money, WeightUnit

from ..context import CarrierContext, LazyHttp
from ..http import CarrierHttp, OAuthClientCredentials
from ..port import AddressCheck, CarrierCapabilities, LabelRequest, PurchasedLabel, TrackingResult
from . import payloads
from .tracking import CARRIER_NAME, NOT_FOUND, TRACKING_URL, parse

CODE = "ups"
TOKEN_PATH = "/security/v1/oauth/token"
RATE_PATH = "/api/rating/v2409/Shop"
SHIP_PATH = "/api/shipments/v2409/ship"
VOID_PATH = "/api/shipments/v2409/void/cancel/{number}"
RECOVERY_PATH = "/api/labels/v1/recovery"
TRACK_PATH = "/api/track/v1/details/{number}"
XAV_PATH = "/api/addressvalidation/v2/1"  # request option 1 = address validation
TRANSACTION_SOURCE = "ShipStationDesktop"
REQUESTS_PER_SECOND = 5.0

# UPS's published divisor is 139 in³/lb. Kept as its exact metric equivalent (2.54³ cm³ per in³,
# 453.59237 g per lb: about 5021.7 cm³/kg) rather than rounded to 5000, so a box bills the same
# whole pound UPS's own invoice shows.
DIM_DIVISOR_IN3_PER_LB = Decimal(139)
DIM_DIVISOR_CM3_PER_KG = DIM_DIVISOR_IN3_PER_LB * (MM_PER[LengthUnit.IN] / 10) ** 3 / (GRAMS_PER[WeightUnit.LB] / 1000)
MAX_WEIGHT_GRAMS = Decimal(150) * GRAMS_PER[WeightUnit.LB]  # 150 lb (68 kg) per package
# UPS bills US/PR shipments up to the next whole pound and the rest of the world to the next half kilo.
BILLING_STEP_IMPERIAL_G = GRAMS_PER[WeightUnit.LB]
BILLING_STEP_METRIC_G = Decimal(500)

# Service code -> (name, business days used when UPS quotes no guarantee, e.g. Ground).
SERVICES: dict[str, tuple[str, int]] = {
    "01": ("UPS Next Day Air", 1),
    "02": ("UPS 2nd Day Air", 2),
    "03": ("UPS Ground", 5),
    "07": ("UPS Worldwide Express", 3),
    "08": ("UPS Worldwide Expedited", 5),
    "11": ("UPS Standard", 5),
    "12": ("UPS 3 Day Select", 3),
    "13": ("UPS Next Day Air Saver", 1),
    "14": ("UPS Next Day Air Early", 1),
    "54": ("UPS Worldwide Express Plus", 2),
    "59": ("UPS 2nd Day Air A.M.", 2),
    "65": ("UPS Worldwide Saver", 3),
}
_DEFAULT_DAYS = 5
_END_OF_DAY = time(23, 59)


class UpsCarrier:
    code: str = CODE
    name: str = CARRIER_NAME
    capabilities: CarrierCapabilities = CarrierCapabilities(
        max_weight_grams=MAX_WEIGHT_GRAMS,
        label_formats=(LabelFormat.ZPL, LabelFormat.PDF),
        dim_divisor_cm3_per_kg=DIM_DIVISOR_CM3_PER_KG,
        can_void=True,
        can_find_by_reference=True,  # Label Recovery takes a reference + shipper number
        can_validate_address=True,
        track_batch_size=1,  # the Track API answers one inquiry number per request
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
        extra = {"x-merchant-id": self._account} if self._account else {}
        self._auth = OAuthClientCredentials(TOKEN_PATH, client_id, client_secret, basic=True, extra_headers=extra)
        return self._ctx.http(CARRIER_NAME, auth=self._auth, per_second=REQUESTS_PER_SECOND)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        # transId must be unique per request (32 characters at most); transactionSrc names the caller.
        headers = {"transId": uuid7().replace("-", ""), "transactionSrc": TRANSACTION_SOURCE}
        return self._client().request(method, path, headers=headers, **kwargs)

    def _require_account(self) -> str:
        if not self._account:
            raise CarrierError(
                "UPS has no account (shipper) number set; add it in Preferences → Carriers", "credentials"
            )
        return self._account

    def close(self) -> None:
        self._http.close()

    # -- rates ---------------------------------------------------------------------------------

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        package = request.package
        require_within_limit(package.weight, MAX_WEIGHT_GRAMS, CARRIER_NAME)
        step = BILLING_STEP_IMPERIAL_G if payloads.imperial(request.ship_from) else BILLING_STEP_METRIC_G
        billable = billable_weight(package.weight, package.dimensions, DIM_DIVISOR_CM3_PER_KG, step)
        body = self._call("POST", RATE_PATH, json_body=payloads.rate_request(request, self._account))
        response = _dict(body, "RateResponse")
        out: list[Rate] = []
        for rated in _list(response.get("RatedShipment")):
            service = _dict(rated, "Service")
            code = str(service.get("Code") or "").strip()
            if not code:
                continue
            name, typical_days = SERVICES.get(code, (f"UPS service {code}", _DEFAULT_DAYS))
            charges = _dict(_dict(rated, "NegotiatedRateCharges"), "TotalCharge") or _dict(rated, "TotalCharges")
            out.append(
                Rate(
                    carrier=CODE,
                    service=code,
                    service_name=name,
                    amount=_money(charges),
                    transit_days=_int(_dict(rated, "GuaranteedDelivery").get("BusinessDaysInTransit"), typical_days),
                    billable_weight=billable,
                )
            )
        if not out and _list(response.get("RatedShipment")):
            raise CarrierError("UPS answered the rate request without any service", "malformed")
        return tuple(sorted(out, key=lambda r: (r.amount.amount, r.transit_days)))

    # -- labels --------------------------------------------------------------------------------

    def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        rate = request.rate
        if rate.carrier != CODE:
            raise CarrierError(f"A {rate.carrier} rate cannot be bought from UPS.", "WRONG_CARRIER")
        require_within_limit(request.request.package.weight, MAX_WEIGHT_GRAMS, CARRIER_NAME)
        account = self._require_account()
        label_format = LabelFormat.ZPL if request.label_format is LabelFormat.ZPL else LabelFormat.PDF
        body = self._call(
            "POST",
            SHIP_PATH,
            json_body=payloads.ship_request(
                request.request, rate.service, account, request.lookup_reference, label_format
            ),
        )
        results = _dict(_dict(body, "ShipmentResponse"), "ShipmentResults")
        packages = _list(results.get("PackageResults"))
        if not packages:
            raise CarrierError("UPS confirmed the shipment but sent no label; check the UPS account", "malformed")
        first = packages[0]
        number = str(first.get("TrackingNumber") or results.get("ShipmentIdentificationNumber") or "").strip()
        if not number:
            raise CarrierError("UPS sent a label without a tracking number", "malformed")
        label = _label_bytes(_dict(first, "ShippingLabel").get("GraphicImage"), label_format)
        charges = _dict(_dict(results, "NegotiatedRateCharges"), "TotalCharge") or _dict(
            _dict(results, "ShipmentCharges"), "TotalCharges"
        )
        return PurchasedLabel(
            tracking_number=number,
            label=label,
            label_format=label_format,
            cost=_money(charges) if charges else rate.amount,
            service=rate.service,
            carrier_shipment_id=str(results.get("ShipmentIdentificationNumber") or number),
            tracking_url=self.tracking_url(number),
            estimated_delivery=_business_days_ahead(self._ctx.clock.now(), rate.transit_days),
        )

    def find_label(self, reference: str) -> PurchasedLabel | None:
        """Label Recovery by our reference; None only when UPS says it has no such label.

        Label Recovery returns no charges, so the recovered label's cost is zero; the UPS invoice has it."""
        account = self._require_account()
        try:
            body = self._call(
                "POST", RECOVERY_PATH, json_body=payloads.recovery_request(reference, account, LabelFormat.ZPL)
            )
        except CarrierError as exc:
            if _is_no_such_label(exc):
                return None
            raise
        response = _dict(body, "LabelRecoveryResponse")
        results = _list(response.get("LabelResults"))
        if not results:
            return None
        first = results[0]
        number = str(first.get("TrackingNumber") or response.get("ShipmentIdentificationNumber") or "").strip()
        image = _dict(first, "LabelImage")
        if not number or not image.get("GraphicImage"):
            return None
        return PurchasedLabel(
            tracking_number=number,
            label=_label_bytes(image.get("GraphicImage"), LabelFormat.ZPL),
            label_format=LabelFormat.ZPL,
            cost=Money(Decimal(0), "USD"),
            service=number[8:10] if number.startswith("1Z") else "",  # the 1Z number carries the service code
            carrier_shipment_id=str(response.get("ShipmentIdentificationNumber") or number),
            tracking_url=self.tracking_url(number),
        )

    def void(self, tracking_number: str) -> None:
        number = tracking_number.strip().upper()
        body = self._call("DELETE", VOID_PATH.format(number=number))
        status = _dict(_dict(_dict(body, "VoidShipmentResponse"), "SummaryResult"), "Status")
        if str(status.get("Code") or "") != "1":
            why = status.get("Description") or "no confirmation in the answer"
            raise CarrierError(f"UPS did not void {number} ({why})", "VOID_FAILED")

    # -- tracking ------------------------------------------------------------------------------

    def track(self, tracking_number: str) -> TrackingResult:
        number = tracking_number.strip().upper()
        body = self._call(
            "GET",
            TRACK_PATH.format(number=number),
            params={"locale": "en_US", "returnSignature": "false"},
            ok_statuses=frozenset({404}),
        )
        if isinstance(body, dict) and body.get("_status") == 404:
            raise CarrierError(f"UPS has no tracking information for {number}", NOT_FOUND)
        return parse(body, number)

    def track_many(self, tracking_numbers: Sequence[str]) -> dict[str, TrackingResult]:
        return track_each(self.track, tracking_numbers, {NOT_FOUND})  # the Track API takes one number per call

    def tracking_url(self, tracking_number: str) -> str:
        return TRACKING_URL.format(number=tracking_number.strip().upper())

    # -- addresses -----------------------------------------------------------------------------

    def validate_address(self, address: PostalAddress) -> AddressCheck:
        if address.country.strip().upper() not in payloads.IMPERIAL_ORIGINS:
            # Street-level validation covers the US and Puerto Rico only; elsewhere UPS has nothing to say.
            return AddressCheck(True, ("UPS checks street addresses in the US and Puerto Rico only; not checked",))
        body = self._call("POST", XAV_PATH, json_body=payloads.address_request(address))
        response = _dict(body, "XAVResponse")
        candidates = [_candidate(c, address) for c in _list(response.get("Candidate"))]
        suggestion = next((c for c in candidates if c is not None), None)
        if "ValidAddressIndicator" in response:
            if suggestion is not None and _same(suggestion, address):
                suggestion = None
            return AddressCheck(True, (), suggestion)
        if "AmbiguousAddressIndicator" in response:
            return AddressCheck(False, ("UPS found several possible matches; pick the right one",), suggestion)
        return AddressCheck(False, ("UPS cannot find this address",), None)


# -- helpers ---------------------------------------------------------------------------------------


def _dict(value: Any, key: str) -> dict[str, Any]:
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    # UPS sends a lone element as an object in older versions and as an array from v2403 on.
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _money(charges: dict[str, Any]) -> Money:
    try:
        amount = Decimal(str(charges.get("MonetaryValue")))
        return Money(amount, str(charges.get("CurrencyCode") or "USD").upper())
    except (InvalidOperation, ValueError) as exc:
        raise CarrierError("UPS sent a charge that is not a number", "malformed") from exc


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _label_bytes(encoded: Any, label_format: LabelFormat) -> bytes:
    if not isinstance(encoded, str) or not encoded:
        raise CarrierError("UPS sent no label image", "malformed")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CarrierError("UPS sent a label that is not valid base64", "malformed") from exc
    return raw if label_format is LabelFormat.ZPL else gif_to_pdf(raw)


def gif_to_pdf(image: bytes) -> bytes:
    """UPS draws image labels as a landscape GIF; the bench prints PDFs on 4x6 in stock, portrait."""
    try:
        with Image.open(io.BytesIO(image)) as opened:
            page = opened.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise CarrierError("UPS sent a label image that cannot be read", "malformed") from exc
    if page.width > page.height:
        page = page.rotate(90, expand=True)
    # Scale so the whole label fits a 4 x 6 in page.
    dpi = max(page.width / 4, page.height / 6)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=dpi)
    return out.getvalue()


def _is_no_such_label(exc: CarrierError) -> bool:
    # Only an explicit "no record / not found" answer means the purchase never happened; anything else
    # (network, 5xx, auth) leaves the purchase unconfirmed so nobody buys a second label.
    # CarrierHttp words a plain 4xx refusal as "UPS: <UPS's message>"; 5xx, 429 and auth read differently.
    message = str(exc)
    if not message.startswith(f"{CARRIER_NAME}: "):
        return False
    text = message.lower()
    return any(words in text for words in ("not found", "no record", "does not exist", "no label"))


def _business_days_ahead(now: datetime, days: int) -> datetime:
    day = now.astimezone(UTC).date()
    left = max(1, days)
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return datetime.combine(day, _END_OF_DAY, tzinfo=UTC)


def _candidate(candidate: dict[str, Any], original: PostalAddress) -> PostalAddress | None:
    key = _dict(candidate, "AddressKeyFormat")
    lines = key.get("AddressLine")
    lines = [lines] if isinstance(lines, str) else [str(x) for x in lines or []]
    if not lines:
        return None
    postal = str(key.get("PostcodePrimaryLow") or "")
    if key.get("PostcodeExtendedLow"):
        postal = f"{postal}-{key['PostcodeExtendedLow']}"
    return PostalAddress(
        name=original.name,
        company=original.company,
        line1=lines[0],
        line2=lines[1] if len(lines) > 1 else "",
        city=str(key.get("PoliticalDivision2") or original.city),
        state=str(key.get("PoliticalDivision1") or original.state).upper(),
        postal_code=postal or original.postal_code,
        country=str(key.get("CountryCode") or original.country).upper(),
        phone=original.phone,
        email=original.email,
    )


def _same(a: PostalAddress, b: PostalAddress) -> bool:
    def norm(p: PostalAddress) -> tuple[str, ...]:
        return tuple(
            " ".join(x.upper().split()) for x in (p.line1, p.line2, p.city, p.state, p.postal_code[:5], p.country)
        )

    return norm(a) == norm(b)

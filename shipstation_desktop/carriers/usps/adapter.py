"""The USPS adapter: OAuth 2.0 + Payments 3.0 authorization, Domestic Prices 3.0, Domestic Labels 3.0,
Tracking 3.0 and Addresses 3.0.

API reference: https://developer.usps.com/apis (OAuth 2.0 v3, Payments v3, Domestic Prices v3, Domestic
Labels v3, Tracking v3, Addresses v3); request and answer shapes checked against USPS's own examples at
github.com/USPS/api-examples (README, domesticlabel-v3-request.json, domesticlabel-v3-response.json).

Domestic only: USPS quotes and labels international parcels through separate APIs (International
Prices / International Labels with a customs form), which this bench does not send; a quote abroad
simply has no USPS rates.

Rate limit: USPS gives new applications a quota of 60 calls an hour and raises it on request, so the
per-second figure is the account's business: `CarrierAccount.rate_limit_per_s` overrides the 1 call a
second paced here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from shipstation_desktop.carriers.normalize import track_each
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest, billable_weight, require_within_limit
from shipstation_desktop.domain.units import GRAMS_PER, MM_PER, LengthUnit, Money, Weight, WeightUnit

from ..context import CarrierContext
from ..http import CarrierHttp, OAuthClientCredentials
from ..port import AddressCheck, CarrierCapabilities, LabelRequest, PurchasedLabel, TrackingResult
from . import payloads
from .tracking import CARRIER_NAME, NOT_FOUND, TRACKING_URL, error_message, error_of, parse

CODE = "usps"
TOKEN_PATH = "/oauth2/v3/token"
PAYMENT_PATH = "/payments/v3/payment-authorization"
RATES_PATH = "/prices/v3/base-rates/search"
LABEL_PATH = "/labels/v3/label"
VOID_PATH = "/labels/v3/label/{number}"
TRACK_PATH = "/tracking/v3/tracking/{number}"
ADDRESS_PATH = "/addresses/v3/address"
SCOPE = "addresses prices labels tracking payments"
REQUESTS_PER_SECOND = 1.0
# USPS does not say how long a payment authorization lasts; it is renewed on a 401 and, so that a
# closed or emptied EPS account shows up promptly, at least hourly.
PAYMENT_TOKEN_MAX_AGE_S = 3600.0

# Priority Mail and Ground Advantage bill dimensional weight only for parcels over one cubic foot,
# at 166 in³/lb (DMM 123.1.4); kept as its exact metric equivalent (about 5997 cm³/kg).
DIM_DIVISOR_IN3_PER_LB = Decimal(166)
_CM3_PER_IN3 = (MM_PER[LengthUnit.IN] / 10) ** 3
DIM_DIVISOR_CM3_PER_KG = DIM_DIVISOR_IN3_PER_LB * _CM3_PER_IN3 / (GRAMS_PER[WeightUnit.LB] / 1000)
DIM_THRESHOLD_CM3 = Decimal(1728) * _CM3_PER_IN3
MAX_WEIGHT_GRAMS = Decimal(70) * GRAMS_PER[WeightUnit.LB]

# Mail class -> (name, the top of USPS's published delivery range in days, used as transit days).
MAIL_CLASSES: dict[str, tuple[str, int]] = {
    "USPS_GROUND_ADVANTAGE": ("USPS Ground Advantage", 5),  # 2-5 business days
    "PRIORITY_MAIL": ("Priority Mail", 3),  # 1-3 business days
    "PRIORITY_MAIL_EXPRESS": ("Priority Mail Express", 2),  # overnight to 2 days
}
# USPS's domestic network: the states plus the territories it serves at domestic prices.
DOMESTIC = frozenset({"US", "PR", "VI", "GU", "AS", "MP"})
_LABEL_IMAGE = {203: "ZPL203DPI", 300: "ZPL300DPI"}
_END_OF_DAY = time(23, 59)


def usps_error(body: Any) -> tuple[str, str | None] | None:
    return error_message(body)


class PaymentAuthorization:
    """Auth for Labels 3.0 calls: the OAuth bearer plus X-Payment-Authorization-Token.

    The payment token is fetched through the plain OAuth client (which refreshes its own token on a
    401) and cached; a 401 on a label call drops only the payment token, so the retry fetches a new
    one and, if the bearer had expired too, the payment call renews that on its way."""

    def __init__(self, oauth: OAuthClientCredentials, api: CarrierHttp, roles: list[dict[str, str]]) -> None:
        self._oauth = oauth
        self._api = api
        self._roles = roles
        self._token: str | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def headers(self, http: CarrierHttp) -> dict[str, str]:
        payment = self.token()
        return {**self._oauth.headers(self._api), "X-Payment-Authorization-Token": payment}

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def token(self) -> str:
        with self._lock:
            now = self._api.monotonic()
            if self._token is not None and now - self._fetched_at < PAYMENT_TOKEN_MAX_AGE_S:
                return self._token
            body = self._api.request("POST", PAYMENT_PATH, json_body={"roles": self._roles})
            token = body.get("paymentAuthorizationToken") if isinstance(body, dict) else None
            if not token:
                raise CarrierError(
                    "USPS sent no payment authorization; check the CRID, MID and EPS account number", "auth"
                )
            self._token = str(token)
            self._fetched_at = now
            self.fetches += 1
            return self._token


class UspsCarrier:
    code: str = CODE
    name: str = CARRIER_NAME
    capabilities: CarrierCapabilities = CarrierCapabilities(
        max_weight_grams=MAX_WEIGHT_GRAMS,
        label_formats=(LabelFormat.ZPL, LabelFormat.PDF),
        dim_divisor_cm3_per_kg=DIM_DIVISOR_CM3_PER_KG,
        can_void=True,  # an unused label is cancelled and refunded to the EPS account
        can_find_by_reference=False,  # Labels 3.0 has no search by customer reference
        can_validate_address=True,
        track_batch_size=1,  # Tracking 3.0 takes one number per call
        requests_per_second=REQUESTS_PER_SECOND,
    )

    def __init__(self, ctx: CarrierContext) -> None:
        self._ctx = ctx
        self._account = ctx.account.account.strip()
        self._lock = threading.Lock()
        self._http: CarrierHttp | None = None
        self._oauth: OAuthClientCredentials | None = None
        self._labels_http: CarrierHttp | None = None
        self._payment: PaymentAuthorization | None = None

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def oauth(self) -> OAuthClientCredentials:
        self._client()
        assert self._oauth is not None
        return self._oauth

    @property
    def payment(self) -> PaymentAuthorization:
        self._label_client()
        assert self._payment is not None
        return self._payment

    def _client(self) -> CarrierHttp:
        # Built on first use: a bench with USPS switched on but no secrets yet still starts, and the
        # first call says which credential is missing.
        with self._lock:
            if self._http is None:
                client_id = self._ctx.require("client_id", CARRIER_NAME)
                client_secret = self._ctx.require("client_secret", CARRIER_NAME)
                self._oauth = OAuthClientCredentials(TOKEN_PATH, client_id, client_secret, extra_form={"scope": SCOPE})
                self._http = self._ctx.http(
                    CARRIER_NAME, auth=self._oauth, per_second=REQUESTS_PER_SECOND, error_parser=usps_error
                )
            return self._http

    def _label_client(self) -> CarrierHttp:
        api = self._client()
        with self._lock:
            if self._labels_http is None:
                crid = self._ctx.require("crid", CARRIER_NAME)
                mid = self._ctx.require("mid", CARRIER_NAME)
                account = self._require_account()
                role = {"CRID": crid, "MID": mid, "manifestMID": mid, "accountType": "EPS", "accountNumber": account}
                roles = [{"roleName": "PAYER", **role}, {"roleName": "LABEL_OWNER", **role}]
                assert self._oauth is not None
                self._payment = PaymentAuthorization(self._oauth, api, roles)
                labels = self._ctx.http(
                    CARRIER_NAME, auth=self._payment, per_second=REQUESTS_PER_SECOND, error_parser=usps_error
                )
                labels.rate_limiter = api.rate_limiter  # one allowance for the whole USPS account
                self._labels_http = labels
            return self._labels_http

    def _require_account(self) -> str:
        if not self._account:
            raise CarrierError("USPS has no EPS account number set; add it in Preferences → Carriers", "credentials")
        return self._account

    def close(self) -> None:
        for client in (self._http, self._labels_http):
            if client is not None:
                client.close()

    def _today(self) -> str:
        return self._ctx.clock.now().astimezone(UTC).date().isoformat()

    # -- rates ---------------------------------------------------------------------------------

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        require_within_limit(request.package.weight, MAX_WEIGHT_GRAMS, CARRIER_NAME)
        if not (_domestic(request.ship_from) and _domestic(request.ship_to)):
            return []
        billable = usps_billable_weight(request)
        length, width, height = payloads.inches(request.package.dimensions)
        base = {
            "originZIPCode": payloads.zip5(request.ship_from.postal_code),
            "destinationZIPCode": payloads.zip5(request.ship_to.postal_code),
            "weight": float(payloads.pounds(request.package.weight)),
            "length": float(length),
            "width": float(width),
            "height": float(height),
            "processingCategory": "MACHINABLE",
            "destinationEntryFacilityType": "NONE",
            "rateIndicator": "SP",
            "priceType": "COMMERCIAL",
            "mailingDate": self._today(),
        }
        if self._account:
            base |= {"accountType": "EPS", "accountNumber": self._account}
        out: list[Rate] = []
        refusals: list[CarrierError] = []
        for mail_class, (service_name, days) in MAIL_CLASSES.items():
            # A class the parcel is not eligible for answers 400; the other classes still quote.
            body = self._client().request(
                "POST", RATES_PATH, json_body={**base, "mailClass": mail_class}, ok_statuses=frozenset({400, 404})
            )
            if isinstance(body, dict) and "_status" in body:
                refusals.append(_refusal(body))
                continue
            rate = _rate(body, mail_class, service_name, days, billable)
            if rate is not None:
                out.append(rate)
        if not out and refusals:
            raise refusals[0]
        return out

    # -- labels --------------------------------------------------------------------------------

    def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        package = request.request.package
        require_within_limit(package.weight, MAX_WEIGHT_GRAMS, CARRIER_NAME)
        if not (_domestic(request.request.ship_from) and _domestic(request.request.ship_to)):
            raise CarrierError("USPS labels from this bench are for domestic US parcels only", "international")
        zpl = request.label_format is LabelFormat.ZPL
        image_type = _LABEL_IMAGE.get(request.dpi, "ZPL203DPI") if zpl else "PDF"
        length, width, height = payloads.inches(package.dimensions)
        description: dict[str, Any] = {
            "mailClass": request.rate.service,
            "rateIndicator": "SP",
            "weightUOM": "lb",
            "weight": float(payloads.pounds(package.weight)),
            "dimensionsUOM": "in",
            "length": float(length),
            "width": float(width),
            "height": float(height),
            "processingCategory": "MACHINABLE",
            "mailingDate": self._today(),
            "destinationEntryFacilityType": "NONE",
            "customerReference": payloads.customer_references(request.lookup_reference, request.reference),
        }
        value = package.insurance or package.declared_value
        if value is not None:
            description["packageOptions"] = {"packageValue": float(value.amount)}
        body = {
            "imageInfo": {
                "imageType": image_type,
                "labelType": "4X6LABEL",
                "receiptOption": "NONE",
                "suppressPostage": False,
                "suppressMailDate": False,
                "returnLabel": False,
            },
            "toAddress": payloads.address(request.request.ship_to),
            "fromAddress": payloads.address(request.request.ship_from),
            "packageDescription": description,
        }
        raw = self._label_client().request(
            "POST",
            LABEL_PATH,
            json_body=body,
            expect_json=False,
            headers={"Accept": "multipart/form-data, application/json"},
        )
        answer = payloads.parse_label_answer(raw)
        meta = answer.metadata
        number = str(meta.get("trackingNumber") or "").strip()
        if not number:
            raise CarrierError("USPS answered the label request without a tracking number", "malformed")
        cost = _label_cost(meta) or request.rate.amount
        service = MAIL_CLASSES.get(request.rate.service, (request.rate.service_name, 0))[0]
        return PurchasedLabel(
            tracking_number=number,
            label=answer.image,
            label_format=LabelFormat.ZPL if zpl else LabelFormat.PDF,
            cost=cost,
            service=service,
            carrier_shipment_id=number,
            tracking_url=self.tracking_url(number),
            estimated_delivery=_commitment(meta),
        )

    def find_label(self, reference: str) -> PurchasedLabel | None:
        return None  # Labels 3.0 cannot search by reference; capabilities say so

    def void(self, tracking_number: str) -> None:
        number = tracking_number.strip().upper()
        self._label_client().request("DELETE", VOID_PATH.format(number=number))

    # -- tracking ------------------------------------------------------------------------------

    def track(self, tracking_number: str) -> TrackingResult:
        number = tracking_number.strip().upper()
        body = self._client().request(
            "GET", TRACK_PATH.format(number=number), params={"expand": "DETAIL"}, ok_statuses=frozenset({400, 404})
        )
        if isinstance(body, dict) and "_status" in body:
            inner = body.get("body")
            raise error_of(inner if isinstance(inner, dict) else {}, number, int(body["_status"]))
        return parse(body, number)

    def track_many(self, tracking_numbers: Sequence[str]) -> dict[str, TrackingResult]:
        return track_each(self.track, tracking_numbers, {NOT_FOUND})

    def tracking_url(self, tracking_number: str) -> str:
        return TRACKING_URL.format(number=tracking_number.strip().upper())

    # -- addresses -----------------------------------------------------------------------------

    def validate_address(self, address: PostalAddress) -> AddressCheck:
        if not _domestic(address):
            raise CarrierError("USPS checks US addresses only; use another carrier's check abroad", "international")
        params = {
            "streetAddress": address.line1.strip(),
            "city": address.city.strip(),
            "state": address.state.strip().upper(),
            "ZIPCode": payloads.zip5(address.postal_code),
        }
        optional = {"secondaryAddress": address.line2.strip(), "ZIPPlus4": payloads.zip4(address.postal_code)}
        params |= {k: v for k, v in optional.items() if v}
        body = self._client().request("GET", ADDRESS_PATH, params=params, ok_statuses=frozenset({400, 404}))
        if isinstance(body, dict) and "_status" in body:
            parsed = error_message(body.get("body"))
            message = parsed[0] if parsed else "USPS does not know this address"
            return AddressCheck(valid=False, messages=(message,))
        return _address_check(body, address)


def usps_billable_weight(request: RateRequest) -> Weight:
    """Actual weight, or dimensional weight when the box is over one cubic foot; in whole ounces up
    to a pound, then whole pounds (USPS price tables step that way)."""
    dimensions = request.package.dimensions
    if dimensions is not None and dimensions.volume_cm3() <= DIM_THRESHOLD_CM3:
        dimensions = None
    light = dimensions is None and request.package.weight.grams <= GRAMS_PER[WeightUnit.LB]
    step = GRAMS_PER[WeightUnit.OZ] if light else GRAMS_PER[WeightUnit.LB]
    return billable_weight(request.package.weight, dimensions, DIM_DIVISOR_CM3_PER_KG, step).to(WeightUnit.LB)


def _domestic(address: PostalAddress) -> bool:
    return address.country.strip().upper() in DOMESTIC


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _refusal(body: dict[str, Any]) -> CarrierError:
    parsed = error_message(body.get("body"))
    message, code = parsed if parsed else (f"request refused (HTTP {body['_status']})", None)
    return CarrierError(f"USPS: {message}", code or str(body["_status"]))


def _rate(body: Any, mail_class: str, service_name: str, days: int, billable: Weight) -> Rate | None:
    if not isinstance(body, dict):
        raise CarrierError("USPS sent a price answer that is not a JSON object", "malformed")
    rates = [r for r in body.get("rates") or [] if isinstance(r, dict)]
    price = _decimal(body.get("totalBasePrice"))
    if price is None and rates:
        price = _decimal(rates[0].get("price"))
    if price is None:
        return None
    sku = str(rates[0].get("SKU") or "") if rates else ""
    return Rate(
        carrier=CODE,
        service=mail_class,
        service_name=service_name,
        amount=Money(price, "USD"),
        transit_days=days,
        billable_weight=billable,
        rate_id=sku,
    )


def _label_cost(meta: dict[str, Any]) -> Money | None:
    postage = _decimal(meta.get("postage"))
    if postage is None:
        return None
    extras = [e for key in ("extraServices", "fees") for e in meta.get(key) or [] if isinstance(e, dict)]
    total = postage + sum((_decimal(e.get("price")) or Decimal(0) for e in extras), Decimal(0))
    return Money(total, "USD")


def _commitment(meta: dict[str, Any]) -> datetime | None:
    commitment = meta.get("commitment")
    day = commitment.get("scheduleDeliveryDate") if isinstance(commitment, dict) else None
    if not day:
        return None
    try:
        return datetime.combine(datetime.fromisoformat(str(day)[:10]).date(), _END_OF_DAY, tzinfo=UTC)
    except ValueError:
        return None


def _address_check(body: Any, original: PostalAddress) -> AddressCheck:
    if not isinstance(body, dict) or not isinstance(body.get("address"), dict):
        raise CarrierError("USPS sent an address answer without an address", "malformed")
    found = body["address"]
    info = body.get("additionalInfo") or body.get("addressAdditionalInfo") or {}
    dpv = str(info.get("DPVConfirmation") or "").upper() if isinstance(info, dict) else ""
    messages: list[str] = []
    for key in ("corrections", "addressCorrections"):
        for item in body.get(key) or []:
            if isinstance(item, dict) and item.get("text"):
                messages.append(str(item["text"]).strip())
    if dpv == "N":
        messages.append("USPS cannot confirm this address as a delivery point.")
    elif dpv == "D":
        messages.append("The apartment or suite number is missing.")
    elif dpv == "S":
        messages.append("The apartment or suite number could not be confirmed.")
    zip_code = str(found.get("ZIPCode") or "").strip()
    plus4 = str(found.get("ZIPPlus4") or "").strip()
    suggestion = PostalAddress(
        name=original.name,
        company=original.company,
        line1=str(found.get("streetAddress") or original.line1).strip(),
        line2=str(found.get("secondaryAddress") or "").strip(),
        city=str(found.get("city") or original.city).strip(),
        state=str(found.get("state") or original.state).strip(),
        postal_code=f"{zip_code}-{plus4}" if zip_code and plus4 else zip_code or original.postal_code,
        country=original.country,
        phone=original.phone,
        email=original.email,
    )
    return AddressCheck(
        valid=dpv != "N",
        messages=tuple(dict.fromkeys(messages)),
        suggestion=None if _same(suggestion, original) else suggestion,
    )


def _same(a: PostalAddress, b: PostalAddress) -> bool:
    def norm(p: PostalAddress) -> tuple[str, ...]:
        return tuple(" ".join(v.upper().split()) for v in (p.line1, p.line2, p.city, p.state, p.postal_code))

    return norm(a) == norm(b)

"""A carrier that lives only in this process: rates, labels and tracking for the demo bench and tests.

Everything a real carrier decides (prices, tracking numbers, the parcel's journey) is derived from the
inputs and a seed, so tests get repeatable answers and the demo bench still looks alive.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import pycountry

from shipstation_desktop.carriers.port import (
    AddressCheck,
    CarrierCapabilities,
    CarrierEvent,
    LabelRequest,
    PurchasedLabel,
    TrackingResult,
)
from shipstation_desktop.carriers.tracking_numbers import is_valid_ups, ups_check_digit
from shipstation_desktop.domain.clock import Clock, ensure_utc
from shipstation_desktop.domain.enums import ExceptionType, LabelFormat, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest, billable_weight, require_within_limit
from shipstation_desktop.domain.units import Money, Weight

# (label request, tracking number, format) -> label bytes. The lead wires labels.render_label here;
# carriers must not import labels/ (sibling packages in the import-linter layers).
LabelRenderer = Callable[[LabelRequest, str, LabelFormat], bytes]
# tracking number -> when we bought its label (from the database), so tracking survives a restart.
CreatedAtLookup = Callable[[str], datetime | None]

_BILLING_STEP_GRAMS = Decimal(500)
_CENT = Decimal("0.01")
_SHIPPER_PREFIX = "SIM"


@dataclass(frozen=True, slots=True)
class _Service:
    code: str  # Rate.service
    name: str
    base: Decimal  # USD per parcel
    per_kg: Decimal  # USD per billable kg
    transit_days: int
    international: bool
    ups_code: str  # the 2 digits inside the 1Z number; lets track() recover the service from the number


_SERVICES: tuple[_Service, ...] = (
    _Service("GROUND", "Ground", Decimal("7.95"), Decimal("0.95"), 5, False, "03"),
    _Service("EXPRESS", "Express", Decimal("16.50"), Decimal("2.10"), 2, False, "02"),
    _Service("OVERNIGHT", "Overnight", Decimal("29.00"), Decimal("3.60"), 1, False, "01"),
    # Abroad takes longer and there is no overnight service, as with real carriers.
    _Service("GROUND", "Ground International", Decimal("7.95"), Decimal("0.95"), 8, True, "11"),
    _Service("EXPRESS", "Express International", Decimal("16.50"), Decimal("2.10"), 4, True, "07"),
)
_SERVICE_BY_UPS_CODE = {s.ups_code: s for s in _SERVICES}

_ZONE_STEP = Decimal("0.08")  # +8 % per domestic zone
_INTERNATIONAL_FACTOR = Decimal("3.0")
_INTERNATIONAL_SURCHARGE = Decimal("14.00")  # customs paperwork
_INSURANCE_FREE_UP_TO = Decimal(100)  # like most carriers, the first 100 USD of value is covered
_INSURANCE_PER_100 = Decimal("1.15")

_US_CITIES = (
    "Austin, TX",
    "Denver, CO",
    "Columbus, OH",
    "Portland, OR",
    "Nashville, TN",
    "Raleigh, NC",
    "Phoenix, AZ",
    "Minneapolis, MN",
    "Sacramento, CA",
    "Boston, MA",
)
_US_HUBS = (
    "Louisville, KY",
    "Memphis, TN",
    "Indianapolis, IN",
    "Dallas, TX",
    "Hodgkins, IL",
    "Atlanta, GA",
    "Ontario, CA",
    "Philadelphia, PA",
)
# (destination city, import hub)
_ABROAD = (
    ("Lyon, FR", "Paris, FR"),
    ("Leeds, GB", "East Midlands, GB"),
    ("Munich, DE", "Cologne, DE"),
    ("Osaka, JP", "Tokyo, JP"),
    ("Toronto, ON, CA", "Hamilton, ON, CA"),
    ("Melbourne, AU", "Sydney, AU"),
)
_PROOF_OF_DELIVERY = ("left at front door", "handed to resident", "left at reception", "left in parcel locker")

_EXCEPTIONS = (
    ExceptionType.WEATHER_DELAY,
    ExceptionType.DELIVERY_FAILED,
    ExceptionType.ADDRESS_ISSUE,
    ExceptionType.DAMAGED_IN_TRANSIT,
)
_EXCEPTION_TEXT = {
    ExceptionType.WEATHER_DELAY: ("WX", "Severe weather delayed the package; it moves on when conditions allow"),
    ExceptionType.ADDRESS_ISSUE: ("AI", "Address incomplete; the carrier is contacting the recipient"),
    ExceptionType.DAMAGED_IN_TRANSIT: ("DM", "Package damaged in handling; contents repackaged"),
    ExceptionType.DELIVERY_FAILED: ("DF", "Delivery attempted, nobody available; second attempt next day"),
}
_LATE_PROBABILITY = 0.15  # a plain one-day slip without any exception event, as happens in real life
_END_OF_DAY = time(23, 59)
_FIRST_DELIVERY_ROUND = time(14, 0)  # UTC; morning in the Americas

_US_ZIP = re.compile(r"[0-9]{5}(-[0-9]{4})?")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True, slots=True)
class _Timeline:
    events: tuple[CarrierEvent, ...]  # oldest first, including events still in the future
    picked_up_at: datetime
    promised: datetime  # end of the day first promised
    delivered_at: datetime
    origin: str
    signed_by: str = ""


@dataclass(slots=True)
class _Purchase:
    label: PurchasedLabel
    created_at: datetime


class SimulatedCarrier:
    """A CarrierPort with no network: deterministic for a given seed, clock and request."""

    code: str = "simulated"
    name: str = "Simulated Carrier"
    capabilities: CarrierCapabilities = CarrierCapabilities(
        max_weight_grams=Decimal(68000),
        label_formats=(LabelFormat.ZPL, LabelFormat.PDF),
        dim_divisor_cm3_per_kg=Decimal(5000),
        can_void=True,
        can_find_by_reference=True,
        can_validate_address=True,
        track_batch_size=25,
        requests_per_second=50.0,
    )

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int | None = None,
        exception_rate: float = 0.08,
        fail_next_purchase: str | None = None,
        fail_after_purchase: bool = False,
        label_renderer: LabelRenderer | None = None,
        label_format: LabelFormat = LabelFormat.ZPL,
        created_at_lookup: CreatedAtLookup | None = None,
    ) -> None:
        if not 0.0 <= exception_rate <= 1.0:
            raise ValueError(f"exception_rate must be between 0 and 1, got {exception_rate}")
        if label_format is LabelFormat.PDF and label_renderer is None:
            # The built-in fallback writes ZPL only; calling that a PDF would break the preview and printer.
            raise ValueError("a PDF label format needs a label_renderer")
        self._clock = clock
        self.exception_rate = exception_rate
        # Both failure switches are one-shot, so a test can fail one purchase and then retry.
        self.fail_next_purchase = fail_next_purchase
        self.fail_after_purchase = fail_after_purchase
        self.label_format = label_format
        self._renderer = label_renderer
        self._created_at_lookup = created_at_lookup
        self._rng = random.Random(seed)  # None seeds from the OS, so demo restarts don't reuse numbers
        self._shipper = f"{_SHIPPER_PREFIX}{self._rng.randrange(1000):03d}"
        # Bench workers may call in parallel; the counters and maps below are the shared state.
        self._lock = threading.Lock()
        self._issued: set[str] = set()
        self._purchases: dict[str, _Purchase] = {}
        self._by_reference: dict[str, str] = {}
        self._voided: dict[str, datetime] = {}

    # -- rates ---------------------------------------------------------------------------------

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        package = request.package
        require_within_limit(package.weight, self.capabilities.max_weight_grams, self.name)
        billable = billable_weight(
            package.weight, package.dimensions, self.capabilities.dim_divisor_cm3_per_kg, _BILLING_STEP_GRAMS
        )
        international = _is_international(request.ship_from, request.ship_to)
        if international:
            factor, surcharge = _INTERNATIONAL_FACTOR, _INTERNATIONAL_SURCHARGE
        else:
            factor, surcharge = 1 + _ZONE_STEP * _zone(request.ship_from, request.ship_to), Decimal(0)
        fee = _insurance_fee(request)
        kg = billable.grams / 1000
        out: list[Rate] = []
        for service in _SERVICES:
            if service.international != international:
                continue
            amount = ((service.base + service.per_kg * kg) * factor + surcharge + fee).quantize(
                _CENT, rounding=ROUND_HALF_UP
            )
            out.append(
                Rate(
                    carrier=self.code,
                    service=service.code,
                    service_name=service.name,
                    amount=Money(amount, "USD"),
                    transit_days=service.transit_days,
                    billable_weight=billable,
                    rate_id=_rate_id(service, request, billable, amount),
                )
            )
        return tuple(out)

    # -- labels --------------------------------------------------------------------------------

    def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        with self._lock:
            if self.fail_next_purchase is not None:
                message, self.fail_next_purchase = self.fail_next_purchase, None
                raise CarrierError(message, code="SIMULATED_FAILURE")
        rate = request.rate
        if rate.carrier != self.code:
            raise CarrierError(f"A {rate.carrier} rate cannot be bought from {self.name}.", code="WRONG_CARRIER")
        # A rate is only good for the parcel it was quoted for; a changed weight or box needs a new quote.
        if rate.rate_id not in {r.rate_id for r in self.rates(request.request)}:
            raise CarrierError("The rate no longer matches this parcel; get rates again.", code="RATE_MISMATCH")
        service = _service(rate.service, _is_international(request.request.ship_from, request.request.ship_to))
        number = self._reserve_tracking_number(service)
        label_format = self.label_format
        if self._renderer is not None:
            label_bytes = self._renderer(request, number, label_format)
        else:
            label_bytes = _minimal_zpl(request, number, f"{self.name} {service.name}")
        created_at = ensure_utc(self._clock.now())
        label = PurchasedLabel(
            tracking_number=number,
            label=label_bytes,
            label_format=label_format,
            cost=rate.amount,
            service=rate.service,
            carrier_shipment_id=f"simship_{number[2:]}",
            tracking_url=self.tracking_url(number),
            estimated_delivery=_promised(created_at, service),
        )
        with self._lock:
            self._purchases[number] = _Purchase(label, created_at)
            if request.lookup_reference:
                self._by_reference[request.lookup_reference] = number
            lose_response, self.fail_after_purchase = self.fail_after_purchase, False
        if lose_response:
            # Deliberately not a CarrierError: the carrier did not refuse, the outcome is unknown, and
            # the caller must reconcile by reference (ARCHITECTURE §5) rather than treat it as "not bought".
            raise TimeoutError(f"{self.name} did not answer after the purchase was sent ({request.lookup_reference})")
        return label

    def find_label(self, reference: str) -> PurchasedLabel | None:
        """The live (not voided) label last bought under `reference`, if any."""
        with self._lock:
            number = self._by_reference.get(reference)
            if number is None or number in self._voided:
                return None
            return self._purchases[number].label

    @property
    def purchases(self) -> tuple[PurchasedLabel, ...]:
        """Every label bought in this process, oldest first (tests count these to prove no double buy)."""
        with self._lock:
            return tuple(p.label for p in self._purchases.values())

    def void(self, tracking_number: str) -> None:
        number = tracking_number.strip().upper()
        created_at = self._created_at(number)
        now = ensure_utc(self._clock.now())
        picked_up_at = self._timeline(number, created_at).picked_up_at
        with self._lock:
            if number in self._voided:
                raise CarrierError(f"Label {number} is already voided.", code="ALREADY_VOIDED")
            if now >= picked_up_at:
                raise CarrierError(
                    f"Label {number} cannot be voided: the parcel was picked up {picked_up_at:%Y-%m-%d %H:%M} UTC.",
                    code="VOID_NOT_ALLOWED",
                )
            self._voided[number] = now

    # -- tracking ------------------------------------------------------------------------------

    def track(self, tracking_number: str) -> TrackingResult:
        number = tracking_number.strip().upper()
        created_at = self._created_at(number)
        now = ensure_utc(self._clock.now())
        timeline = self._timeline(number, created_at)
        with self._lock:
            voided_at = self._voided.get(number)
        if voided_at is not None:
            events = [e for e in timeline.events if e.status is ShipmentStatus.LABEL_CREATED and e.time <= now]
            events.append(
                CarrierEvent(voided_at, ShipmentStatus.CANCELLED, "VD", "Label voided by the shipper", timeline.origin)
            )
            return TrackingResult(number, ShipmentStatus.CANCELLED, tuple(reversed(events)))
        visible = [e for e in timeline.events if e.time <= now]
        status = visible[-1].status if visible else ShipmentStatus.LABEL_CREATED
        delivered = status is ShipmentStatus.DELIVERED
        delayed = any(e.exception is not None for e in visible) or now > timeline.promised
        estimate = timeline.promised
        if delivered or delayed:
            estimate = _at(timeline.delivered_at.date(), _END_OF_DAY)
        return TrackingResult(
            tracking_number=number,
            status=status,
            events=tuple(reversed(visible)),
            estimated_delivery=estimate,
            delivered_at=timeline.delivered_at if delivered else None,
            signed_by=timeline.signed_by if delivered else "",
        )

    def track_many(self, tracking_numbers: Sequence[str]) -> dict[str, TrackingResult]:
        out: dict[str, TrackingResult] = {}
        for number in tracking_numbers:
            try:
                out[number] = self.track(number)
            except CarrierError:
                continue  # unknown to this carrier: left out, as the protocol says
        return out

    def tracking_url(self, tracking_number: str) -> str:
        # .invalid is reserved (RFC 2606): the link can never reach somebody's real site.
        return f"https://simulated-carrier.invalid/track/{tracking_number}"

    # -- addresses -----------------------------------------------------------------------------

    def validate_address(self, address: PostalAddress) -> AddressCheck:
        country = address.country.strip().upper()
        postal = address.postal_code.strip().upper()
        state = address.state.strip()
        if country == "US":
            state = state.upper()
            digits = postal.replace(" ", "").replace("-", "")
            if len(digits) == 9 and digits.isdigit():
                postal = f"{digits[:5]}-{digits[5:]}"
        cleaned = replace(
            address,
            name=address.name.strip(),
            line1=address.line1.strip(),
            line2=address.line2.strip(),
            city=address.city.strip(),
            state=state,
            postal_code=postal,
            country=country,
        )
        messages: list[str] = []
        if not cleaned.line1:
            messages.append("Street address (line 1) is missing.")
        if not cleaned.city:
            messages.append("City is missing.")
        if not postal:
            messages.append("Postal code is missing.")
        if not _COUNTRY.fullmatch(country):
            messages.append("Country must be a two-letter ISO code such as US or DE.")
        elif pycountry.countries.get(alpha_2=country) is None:
            messages.append(f"{country} is not an ISO country code.")
        if country == "US" and postal and not _US_ZIP.fullmatch(postal):
            messages.append("A US ZIP code is 5 digits or ZIP+4 (12345 or 12345-6789).")
        return AddressCheck(
            valid=not messages,
            messages=tuple(messages),
            suggestion=cleaned if cleaned != address else None,
        )

    # -- internals -----------------------------------------------------------------------------

    def _reserve_tracking_number(self, service: _Service) -> str:
        with self._lock:
            while True:
                body = f"{self._shipper}{service.ups_code}{self._rng.randrange(10**7):07d}"
                number = f"1Z{body}{ups_check_digit(body)}"
                if number not in self._issued:
                    self._issued.add(number)
                    return number

    def _created_at(self, number: str) -> datetime:
        if not (is_valid_ups(number) and number[2:5] == _SHIPPER_PREFIX and number[8:10] in _SERVICE_BY_UPS_CODE):
            raise CarrierError(f"{number} is not a {self.name} tracking number.", code="INVALID_TRACKING_NUMBER")
        with self._lock:
            purchase = self._purchases.get(number)
        if purchase is not None:
            return purchase.created_at
        found = self._created_at_lookup(number) if self._created_at_lookup is not None else None
        if found is None:
            raise CarrierError(f"Unknown tracking number {number} at {self.name}.", code="UNKNOWN_TRACKING_NUMBER")
        return ensure_utc(found)

    def _timeline(self, number: str, created_at: datetime) -> _Timeline:
        return _build_timeline(number, created_at, _SERVICE_BY_UPS_CODE[number[8:10]], self.exception_rate)


def _build_timeline(number: str, created_at: datetime, service: _Service, exception_rate: float) -> _Timeline:
    """The parcel's whole journey, past and future, seeded by the tracking number alone."""
    rng = random.Random(int.from_bytes(hashlib.sha256(number.encode()).digest()[:8], "big"))
    # Every draw happens in a fixed order whatever the outcome, so one number always tells the same story.
    exception_roll = rng.random()
    exception_kind = rng.choice(_EXCEPTIONS)
    running_late = rng.random() < _LATE_PROBABILITY
    pickup_after = timedelta(minutes=rng.randint(3 * 60, 6 * 60))
    origin = rng.choice(_US_CITIES)
    destination, import_hub = rng.choice(_ABROAD)
    if not service.international:
        destination = rng.choice([c for c in _US_CITIES if c != origin])
    hubs = rng.sample(_US_HUBS, 2)
    scan_count = rng.randint(2, 4)
    scan_jitter = [rng.uniform(0.1, 0.9) for _ in range(4)]
    exception_fraction = rng.uniform(0.3, 0.7)
    attempt_offset = timedelta(minutes=rng.randint(0, 8 * 60))
    out_for_delivery_lead = timedelta(minutes=rng.randint(2 * 60, 5 * 60))
    proof = rng.choice(_PROOF_OF_DELIVERY)

    exception = exception_kind if exception_roll < exception_rate else None
    delayed_in_transit = exception is not None and exception is not ExceptionType.DELIVERY_FAILED
    delay_days = int(running_late) + int(delayed_in_transit)

    picked_up = _minute(created_at + pickup_after)
    promised = _promised(created_at, service)
    first_attempt = _at(promised.date() + timedelta(days=delay_days), _FIRST_DELIVERY_ROUND) + attempt_offset
    # Keep room for the scans even when a late-evening label meets an overnight promise.
    first_attempt = max(first_attempt, picked_up + timedelta(hours=12))
    first_out = first_attempt - out_for_delivery_lead

    events: list[CarrierEvent] = [
        CarrierEvent(created_at, ShipmentStatus.LABEL_CREATED, "MP", "Label created; not yet handed over", origin),
        CarrierEvent(picked_up, ShipmentStatus.PICKED_UP, "PU", "Picked up", origin),
    ]
    if service.international:
        stops = [
            ("Departed origin facility", origin),
            ("Export scan", hubs[0]),
            ("Import scan; cleared customs", import_hub),
            ("Arrived at destination facility", destination),
        ]
    else:
        stops = [("Departed origin facility", origin), ("Arrived at hub", hubs[0]), ("Arrived at hub", hubs[1])]
        stops = [*stops[: scan_count - 1], ("Arrived at destination facility", destination)]
    window_start = picked_up + timedelta(hours=1)
    window = (first_out - timedelta(hours=1)) - window_start
    # One scan per equal slice of the window, jittered inside its slice, so scans never bunch up.
    scans = [
        CarrierEvent(
            _minute(window_start + window * ((index + scan_jitter[index]) / len(stops))),
            ShipmentStatus.IN_TRANSIT,
            "IT",
            text,
            where,
        )
        for index, (text, where) in enumerate(stops)
    ]
    events.extend(scans)

    if delayed_in_transit and exception is not None:
        when = _minute(window_start + window * exception_fraction)
        where = destination if exception is ExceptionType.ADDRESS_ISSUE else _last_location(scans, when, origin)
        code, text = _EXCEPTION_TEXT[exception]
        events.append(CarrierEvent(when, ShipmentStatus.IN_TRANSIT, code, text, where, exception))

    delivered_at = first_attempt
    events.append(CarrierEvent(first_out, ShipmentStatus.OUT_FOR_DELIVERY, "OD", "Out for delivery", destination))
    if exception is ExceptionType.DELIVERY_FAILED:
        code, text = _EXCEPTION_TEXT[exception]
        events.append(CarrierEvent(first_attempt, ShipmentStatus.OUT_FOR_DELIVERY, code, text, destination, exception))
        delivered_at = first_attempt + timedelta(days=1)
        events.append(
            CarrierEvent(
                first_out + timedelta(days=1), ShipmentStatus.OUT_FOR_DELIVERY, "OD", "Out for delivery", destination
            )
        )
    events.append(CarrierEvent(delivered_at, ShipmentStatus.DELIVERED, "DL", f"Delivered; {proof}", destination))

    events.sort(key=lambda e: e.time)  # stable: same-minute events keep their story order
    return _Timeline(
        events=tuple(events),
        picked_up_at=picked_up,
        promised=promised,
        delivered_at=delivered_at,
        origin=origin,
        signed_by="RESIDENT" if proof == "handed to resident" else "",  # carriers print the signer in capitals
    )


def _last_location(scans: Sequence[CarrierEvent], when: datetime, default: str) -> str:
    earlier = [s.location for s in scans if s.time <= when]
    return earlier[-1] if earlier else default


def _promised(created_at: datetime, service: _Service) -> datetime:
    """The end of the day the service promises, counted in calendar days from the label."""
    return _at((created_at + timedelta(days=service.transit_days)).date(), _END_OF_DAY)


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=UTC)


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _is_international(ship_from: PostalAddress, ship_to: PostalAddress) -> bool:
    return ship_from.country.strip().upper() != ship_to.country.strip().upper()


def _zone(ship_from: PostalAddress, ship_to: PostalAddress) -> int:
    """0 for the same 3-character postal prefix, else 1-10 by how far apart the leading digits are."""
    a = ship_from.postal_code.strip().upper()
    b = ship_to.postal_code.strip().upper()
    if len(a) >= 3 and a[:3] == b[:3]:
        return 0
    if a[:1].isdigit() and b[:1].isdigit():
        # US ZIPs (and many others) rise from east to west, so the first digit is a rough distance.
        return 1 + abs(int(a[0]) - int(b[0]))
    return 4


def _insurance_fee(request: RateRequest) -> Decimal:
    # Face value whatever the currency: a simulation has no exchange rates.
    values = [m.amount for m in (request.package.declared_value, request.package.insurance) if m is not None]
    value = max(values, default=Decimal(0))
    if value <= _INSURANCE_FREE_UP_TO:
        return Decimal(0)
    hundreds = ((value - _INSURANCE_FREE_UP_TO) / 100).to_integral_value(rounding=ROUND_CEILING)
    return hundreds * _INSURANCE_PER_100


def _rate_id(service: _Service, request: RateRequest, billable: Weight, amount: Decimal) -> str:
    key = "|".join(
        (
            service.ups_code,
            request.ship_from.country.strip().upper(),
            request.ship_from.postal_code.strip().upper(),
            request.ship_to.country.strip().upper(),
            request.ship_to.postal_code.strip().upper(),
            str(billable.grams.normalize()),
            str(amount),
        )
    )
    return f"sim_{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _service(code: str, international: bool) -> _Service:
    for service in _SERVICES:
        if service.code == code and service.international == international:
            return service
    where = "abroad" if international else "at home"
    raise CarrierError(f"Simulated Carrier has no {code} service {where}.", code="UNKNOWN_SERVICE")


def _zpl_text(value: str) -> str:
    # ^ and ~ start ZPL commands; inside field data they would corrupt the label.
    return value.replace("^", " ").replace("~", " ")


def _minimal_zpl(request: LabelRequest, number: str, service_name: str) -> bytes:
    """A plain 4x6 in, 203 dpi label used until the real renderer is wired in."""
    ship_to = request.request.ship_to
    lines = [
        "^XA",
        "^CI28",  # field data is UTF-8
        "^PW812",
        "^LL1218",
        "^FO40,30^A0N,34,34^FDSIMULATED - NO POSTAGE^FS",
        f"^FO40,80^A0N,30,30^FD{_zpl_text(service_name)}^FS",
        "^FO40,140^A0N,24,24^FDSHIP TO:^FS",
    ]
    for index, text in enumerate(ship_to.lines()):
        lines.append(f"^FO60,{175 + index * 34}^A0N,30,30^FD{_zpl_text(text)}^FS")
    lines.append(f"^FO50,700^BY3^BCN,200,Y,N,N^FD{number}^FS")
    if request.reference:
        lines.append(f"^FO40,1080^A0N,26,26^FDREF {_zpl_text(request.reference)}^FS")
    lines.append("^XZ")
    return ("\n".join(lines) + "\n").encode("utf-8")

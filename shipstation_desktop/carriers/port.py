"""The carrier port: one protocol every carrier adapter (and the simulated carrier) implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from shipstation_desktop.domain.enums import ExceptionType, LabelFormat, ShipmentStatus
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest
from shipstation_desktop.domain.units import Money


@dataclass(frozen=True, slots=True)
class CarrierCapabilities:
    max_weight_grams: Decimal
    label_formats: tuple[LabelFormat, ...]
    dim_divisor_cm3_per_kg: Decimal
    can_void: bool = True
    can_find_by_reference: bool = False
    can_validate_address: bool = False
    # How many numbers one tracking call takes (FedEx 30, UPS 1) and the carrier's published request
    # rate; the tracking poller batches and paces by these.
    track_batch_size: int = 1
    requests_per_second: float = 5.0
    can_pickup: bool = False


@dataclass(frozen=True, slots=True)
class LabelRequest:
    rate: Rate
    request: RateRequest
    reference: str  # our order number, printed on the label for people
    label_format: LabelFormat = LabelFormat.ZPL  # what the bench's label printer speaks
    dpi: int = 203
    # Unique per purchase (a leased shipment number, or order number + purchase id): what the
    # carrier files the label under, so a look-up after a lost answer finds this purchase and never
    # another bench's label for the same order.
    purchase_reference: str = ""

    @property
    def lookup_reference(self) -> str:
        return self.purchase_reference or self.reference


@dataclass(frozen=True, slots=True)
class PurchasedLabel:
    tracking_number: str
    label: bytes
    label_format: LabelFormat
    cost: Money
    service: str
    carrier_shipment_id: str = ""
    tracking_url: str = ""
    estimated_delivery: datetime | None = None


@dataclass(frozen=True, slots=True)
class CarrierEvent:
    time: datetime
    status: ShipmentStatus
    code: str  # the carrier's raw code, kept
    description: str
    location: str = ""
    exception: ExceptionType | None = None


@dataclass(frozen=True, slots=True)
class TrackingResult:
    tracking_number: str
    status: ShipmentStatus
    events: tuple[CarrierEvent, ...] = field(default=())  # newest first
    estimated_delivery: datetime | None = None
    delivered_at: datetime | None = None
    # Delivery proof where the carrier returns it: who signed, and a link to (or id of) the photo.
    signed_by: str = ""
    proof_url: str = ""
    service: str = ""


@dataclass(frozen=True, slots=True)
class AddressCheck:
    valid: bool
    messages: tuple[str, ...] = ()
    suggestion: PostalAddress | None = None


class CarrierPort(Protocol):
    code: str
    name: str
    capabilities: CarrierCapabilities

    def rates(self, request: RateRequest) -> Sequence[Rate]: ...

    def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        """Buys a label. Not idempotent: callers record a purchase intent first (ARCHITECTURE §5)."""
        ...

    def find_label(self, reference: str) -> PurchasedLabel | None:
        """Looks a purchase up by our reference (for reconciling an unconfirmed purchase)."""
        ...

    def void(self, tracking_number: str) -> None: ...

    def track(self, tracking_number: str) -> TrackingResult: ...

    def track_many(self, tracking_numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """Tracks up to capabilities.track_batch_size numbers in one call; numbers the carrier does
        not know are left out of the answer (never an error for the whole batch)."""
        ...

    def validate_address(self, address: PostalAddress) -> AddressCheck: ...

    def tracking_url(self, tracking_number: str) -> str: ...


def close_adapter(port: object) -> None:
    """Closes an adapter's HTTP connections, if it holds any: its own close(), else its client's.
    (Not part of the protocol: the simulated carrier and tracking-only adapters hold nothing.)"""
    close = getattr(port, "close", None)
    if not callable(close):
        close = getattr(getattr(port, "http", None), "close", None)
    if callable(close):
        close()

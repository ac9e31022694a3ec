"""The bench's domain objects. Plain frozen-ish dataclasses: services return these, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .enums import (
    AddressType,
    AddressValidationStatus,
    CommunicationChannel,
    CommunicationDirection,
    CustomerSource,
    CustomerStatus,
    ExceptionSeverity,
    ExceptionType,
    LabelFormat,
    OrderStatus,
    ShipmentStatus,
    TimelineKind,
)
from .units import Dimensions, Money, Weight, WeightUnit


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """An address snapshot as printed on a label (seed 001 Address fields + company)."""

    name: str
    line1: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    line2: str = ""
    state: str = ""
    company: str = ""
    phone: str = ""  # E.164 when known
    email: str = ""

    def lines(self) -> list[str]:
        out = [self.name]
        if self.company:
            out.append(self.company)
        out.append(self.line1)
        if self.line2:
            out.append(self.line2)
        city = " ".join(p for p in (self.city, self.state, self.postal_code) if p)
        out.append(city)
        out.append(self.country)
        return out

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "company": self.company,
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "state": self.state,
            "postal_code": self.postal_code,
            "country": self.country,
            "phone": self.phone,
            "email": self.email,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> PostalAddress:
        keys = (
            "name",
            "company",
            "line1",
            "line2",
            "city",
            "state",
            "postal_code",
            "country",
            "phone",
            "email",
        )
        return cls(**{k: str(data.get(k) or "") for k in keys})


@dataclass(frozen=True, slots=True)
class Address:
    id: str
    customer_id: str
    type: AddressType
    is_default: bool
    recipient_name: str
    line1: str
    city: str
    state: str
    postal_code: str
    country: str
    line2: str = ""
    phone: str = ""
    validated_at: datetime | None = None
    # The carrier's verdict; an override keeps the address with a reason (services/customer_addresses.py).
    validation_status: AddressValidationStatus = AddressValidationStatus.UNVERIFIED
    validation_message: str = ""
    override_reason: str = ""
    validated_by: str = ""  # "carrier:<code>" for a carrier's verdict, the user's name for an override

    def postal(self, email: str = "") -> PostalAddress:
        return PostalAddress(
            name=self.recipient_name,
            line1=self.line1,
            line2=self.line2,
            city=self.city,
            state=self.state,
            postal_code=self.postal_code,
            country=self.country,
            phone=self.phone,
            email=email,
        )


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    email: str
    name: str
    status: CustomerStatus
    source: CustomerSource
    phone: str = ""
    external_id: str = ""
    tags: tuple[str, ...] = ()
    total_spent: Decimal = Decimal(0)
    order_count: int = 0
    average_order_value: Decimal = Decimal(0)
    first_order_date: datetime | None = None
    last_order_date: datetime | None = None
    created_at: datetime | None = None
    addresses: tuple[Address, ...] = ()
    date_of_birth: date | None = None
    gender: str = ""
    custom_fields: dict[str, Any] = field(default_factory=dict)
    version: int = 1
    updated_at: datetime | None = None
    deleted_at: datetime | None = None  # soft-deleted (also set on a customer merged into another)
    merged_into: str | None = None

    def default_address(self, purpose: AddressType = AddressType.SHIPPING) -> Address | None:
        """The default address for shipping (or billing): a BOTH default serves either."""
        for a in self.addresses:
            if a.is_default and a.type in (purpose, AddressType.BOTH):
                return a
        return None


@dataclass(frozen=True, slots=True)
class CustomerNote:
    id: str
    customer_id: str
    body: str
    author: str
    created_at: datetime
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class Communication:
    """One contact with the customer in the communications log."""

    id: str
    customer_id: str
    channel: CommunicationChannel
    direction: CommunicationDirection
    subject: str
    body: str
    occurred_at: datetime
    author: str = ""


@dataclass(frozen=True, slots=True)
class CustomerStatusChangeRecord:
    id: str
    customer_id: str
    previous_status: CustomerStatus
    status: CustomerStatus
    reason: str
    changed_by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a customer's timeline: orders, shipments, notes, communications, status changes."""

    kind: TimelineKind
    at: datetime
    title: str
    detail: str = ""
    ref_id: str = ""  # the order, shipment, note, communication or status change it is about


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    unit_weight_grams: Decimal


@dataclass(frozen=True, slots=True)
class OrderStatusChange:
    """Seed 002's order_status_history row."""

    id: str
    order_id: str
    status: OrderStatus
    previous_status: OrderStatus | None
    created_at: datetime
    created_by: str = ""
    source: str = "bench"
    status_details: str = ""
    tracking_number: str = ""
    carrier: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    order_number: str
    status: OrderStatus
    customer_id: str | None
    ship_to: PostalAddress
    lines: tuple[OrderLine, ...]
    total: Money
    created_at: datetime
    version: int = 1
    customer_name: str = ""
    customer_status: CustomerStatus | None = None
    expected_weight_grams: Decimal | None = None
    dimensions: Dimensions | None = None
    requested_service: str = ""
    history: tuple[OrderStatusChange, ...] = ()

    @property
    def expected_weight(self) -> Weight | None:
        if self.expected_weight_grams is None:
            return None
        return Weight(self.expected_weight_grams, WeightUnit.G)


@dataclass(frozen=True, slots=True)
class Package:
    """What is on the scale: weight, box dimensions and the value it carries."""

    weight: Weight
    dimensions: Dimensions | None = None
    declared_value: Money | None = None
    insurance: Money | None = None


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    id: str
    shipment_id: str
    status: ShipmentStatus
    description: str
    timestamp: datetime
    location: str = ""
    carrier_code: str = ""
    exception: ExceptionType | None = None


@dataclass(frozen=True, slots=True)
class ShipmentException:
    id: str
    shipment_id: str | None
    order_id: str | None
    type: ExceptionType
    severity: ExceptionSeverity
    description: str
    created_at: datetime
    resolution: str = ""
    resolved_at: datetime | None = None
    resolved_by: str = ""
    order_number: str = ""
    tracking_number: str = ""
    # The supervisor queue (services/exception_queue.py): who works on it, where it was raised, how often.
    bench_id: str = ""
    assigned_to: str = ""
    assigned_at: datetime | None = None
    occurrences: int = 1
    notes: tuple[ExceptionNote, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True, slots=True)
class ExceptionNote:
    """One entry of an exception's notes thread; kind says note, assignment, override or re-raise."""

    at: datetime
    by: str
    text: str
    kind: str = "note"


@dataclass(frozen=True, slots=True)
class Shipment:
    id: str
    order_id: str
    order_number: str
    carrier: str
    service: str
    tracking_number: str
    status: ShipmentStatus
    ship_from: PostalAddress
    ship_to: PostalAddress
    weight: Weight
    shipping_cost: Money
    created_at: datetime
    version: int = 1
    tracking_url: str = ""
    dimensions: Dimensions | None = None
    declared_value: Money | None = None
    insurance_amount: Money | None = None
    label_format: LabelFormat | None = None
    label_created_at: datetime | None = None
    label_path: str = ""
    billed_cost: Money | None = None  # from the carrier's invoice; shipping_cost is the quote
    billed_at: datetime | None = None
    estimated_delivery: datetime | None = None
    actual_delivery: datetime | None = None
    last_status_update: datetime | None = None
    delivery_signature: str = ""  # who signed, as the carrier reports it
    delivery_photo: str = ""  # the carrier's proof-of-delivery link or id
    events: tuple[TrackingEvent, ...] = field(default=())

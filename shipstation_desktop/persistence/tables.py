"""SQLAlchemy models of the local store. Synced tables carry the sync columns of ARCHITECTURE §2."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from shipstation_desktop.domain.ids import uuid7

from .pii import SealedJSON, SealedLookup, SealedText
from .types import DecimalText, UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        Decimal: DecimalText(),
        dict[str, Any]: JSON,
    }


class Synced:
    """Rows that must reach the center: every insert/update/delete of these writes an outbox row."""

    __synced__ = True

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    bench_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[datetime | None]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # Optimistic locking: every UPDATE checks and bumps `version`.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Customer(Synced, Base):
    __tablename__ = "customers"

    external_id: Mapped[str] = mapped_column(String(120), default="")
    # PII is sealed at rest (persistence/pii.py, ADR 0013): the ORM sees plain text, the file does not.
    email: Mapped[str] = mapped_column(SealedText())
    # Lower-cased, trimmed email: the identity used for uniqueness and for merging across benches.
    # Deterministically sealed so the unique index and equality lookups still work.
    email_normalized: Mapped[str] = mapped_column(SealedLookup())
    name: Mapped[str] = mapped_column(SealedText())
    phone: Mapped[str] = mapped_column(SealedText(), default="")
    date_of_birth: Mapped[str | None] = mapped_column(SealedText())
    gender: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    source: Mapped[str] = mapped_column(String(32), default="MANUAL")
    total_spent: Mapped[Decimal] = mapped_column(default=Decimal(0))
    order_count: Mapped[int] = mapped_column(default=0)
    average_order_value: Mapped[Decimal] = mapped_column(default=Decimal(0))
    first_order_date: Mapped[datetime | None]
    last_order_date: Mapped[datetime | None]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Free text from imports (notes, Shopify's company) lands here: sealed like the other PII.
    custom_fields: Mapped[dict[str, Any]] = mapped_column(SealedJSON(), default=dict)
    # Set when this customer was merged into another (then also soft-deleted): links keep resolving.
    merged_into: Mapped[str | None] = mapped_column(String(36))

    addresses: Mapped[list[Address]] = relationship(back_populates="customer", order_by="Address.created_at")

    __table_args__ = (
        Index("uq_customers_email", "email_normalized", unique=True, sqlite_where=text("deleted_at IS NULL")),
        Index("ix_customers_external_id", "external_id"),
        Index("ix_customers_last_order", "last_order_date"),
        Index("ix_customers_status", "status"),
    )


class Address(Synced, Base):
    __tablename__ = "addresses"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    type: Mapped[str] = mapped_column(String(16), default="SHIPPING")
    is_default: Mapped[bool] = mapped_column(default=False)
    recipient_name: Mapped[str] = mapped_column(SealedText())
    line1: Mapped[str] = mapped_column(SealedText())
    line2: Mapped[str] = mapped_column(SealedText(), default="")
    city: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(64), default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str] = mapped_column(SealedText(), default="")
    validated_at: Mapped[datetime | None]
    # The carrier's verdict (domain AddressValidationStatus) and, when the packer kept the address
    # anyway, why: validation never blocks, but an override is recorded.
    validation_status: Mapped[str] = mapped_column(String(16), default="UNVERIFIED")
    validation_message: Mapped[str] = mapped_column(Text, default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")
    validated_by: Mapped[str] = mapped_column(String(120), default="")

    customer: Mapped[Customer] = relationship(back_populates="addresses")


class Order(Synced, Base):
    __tablename__ = "orders"

    order_number: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    ship_to: Mapped[dict[str, Any]] = mapped_column(SealedJSON())
    total_amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    expected_weight_grams: Mapped[Decimal | None]
    length_mm: Mapped[Decimal | None]
    width_mm: Mapped[Decimal | None]
    height_mm: Mapped[Decimal | None]
    requested_service: Mapped[str] = mapped_column(String(64), default="")
    order_date: Mapped[datetime]
    # Failed delivery attempts the carrier reported, once per distinct tracking event (services/order_status.py).
    delivery_attempts: Mapped[int] = mapped_column(default=0)

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.created_at")
    customer: Mapped[Customer | None] = relationship()


class OrderLine(Synced, Base):
    __tablename__ = "order_lines"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]
    unit_weight_grams: Mapped[Decimal]

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderStatusHistory(Synced, Base):
    """Seed 002's order_status_history, plus the source (bench, carrier, sync, webhook)."""

    __tablename__ = "order_status_history"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    previous_status: Mapped[str | None] = mapped_column(String(32))
    status_details: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    estimated_delivery: Mapped[datetime | None]
    tracking_number: Mapped[str] = mapped_column(String(64), default="")
    carrier: Mapped[str] = mapped_column(String(32), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(16), default="bench")


class Shipment(Synced, Base):
    __tablename__ = "shipments"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(32), index=True)
    service: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str] = mapped_column(String(64), unique=True)
    tracking_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    last_status_update: Mapped[datetime | None]
    estimated_delivery: Mapped[datetime | None]
    # The first ETA the carrier gave (estimated_delivery follows tracking); on-time is judged against it.
    promised_delivery: Mapped[datetime | None]
    actual_delivery: Mapped[datetime | None]
    delivery_signature: Mapped[str] = mapped_column(String(200), default="")
    delivery_photo: Mapped[str] = mapped_column(String(500), default="")
    weight_grams: Mapped[Decimal]
    weight_value: Mapped[Decimal]
    weight_unit: Mapped[str] = mapped_column(String(4))
    length_mm: Mapped[Decimal | None]
    width_mm: Mapped[Decimal | None]
    height_mm: Mapped[Decimal | None]
    shipping_cost: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    insurance_amount: Mapped[Decimal | None]
    declared_value: Mapped[Decimal | None]
    # What the carrier's invoice charged (shipping_cost stays the frozen quote); None until billed.
    billed_cost: Mapped[Decimal | None]
    billed_at: Mapped[datetime | None]
    label_format: Mapped[str | None] = mapped_column(String(8))
    label_created_at: Mapped[datetime | None]
    label_path: Mapped[str] = mapped_column(String(500), default="")
    from_address: Mapped[dict[str, Any]]
    to_address: Mapped[dict[str, Any]] = mapped_column(SealedJSON())  # the customer's ship-to: PII, sealed
    return_address: Mapped[dict[str, Any] | None]
    # Set by the center when another bench shipped the same order with an earlier label: this one
    # is kept (its label must be voided) but is no longer the order's live shipment (docs/adr/0008).
    superseded_by: Mapped[str | None] = mapped_column(String(36))

    order: Mapped[Order] = relationship()

    __table_args__ = (
        # One live label per order: a second purchase is refused until the first is voided.
        Index(
            "uq_shipments_live_order",
            "order_id",
            unique=True,
            sqlite_where=text(
                "status NOT IN ('CANCELLED', 'PENDING') AND deleted_at IS NULL AND superseded_by IS NULL"
            ),
        ),
        Index("ix_shipments_created", "created_at"),
    )


class TrackingEvent(Synced, Base):
    """Append-only; the id is derived from (carrier, tracking number, time, code) so replays collide."""

    __tablename__ = "tracking_events"

    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipments.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(200), default="")
    timestamp: Mapped[datetime]
    carrier_code: Mapped[str] = mapped_column(String(64), default="")
    exception_type: Mapped[str | None] = mapped_column(String(32))
    raw_data: Mapped[dict[str, Any] | None]


class ShipmentException(Synced, Base):
    __tablename__ = "shipment_exceptions"

    shipment_id: Mapped[str | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str] = mapped_column(String(120), default="")
    # The supervisor queue (migration 0009): the open problem's identity (domain/exception_rules.dedup_key),
    # how often it was reported, and who works on it. Notes live in exception_queue_tables.ExceptionNote.
    dedup_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    assigned_to: Mapped[str] = mapped_column(String(120), default="")
    assigned_at: Mapped[datetime | None]


class LabelPurchase(Base):
    """Local purchase intent (ARCHITECTURE §5): committed PENDING before the carrier is called."""

    __tablename__ = "label_purchases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(32))
    service: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), index=True)
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    label_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    label_format: Mapped[str | None] = mapped_column(String(8))
    cost: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        # At most one unfinished purchase per order: a double click cannot start a second one.
        Index("uq_label_purchases_pending", "order_id", unique=True, sqlite_where=text("state = 'PENDING'")),
    )


class PrintLog(Base):
    __tablename__ = "print_log"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    shipment_id: Mapped[str | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    document: Mapped[str] = mapped_column(String(32))
    printer: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(500), default="")
    ok: Mapped[bool]
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class PrintJobRow(Base):
    """The print queue: every document to print is a row first, so a printer being away loses nothing.

    QUEUED waits for its printer; PRINTING is claimed by one worker (a crash leaves it for review,
    never for an automatic second print); PRINTED, FAILED (needs a person), CANCELLED are final
    until someone retries.
    """

    __tablename__ = "print_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    shipment_id: Mapped[str | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"))
    role: Mapped[str] = mapped_column(String(16))  # which printer: label | slip
    document: Mapped[str] = mapped_column(String(32))  # label | reprint | slip | batch
    name: Mapped[str] = mapped_column(String(120))  # tracking or order number
    format: Mapped[str] = mapped_column(String(8))  # the stored document's language
    data: Mapped[bytes] = mapped_column(LargeBinary)
    copies: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(16), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    printer: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    printed_at: Mapped[datetime | None]


class Outbox(Base):
    """Mutations waiting for the center, written in the same transaction as the change itself."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUIDv7 mutation id
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # local commit order; replay order
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    op: Mapped[str] = mapped_column(String(8))  # insert | update | delete
    base_version: Mapped[int | None]
    # The row's values, customers' included: sealed like the PII columns themselves.
    payload: Mapped[dict[str, Any]] = mapped_column(SealedJSON())
    changed: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class JobRow(Base):
    """The persistent job queue (shipstation_desktop/sync/jobs.py): PENDING waits for run_after,
    RUNNING is claimed by the worker, DONE and DEAD are final until a supervisor requeues."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    name: Mapped[str] = mapped_column(String(64))  # the registered handler that runs it
    payload: Mapped[dict[str, Any]]
    priority: Mapped[int]  # 0 urgent … 3 low
    state: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str | None] = mapped_column(String(120))  # one waiting job per key
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int]
    run_after: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_jobs_ready", "state", "priority", "run_after"),
        Index(
            "uq_jobs_pending_key",
            "dedupe_key",
            unique=True,
            sqlite_where=text("state = 'PENDING' AND dedupe_key IS NOT NULL"),
        ),
    )


class LocalMeta(Base):
    """Bench-local facts: bench id, demo flag, sync positions."""

    __tablename__ = "local_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class TrackingPoll(Base):
    """When the tracking poller next asks the carrier about a live shipment (local, never synced)."""

    __tablename__ = "tracking_polls"

    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True)
    next_poll_at: Mapped[datetime] = mapped_column(index=False)
    last_polled_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_tracking_polls_due", "next_poll_at"),)


# Models kept in modules of their own register on Base when imported. The synced ones must be known
# wherever SYNCED_TABLES is read (outbox, center rules, pull), so they are imported with this module,
# and SYNCED_TABLES is computed only once every model exists.
from . import (  # noqa: E402, F401
    analytics_tables,
    audit_tables,
    cost_tables,
    customer_tables,
    exception_queue_tables,
    inventory_tables,
    notification_tables,
    user_tables,
)

SYNCED_TABLES = tuple(m.class_ for m in Base.registry.mappers if getattr(m.class_, "__synced__", False))

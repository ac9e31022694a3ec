"""ORM rows to domain objects: services hand these out; no ORM object leaves a session."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import (
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
)
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit

from . import customer_tables
from . import tables as t


def _dims(length: Decimal | None, width: Decimal | None, height: Decimal | None) -> Dimensions | None:
    if length is None or width is None or height is None:
        return None
    return Dimensions(length, width, height, LengthUnit.MM)


def _money(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money(amount, currency)


def address(row: t.Address) -> dm.Address:
    return dm.Address(
        id=row.id,
        customer_id=row.customer_id,
        type=AddressType(row.type),
        is_default=row.is_default,
        recipient_name=row.recipient_name,
        line1=row.line1,
        line2=row.line2,
        city=row.city,
        state=row.state,
        postal_code=row.postal_code,
        country=row.country,
        phone=row.phone,
        validated_at=row.validated_at,
        validation_status=_validation_status(row.validation_status),
        validation_message=row.validation_message or "",
        override_reason=row.override_reason or "",
        validated_by=row.validated_by or "",
    )


def _validation_status(value: str | None) -> AddressValidationStatus:
    try:
        return AddressValidationStatus(value or AddressValidationStatus.UNVERIFIED)
    except ValueError:  # a newer bench's verdict this one does not know
        return AddressValidationStatus.UNVERIFIED


def _birthday(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def customer(row: t.Customer, with_addresses: bool = False) -> dm.Customer:
    return dm.Customer(
        id=row.id,
        email=row.email,
        name=row.name,
        status=CustomerStatus(row.status),
        source=CustomerSource(row.source) if row.source in CustomerSource.__members__ else CustomerSource.MANUAL,
        phone=row.phone,
        external_id=row.external_id,
        tags=tuple(row.tags or ()),
        total_spent=row.total_spent,
        order_count=row.order_count,
        average_order_value=row.average_order_value,
        first_order_date=row.first_order_date,
        last_order_date=row.last_order_date,
        created_at=row.created_at,
        addresses=tuple(address(a) for a in row.addresses if a.deleted_at is None) if with_addresses else (),
        date_of_birth=_birthday(row.date_of_birth),
        gender=row.gender or "",
        custom_fields=dict(row.custom_fields or {}),
        version=row.version,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        merged_into=row.merged_into,
    )


def customer_note(row: customer_tables.CustomerNote) -> dm.CustomerNote:
    return dm.CustomerNote(
        id=row.id,
        customer_id=row.customer_id,
        body=row.body,
        author=row.author,
        created_at=row.created_at,
        pinned=row.pinned,
    )


def communication(row: customer_tables.CustomerCommunication) -> dm.Communication:
    return dm.Communication(
        id=row.id,
        customer_id=row.customer_id,
        channel=CommunicationChannel(row.channel)
        if row.channel in CommunicationChannel.__members__
        else CommunicationChannel.OTHER,
        direction=CommunicationDirection(row.direction),
        subject=row.subject,
        body=row.body,
        occurred_at=row.occurred_at,
        author=row.author,
    )


def status_change(row: customer_tables.CustomerStatusChange) -> dm.CustomerStatusChangeRecord:
    return dm.CustomerStatusChangeRecord(
        id=row.id,
        customer_id=row.customer_id,
        previous_status=CustomerStatus(row.previous_status),
        status=CustomerStatus(row.status),
        reason=row.reason,
        changed_by=row.changed_by,
        at=row.created_at,
    )


def history(row: t.OrderStatusHistory) -> dm.OrderStatusChange:
    return dm.OrderStatusChange(
        id=row.id,
        order_id=row.order_id,
        status=OrderStatus(row.status),
        previous_status=OrderStatus(row.previous_status) if row.previous_status else None,
        created_at=row.created_at,
        created_by=row.created_by,
        source=row.source,
        status_details=row.status_details,
        tracking_number=row.tracking_number,
        carrier=row.carrier,
        notes=row.notes,
    )


def order(row: t.Order, history_rows: list[t.OrderStatusHistory] | None = None, *, with_lines: bool = True) -> dm.Order:
    cust = row.customer
    return dm.Order(
        id=row.id,
        order_number=row.order_number,
        status=OrderStatus(row.status),
        customer_id=row.customer_id,
        ship_to=dm.PostalAddress.from_dict(row.ship_to),
        lines=tuple(
            dm.OrderLine(line.sku, line.name, line.quantity, line.unit_price, line.unit_weight_grams)
            for line in row.lines
            if line.deleted_at is None
        )
        if with_lines
        else (),
        total=Money(row.total_amount, row.currency),
        created_at=row.order_date,
        version=row.version,
        customer_name=cust.name if cust else "",
        customer_status=CustomerStatus(cust.status) if cust else None,
        expected_weight_grams=row.expected_weight_grams,
        dimensions=_dims(row.length_mm, row.width_mm, row.height_mm),
        requested_service=row.requested_service,
        history=tuple(history(h) for h in history_rows or ()),
    )


def tracking_event(row: t.TrackingEvent) -> dm.TrackingEvent:
    return dm.TrackingEvent(
        id=row.id,
        shipment_id=row.shipment_id,
        status=ShipmentStatus(row.status),
        description=row.description,
        timestamp=row.timestamp,
        location=row.location,
        carrier_code=row.carrier_code,
        exception=ExceptionType(row.exception_type) if row.exception_type else None,
    )


def shipment(row: t.Shipment, order_number: str, events: list[t.TrackingEvent] | None = None) -> dm.Shipment:
    return dm.Shipment(
        id=row.id,
        order_id=row.order_id,
        order_number=order_number,
        carrier=row.carrier,
        service=row.service,
        tracking_number=row.tracking_number,
        status=ShipmentStatus(row.status),
        ship_from=dm.PostalAddress.from_dict(row.from_address),
        ship_to=dm.PostalAddress.from_dict(row.to_address),
        weight=Weight(row.weight_value, WeightUnit(row.weight_unit)),
        shipping_cost=Money(row.shipping_cost, row.currency),
        created_at=row.created_at,
        version=row.version,
        tracking_url=row.tracking_url,
        dimensions=_dims(row.length_mm, row.width_mm, row.height_mm),
        declared_value=_money(row.declared_value, row.currency),
        insurance_amount=_money(row.insurance_amount, row.currency),
        billed_cost=_money(row.billed_cost, row.currency),
        billed_at=row.billed_at,
        label_format=LabelFormat(row.label_format) if row.label_format else None,
        label_created_at=row.label_created_at,
        label_path=row.label_path,
        estimated_delivery=row.estimated_delivery,
        actual_delivery=row.actual_delivery,
        last_status_update=row.last_status_update,
        delivery_signature=row.delivery_signature,
        delivery_photo=row.delivery_photo,
        events=tuple(tracking_event(e) for e in events or ()),
    )


def exception(
    row: t.ShipmentException,
    order_number: str = "",
    tracking_number: str = "",
    notes: tuple[dm.ExceptionNote, ...] = (),
) -> dm.ShipmentException:
    return dm.ShipmentException(
        id=row.id,
        shipment_id=row.shipment_id,
        order_id=row.order_id,
        type=ExceptionType(row.type),
        severity=ExceptionSeverity(row.severity),
        description=row.description,
        created_at=row.created_at,
        resolution=row.resolution,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        order_number=order_number,
        tracking_number=tracking_number,
        bench_id=row.bench_id or "",
        assigned_to=row.assigned_to or "",
        assigned_at=row.assigned_at,
        occurrences=row.occurrences or 1,
        notes=notes,
    )

"""Domain objects as JSON-ready dicts: the CLI's output contract (keys only ever get added).

Enum values are lower-case in JSON, whatever their stored form, so every command speaks alike.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shipstation_desktop.carriers.port import TrackingResult
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.rates import Rate, WeightCheck
from shipstation_desktop.domain.units import Money, Weight


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _num(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def money(value: Money | None) -> dict[str, Any] | None:
    return None if value is None else {"amount": str(value.amount), "currency": value.currency}


def weight(value: Weight) -> dict[str, Any]:
    return {"value": _num(value.value), "unit": value.unit.value, "grams": _num(value.grams.quantize(Decimal("0.001")))}


def address(value: dm.PostalAddress) -> dict[str, Any]:
    return value.as_dict()


def order(value: dm.Order) -> dict[str, Any]:
    return {
        "id": value.id,
        "order_number": value.order_number,
        "status": value.status.value.lower(),
        "customer_id": value.customer_id,
        "customer_name": value.customer_name,
        "ship_to": address(value.ship_to),
        "total": money(value.total),
        "expected_weight_grams": _num(value.expected_weight_grams) if value.expected_weight_grams else None,
        "items": [
            {"sku": line.sku, "name": line.name, "quantity": line.quantity, "unit_price": str(line.unit_price)}
            for line in value.lines
        ],
        "created_at": _time(value.created_at),
    }


def event(value: dm.TrackingEvent) -> dict[str, Any]:
    return {
        "time": _time(value.timestamp),
        "status": value.status.value.lower(),
        "exception": value.exception.value.lower() if value.exception else None,
        "code": value.carrier_code,
        "description": value.description,
        "location": value.location,
    }


def shipment(value: dm.Shipment) -> dict[str, Any]:
    return {
        "id": value.id,
        "order_number": value.order_number,
        "tracking_number": value.tracking_number,
        "carrier": value.carrier,
        "service": value.service,
        "status": value.status.value.lower(),
        "cost": money(value.shipping_cost),
        "billed_cost": money(value.billed_cost),  # from the carrier's invoice; None until billed
        "weight": weight(value.weight),
        "ship_from": address(value.ship_from),
        "ship_to": address(value.ship_to),
        "tracking_url": value.tracking_url,
        "label_format": value.label_format.value if value.label_format else None,
        "label_path": value.label_path or None,
        "created_at": _time(value.created_at),
        "estimated_delivery": _time(value.estimated_delivery),
        "delivered_at": _time(value.actual_delivery),
        "events": [event(e) for e in value.events],
    }


def rate(value: Rate) -> dict[str, Any]:
    return {
        "carrier": value.carrier,
        "service": value.service,
        "service_name": value.service_name,
        "amount": money(value.amount),
        "transit_days": value.transit_days,
        "billable_weight": weight(value.billable_weight),
    }


def weight_check(value: WeightCheck) -> dict[str, Any]:
    return {
        "ok": value.ok,
        "measured": weight(value.measured),
        "expected_grams": _num(value.expected.grams) if value.expected else None,
        "difference_grams": _num(value.difference_grams.quantize(Decimal("0.1"))),
        "tolerance_pct": _num(value.tolerance_pct),
        "message": value.message(),
    }


def exception(value: dm.ShipmentException) -> dict[str, Any]:
    return {
        "id": value.id,
        "type": value.type.value.lower(),
        "severity": value.severity.value.lower(),
        "description": value.description,
        "order_number": value.order_number or None,
        "tracking_number": value.tracking_number or None,
        "created_at": _time(value.created_at),
        "resolution": value.resolution or None,
        "resolved_at": _time(value.resolved_at),
        "resolved_by": value.resolved_by or None,
        "bench_id": value.bench_id or None,
        "assigned_to": value.assigned_to or None,
        "assigned_at": _time(value.assigned_at),
        "occurrences": value.occurrences,
        "notes": [{"at": _time(n.at), "by": n.by, "text": n.text, "kind": n.kind} for n in value.notes],
    }


def customer(value: dm.Customer) -> dict[str, Any]:
    return {
        "id": value.id,
        "name": value.name,
        "email": value.email,
        "phone": value.phone,
        "status": value.status.value.lower(),
        "source": value.source.value.lower(),
        "tags": list(value.tags),
        "order_count": value.order_count,
        "total_spent": str(value.total_spent),
        "addresses": [
            {
                "id": a.id,
                "type": a.type.value.lower(),
                "is_default": a.is_default,
                **address(a.postal()),
            }
            for a in value.addresses
        ],
    }


def tracking(value: TrackingResult, carrier: str = "", url: str = "") -> dict[str, Any]:
    """The `tracking parse` / `track` contract: events newest first, statuses and exceptions lower-case."""
    return {
        "tracking_number": value.tracking_number,
        "carrier": carrier or None,
        "status": value.status.value.lower(),
        "estimated_delivery": _time(value.estimated_delivery),
        "delivered_at": _time(value.delivered_at),
        "signed_by": value.signed_by or None,
        "proof_url": value.proof_url or None,
        "tracking_url": url or None,
        "events": [
            {
                "time": e.time.isoformat(),
                "status": e.status.value.lower(),
                "exception": e.exception.value.lower() if e.exception else None,
                "code": e.code,
                "description": e.description,
                "location": e.location,
            }
            for e in value.events
        ],
    }


def customer_address(value: dm.Address) -> dict[str, Any]:
    """One customer address with its type, default flag and the carrier's verdict."""
    return {
        "id": value.id,
        "type": value.type.value.lower(),
        "is_default": value.is_default,
        **address(value.postal()),
        "validation_status": value.validation_status.value.lower(),
        "validation_message": value.validation_message or None,
        "override_reason": value.override_reason or None,
        "validated_by": value.validated_by or None,
        "validated_at": _time(value.validated_at),
    }


def customer_detail(value: dm.Customer) -> dict[str, Any]:
    """`customers show|add|update --json`: every field of seed 001's Customer."""
    return {
        **customer(value),
        "external_id": value.external_id,
        "date_of_birth": value.date_of_birth.isoformat() if value.date_of_birth else None,
        "gender": value.gender,
        "custom_fields": dict(value.custom_fields),
        "average_order_value": str(value.average_order_value),
        "first_order_date": _time(value.first_order_date),
        "last_order_date": _time(value.last_order_date),
        "created_at": _time(value.created_at),
        "updated_at": _time(value.updated_at),
        "deleted_at": _time(value.deleted_at),
        "merged_into": value.merged_into,
        "version": value.version,
        "addresses": [customer_address(a) for a in value.addresses],
    }


def customer_note(value: dm.CustomerNote) -> dict[str, Any]:
    return {
        "id": value.id,
        "body": value.body,
        "author": value.author,
        "pinned": value.pinned,
        "created_at": _time(value.created_at),
    }


def timeline_entry(value: dm.TimelineEntry) -> dict[str, Any]:
    return {
        "kind": value.kind.value,
        "at": _time(value.at),
        "title": value.title,
        "detail": value.detail,
        "ref_id": value.ref_id,
    }

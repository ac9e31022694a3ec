"""The pack flow: scan -> weigh -> check -> rate -> buy (idempotent) -> print.

Each step is its own call so the GUI can show it and the CLI can chain them; the steps that talk to
a device or a carrier are separate from the ones that only read or write the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shipstation_desktop.carriers.port import LabelRequest, PurchasedLabel
from shipstation_desktop.devices.capture import capture_stable
from shipstation_desktop.devices.printer_port import PrintResult
from shipstation_desktop.devices.scale_port import ScaleReading
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import (
    CustomerStatus,
    ExceptionType,
    LabelFormat,
    LabelPurchaseState,
    OrderStatus,
    ShipmentStatus,
)
from shipstation_desktop.domain.errors import CarrierError, DeviceError, UserError
from shipstation_desktop.domain.ids import tracking_event_id as tracking_event_id  # re-exported (moved to domain)
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.domain.rate_rules import is_international
from shipstation_desktop.domain.rates import (
    Rate,
    RateRequest,
    WeightCheck,
    check_weight,
    require_within_limit,
)
from shipstation_desktop.domain.states import READY_TO_SHIP, SHIPMENT_ACTIVE
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Weight
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t

from . import address_checks, numbers, printing, rate_shopping, telemetry
from . import customers as customer_service
from . import exceptions as exc_service
from . import orders as order_service
from .bench import Bench
from .status import move_order, move_shipment

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PackTicket:
    """Everything the packer needs on screen after a scan."""

    order: dm.Order
    ship_from: dm.PostalAddress
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RateQuote:
    rates: tuple[Rate, ...]
    selected: Rate | None
    errors: tuple[str, ...] = ()
    reason: str = ""  # why `selected` was preselected, for the packer (rate_shopping)
    # The carrier found the ship-to address invalid: a supervisor exception, shown, never blocking.
    address_issue: dm.ShipmentException | None = None


@dataclass(frozen=True, slots=True)
class ShipOutcome:
    shipment: dm.Shipment
    weight_check: WeightCheck
    printed: PrintResult | None
    print_error: str = ""
    rates: tuple[Rate, ...] = field(default=())


def ship_from(bench: Bench) -> dm.PostalAddress:
    return dm.PostalAddress(**bench.settings.ship_from.model_dump())


# --- scan -----------------------------------------------------------------------------------------


def scan(bench: Bench, code: str) -> PackTicket:
    order = order_service.find_by_scan(bench.store, code)
    customer_service.refuse_if_blocked(bench, order)  # CustomerBlocked names who and why
    if order.status not in READY_TO_SHIP:
        if order.status in (OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED):
            raise UserError(
                f"Order {order.order_number} is already shipped ({order.status.value}); "
                "void its label first to ship it again."
            )
        raise UserError(f"Order {order.order_number} is {order.status.value} and cannot be shipped.")
    warnings: list[str] = []
    if order.customer_status is CustomerStatus.VIP:
        warnings.append(f"{order.customer_name} is a VIP customer.")
    if order.expected_weight_grams is None:
        warnings.append("This order has no expected weight; check the contents by hand.")
    return PackTicket(order=order, ship_from=ship_from(bench), warnings=tuple(warnings))


# --- weigh ----------------------------------------------------------------------------------------


def weigh(bench: Bench, timeout_s: float = 5.0, cancelled: Callable[[], bool] | None = None) -> ScaleReading:
    cfg = bench.settings.scale
    return capture_stable(
        bench.scale,
        bench.clock,
        timeout_s=timeout_s,
        window_s=cfg.stable_window_s,
        min_grams=cfg.min_weight_g,
        cancelled=cancelled,
    )


def check_order_weight(bench: Bench, ticket: PackTicket, weight: Weight) -> WeightCheck:
    return check_weight(weight, ticket.order.expected_weight, bench.settings.weight_tolerance_pct)


def flag_weight_mismatch(bench: Bench, ticket: PackTicket, check: WeightCheck) -> dm.ShipmentException | None:
    """Raises a supervisor exception for a weight outside tolerance (if the bench is set to)."""
    if check.ok or not bench.settings.raise_weight_exceptions:
        return None
    return exc_service.raise_exception(
        bench,
        type=ExceptionType.WEIGHT_MISMATCH,
        description=f"Order {ticket.order.order_number}: {check.message()}",
        order_id=ticket.order.id,
    )


# --- rates ----------------------------------------------------------------------------------------


def package_for(ticket: PackTicket, weight: Weight) -> dm.Package:
    # Customs needs a value abroad: the order's total is what the contents sold for.
    abroad = is_international(ticket.ship_from, ticket.order.ship_to)
    return dm.Package(
        weight=weight, dimensions=ticket.order.dimensions, declared_value=ticket.order.total if abroad else None
    )


def quote(bench: Bench, ticket: PackTicket, package: dm.Package) -> RateQuote:
    """Rates from every enabled carrier, preselected by the bench's rules (services/rate_shopping.py)."""
    request = RateRequest(ticket.ship_from, ticket.order.ship_to, package, ticket.order.order_number)
    found = rate_shopping.shop(bench, request, rate_shopping.context_for(bench, ticket.order))
    errors = [f"{f.name}: {f.error}" for f in found.failures if not f.over_limit]
    limit_errors = [f"{f.name}: {f.error}" for f in found.failures if f.over_limit]
    if not found.rates and (limit_errors or errors):
        raise UserError("; ".join(limit_errors + errors))
    if not found.rates and found.excluded:
        raise UserError(f"No rate to offer: all {found.excluded} rates are excluded in this bench's settings.")
    if not found.rates:
        raise UserError("No carrier is enabled on this bench; turn one on in Preferences.")
    issue = address_checks.check_ship_to(bench, ticket.order, found.selected.carrier if found.selected else None)
    return RateQuote(found.rates, found.selected, tuple(errors + limit_errors), found.reason, issue)


# --- buy ------------------------------------------------------------------------------------------


def _request_hash(order: dm.Order, rate: Rate, package: dm.Package) -> str:
    body = {
        "order": order.id,
        "carrier": rate.carrier,
        "service": rate.service,
        "grams": str(package.weight.grams),
        "dims": [str(x) for x in package.dimensions.mm()] if package.dimensions else None,
        "to": order.ship_to.as_dict(),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _refuse_if_shipped(s: Session, order: t.Order) -> None:
    live = s.scalar(
        select(t.Shipment.tracking_number).where(
            t.Shipment.order_id == order.id,
            t.Shipment.status.in_([x.value for x in SHIPMENT_ACTIVE]),
            t.Shipment.deleted_at.is_(None),
        )
    )
    if live:
        raise UserError(f"Order {order.order_number} already has label {live}; void it before buying another.")


def buy(bench: Bench, ticket: PackTicket, rate: Rate, package: dm.Package) -> dm.Shipment:
    """Buys the label once. The intent is committed before the carrier is called (ARCHITECTURE §5)."""
    customer_service.refuse_if_blocked(bench, ticket.order)  # blocked since the scan: still no label
    carrier = bench.carrier(rate.carrier)
    require_within_limit(package.weight, carrier.capabilities.max_weight_grams, carrier.name)
    printer = bench.label_printer
    fmt = printer.format if printer.format in carrier.capabilities.label_formats else LabelFormat.PDF
    request = RateRequest(ticket.ship_from, ticket.order.ship_to, package, ticket.order.order_number)
    now = bench.clock.now()
    with bench.store.session() as s:
        order = order_service.load_order_row(s, ticket.order.order_number)
        if order is None:
            raise UserError(f"Order {ticket.order.order_number} no longer exists on this bench.")
        if OrderStatus(order.status) not in READY_TO_SHIP:
            _refuse_if_shipped(s, order)
            raise UserError(f"Order {order.order_number} is {order.status} and cannot be shipped.")
        _refuse_if_shipped(s, order)
        unsettled = s.execute(
            select(t.LabelPurchase.id, t.LabelPurchase.state).where(
                t.LabelPurchase.order_id == order.id,
                t.LabelPurchase.state.in_([LabelPurchaseState.PENDING, LabelPurchaseState.NEEDS_REVIEW]),
            )
        ).first()
    if unsettled is not None:
        # A retry after a lost answer: settle the earlier purchase with the carrier first.
        if unsettled.state == LabelPurchaseState.PENDING and (done := reconcile_one(bench, unsettled.id)):
            return done
        if _intent_state(bench, unsettled.id) is not LabelPurchaseState.FAILED:
            raise UserError(
                f"The earlier label purchase for order {ticket.order.order_number} is still unconfirmed; "
                "no second label is bought until the carrier or a supervisor settles it."
            )
    # Unique per purchase, so a look-up after a lost answer can only find this purchase's label.
    intent_id = uuid7()
    purchase_reference = numbers.reference_in_hand(bench) or f"{ticket.order.order_number}-{intent_id[-8:].upper()}"
    with bench.store.session() as s:
        order = s.get_one(t.Order, ticket.order.id)
        intent = t.LabelPurchase(
            id=intent_id,
            order_id=order.id,
            carrier=rate.carrier,
            service=rate.service,
            reference=purchase_reference,
            request_hash=_request_hash(ticket.order, rate, package),
            request=_intent_request(rate, package, fmt),
            state=LabelPurchaseState.PENDING.value,
            created_at=now,
            updated_at=now,
        )
        s.add(intent)
        try:
            s.flush()
        except IntegrityError:
            raise UserError(f"Order {order.order_number} is being bought on this bench already.") from None
        intent_id = intent.id
    label_request = LabelRequest(rate, request, ticket.order.order_number, fmt, printer.dpi, purchase_reference)
    try:
        purchased = carrier.buy_label(label_request)
    except CarrierError as e:
        # The carrier said no: nothing was bought, so the intent is closed and a retry is safe.
        _close_intent(bench, intent_id, LabelPurchaseState.FAILED, str(e))
        raise
    except Exception as e:
        # No answer (timeout, dropped connection, crash): the label may exist at the carrier.
        log.warning("label purchase for %s has no answer: %s", ticket.order.order_number, e)
        shipment = reconcile_one(bench, intent_id)
        if shipment is not None:
            return shipment
        if _intent_state(bench, intent_id) is LabelPurchaseState.FAILED:
            raise UserError(
                f"The carrier did not answer ({e}) and has no label for {ticket.order.order_number}; "
                "nothing was bought, try again."
            ) from e
        raise UserError(
            f"The carrier did not confirm the label for {ticket.order.order_number} ({e}). It is checked "
            "again on the next try and at start-up; no second label is bought meanwhile."
        ) from e
    return _complete(bench, intent_id, purchased, package)


def _intent_request(rate: Rate, package: dm.Package, fmt: LabelFormat) -> dict[str, object]:
    """What reconciliation needs to finish the purchase without the packer's screen."""
    return {
        "rate_id": rate.rate_id,
        "amount": str(rate.amount.amount),
        "format": fmt.value,
        "weight": {"value": str(package.weight.value), "unit": package.weight.unit.value},
        "dims_mm": [str(x) for x in package.dimensions.mm()] if package.dimensions else None,
    }


def _package_from_intent(request: dict[str, object]) -> dm.Package:
    weight = request["weight"]
    dims = request.get("dims_mm")
    assert isinstance(weight, dict)
    return dm.Package(
        weight=Weight.of(weight["value"], weight["unit"]),
        dimensions=Dimensions(Decimal(dims[0]), Decimal(dims[1]), Decimal(dims[2]), LengthUnit.MM)
        if isinstance(dims, list)
        else None,
    )


def _intent_state(bench: Bench, intent_id: str) -> LabelPurchaseState:
    with bench.store.session() as s:
        return LabelPurchaseState(s.get_one(t.LabelPurchase, intent_id).state)


def _close_intent(bench: Bench, intent_id: str, state: LabelPurchaseState, error: str) -> None:
    with bench.store.session() as s:
        intent = s.get_one(t.LabelPurchase, intent_id)
        intent.state = state.value
        intent.error = error
        intent.updated_at = bench.clock.now()


def _complete(bench: Bench, intent_id: str, label: PurchasedLabel, package: dm.Package) -> dm.Shipment:
    """Stores the bought label, the shipment, the order status and history in one transaction."""
    now = bench.clock.now()
    with bench.store.session() as s:
        intent = s.get_one(t.LabelPurchase, intent_id)
        order = s.get_one(t.Order, intent.order_id)
        intent.state = LabelPurchaseState.DONE.value
        intent.tracking_number = label.tracking_number
        intent.label_data = label.label
        intent.label_format = label.label_format.value
        intent.cost = label.cost.amount
        intent.currency = label.cost.currency
        intent.updated_at = now
        dims = package.dimensions.mm() if package.dimensions else (None, None, None)
        shipment = t.Shipment(
            order_id=order.id,
            carrier=intent.carrier,
            service=label.service or intent.service,
            tracking_number=label.tracking_number,
            tracking_url=label.tracking_url,
            status=ShipmentStatus.PENDING.value,
            status_history=[],
            weight_grams=package.weight.grams,
            weight_value=package.weight.value,
            weight_unit=package.weight.unit.value,
            length_mm=dims[0],
            width_mm=dims[1],
            height_mm=dims[2],
            shipping_cost=label.cost.amount,
            currency=label.cost.currency,
            declared_value=package.declared_value.amount if package.declared_value else None,
            insurance_amount=package.insurance.amount if package.insurance else None,
            label_format=label.label_format.value,
            label_created_at=now,
            estimated_delivery=label.estimated_delivery,
            promised_delivery=label.estimated_delivery,
            from_address=ship_from(bench).as_dict(),
            to_address=dict(order.ship_to),
            return_address=ship_from(bench).as_dict(),
        )
        move_shipment(shipment, ShipmentStatus.LABEL_CREATED, now, "label bought")
        s.add(shipment)
        s.flush()
        s.add(
            t.TrackingEvent(
                id=tracking_event_id(intent.carrier, label.tracking_number, now, "LABEL_CREATED"),
                shipment_id=shipment.id,
                status=ShipmentStatus.LABEL_CREATED.value,
                description="Shipping label created",
                timestamp=now,
                carrier_code="LABEL_CREATED",
            )
        )
        if OrderStatus(order.status) is not OrderStatus.PROCESSING:
            move_order(s, order, OrderStatus.PROCESSING, by=bench.user, details="packed at the bench")
        move_order(
            s,
            order,
            OrderStatus.SHIPPED,
            by=bench.user,
            details=f"{intent.carrier} {shipment.service}",
            tracking_number=label.tracking_number,
            carrier=intent.carrier,
        )
        s.flush()
        result = mappers.shipment(shipment, order.order_number)
    bench.changed("shipments")
    return result


def reconcile_one(bench: Bench, intent_id: str) -> dm.Shipment | None:
    """Settles one unconfirmed purchase by asking the carrier, never by buying again."""
    with bench.store.session() as s:
        intent = s.get_one(t.LabelPurchase, intent_id)
        carrier_code, reference, order_id = intent.carrier, intent.reference, intent.order_id
        order_number = s.get_one(t.Order, order_id).order_number
        package = _package_from_intent(intent.request)
    carrier = bench.carriers.get(carrier_code)
    if carrier is not None and carrier.capabilities.can_find_by_reference:
        try:
            found = carrier.find_label(reference)
        except Exception as e:  # still unreachable: leave it pending for the next try
            log.warning("cannot reconcile %s yet: %s", reference, e)
            return None
        if found is None:
            _close_intent(bench, intent_id, LabelPurchaseState.FAILED, "carrier has no such label")
            return None
        return _complete(bench, intent_id, found, package)
    _close_intent(bench, intent_id, LabelPurchaseState.NEEDS_REVIEW, "carrier cannot look purchases up by reference")
    exc_service.raise_exception(
        bench,
        type=ExceptionType.LABEL_PURCHASE_UNCONFIRMED,
        description=(
            f"Order {order_number}: the {carrier_code} label purchase was never confirmed. Check the "
            f"carrier account for a label with reference {reference}, then void it or record it."
        ),
        order_id=order_id,
    )
    return None


def reconcile_pending(bench: Bench) -> list[str]:
    """Run at start-up: every PENDING intent is settled with the carrier. Returns messages."""
    with bench.store.session() as s:
        ids = list(s.scalars(select(t.LabelPurchase.id).where(t.LabelPurchase.state == LabelPurchaseState.PENDING)))
    messages = []
    for intent_id in ids:
        shipment = reconcile_one(bench, intent_id)
        if shipment is not None:
            messages.append(f"Recovered label {shipment.tracking_number} for order {shipment.order_number}.")
    return messages


# --- print ----------------------------------------------------------------------------------------


def print_label(bench: Bench, shipment_id: str, document: str = "label") -> PrintResult:
    """Prints (or reprints) the stored label through the print queue (services/printing.py): a printer
    that is away keeps it queued; every attempt goes into the print log."""
    return printing.print_label(bench, shipment_id, document)


# --- the whole flow, headless ----------------------------------------------------------------------


def ship(
    bench: Bench,
    code: str,
    *,
    weight: Weight | None = None,
    service: str | None = None,
    carrier: str | None = None,
    timeout_s: float = 5.0,
    place_on_simulated_scale: Callable[[dm.Order], None] | None = None,
) -> ShipOutcome:
    """scan -> weigh -> check -> rate -> buy -> print, as the CLI's `ship` and the demo run it.
    Each step's time is recorded for the productivity dashboard (services/telemetry.py)."""
    timer = telemetry.PackTimer(bench, code.strip())
    with timer.step("scan"):
        ticket = scan(bench, code)
        timer.order_number = ticket.order.order_number
    with timer.step("weigh"):
        if weight is None:
            if place_on_simulated_scale is not None:
                place_on_simulated_scale(ticket.order)
            weight = weigh(bench, timeout_s).weight
        check = check_order_weight(bench, ticket, weight)
        flag_weight_mismatch(bench, ticket, check)
    package = package_for(ticket, weight)
    with timer.step("rate"):
        offer = quote(bench, ticket, package)
        rate = _choose(offer, service, carrier)
    with timer.step("buy"):
        shipment = buy(bench, ticket, rate, package)
    with timer.step("print"):
        printed, error = print_or_flag(bench, shipment)
    return ShipOutcome(shipment, check, printed, error, offer.rates)


def print_or_flag(bench: Bench, shipment: dm.Shipment) -> tuple[PrintResult | None, str]:
    """Prints a just-bought label; a printer failure never undoes the purchase but is flagged."""
    try:
        return print_label(bench, shipment.id), ""
    except DeviceError as e:
        exc_service.raise_exception(
            bench,
            type=ExceptionType.PRINT_FAILED,
            description=str(e),
            shipment_id=shipment.id,
            order_id=shipment.order_id,
        )
        return None, str(e)


def _choose(offer: RateQuote, service: str | None, carrier: str | None) -> Rate:
    candidates: Sequence[Rate] = [
        r
        for r in offer.rates
        if (service is None or r.service.lower() == service.lower())
        and (carrier is None or r.carrier.lower() == carrier.lower())
    ]
    if service or carrier:
        if not candidates:
            wanted = " ".join(x for x in (carrier, service) if x)
            offered = ", ".join(f"{r.carrier}/{r.service}" for r in offer.rates)
            raise UserError(f"No rate for {wanted}; offered: {offered}")
        return candidates[0]
    if offer.selected is None:
        raise UserError("No rate available for this parcel.")
    return offer.selected


__all__ = [
    "PackTicket",
    "RateQuote",
    "ShipOutcome",
    "buy",
    "check_order_weight",
    "flag_weight_mismatch",
    "package_for",
    "print_label",
    "quote",
    "reconcile_pending",
    "scan",
    "ship",
    "weigh",
]

"""What the GUI calls stored enum values shown on several screens: marked with N_ here (so the catalogs
have them) and translated with _() when shown, so a language switch needs no rebuilt tables."""

from __future__ import annotations

from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType, OrderStatus, ShipmentStatus

from .i18n import N_, _

SHIPMENT_STATUS: dict[ShipmentStatus, str] = {
    ShipmentStatus.PENDING: N_("Pending"),
    ShipmentStatus.LABEL_CREATED: N_("Label created"),
    ShipmentStatus.PICKED_UP: N_("Picked up"),
    ShipmentStatus.IN_TRANSIT: N_("In transit"),
    ShipmentStatus.OUT_FOR_DELIVERY: N_("Out for delivery"),
    ShipmentStatus.DELIVERED: N_("Delivered"),
    ShipmentStatus.RETURNED_TO_SENDER: N_("Returned to sender"),
    ShipmentStatus.LOST: N_("Lost"),
    ShipmentStatus.DAMAGED: N_("Damaged"),
    ShipmentStatus.CANCELLED: N_("Cancelled"),
}

ORDER_STATUS: dict[OrderStatus, str] = {
    OrderStatus.PENDING: N_("Pending"),
    OrderStatus.CONFIRMED: N_("Confirmed"),
    OrderStatus.PROCESSING: N_("Processing"),
    OrderStatus.SHIPPED: N_("Shipped"),
    OrderStatus.OUT_FOR_DELIVERY: N_("Out for delivery"),
    OrderStatus.DELIVERED: N_("Delivered"),
    OrderStatus.DELAYED: N_("Delayed"),
    OrderStatus.EXCEPTION: N_("Exception"),
    OrderStatus.CANCELLED: N_("Cancelled"),
    OrderStatus.RETURNED: N_("Returned"),
}

SEVERITY: dict[ExceptionSeverity, str] = {
    ExceptionSeverity.LOW: N_("Low"),
    ExceptionSeverity.MEDIUM: N_("Medium"),
    ExceptionSeverity.HIGH: N_("High"),
    ExceptionSeverity.CRITICAL: N_("Critical"),
}

EXCEPTION_TYPE: dict[ExceptionType, str] = {
    ExceptionType.DELIVERY_FAILED: N_("Delivery failed"),
    ExceptionType.ADDRESS_ISSUE: N_("Address issue"),
    ExceptionType.CUSTOMS_DELAY: N_("Customs delay"),
    ExceptionType.WEATHER_DELAY: N_("Weather delay"),
    ExceptionType.DAMAGED_IN_TRANSIT: N_("Damaged in transit"),
    ExceptionType.LOST_IN_TRANSIT: N_("Lost in transit"),
    ExceptionType.REFUSED_BY_RECIPIENT: N_("Refused by recipient"),
    ExceptionType.WEIGHT_MISMATCH: N_("Weight mismatch"),
    ExceptionType.LOW_STOCK: N_("Low stock"),
    ExceptionType.COST_ADJUSTMENT: N_("Cost adjustment"),
    ExceptionType.UNMATCHED_INVOICE_LINE: N_("Unmatched invoice line"),
    ExceptionType.LABEL_PURCHASE_UNCONFIRMED: N_("Label purchase unconfirmed"),
    ExceptionType.PRINT_FAILED: N_("Print failed"),
    ExceptionType.DUPLICATE_LABEL: N_("Duplicate label"),
    ExceptionType.SYNC_REJECTED: N_("Sync rejected"),
}


def shipment_status(status: ShipmentStatus) -> str:
    return _(SHIPMENT_STATUS[status])


def order_status(status: OrderStatus) -> str:
    return _(ORDER_STATUS[status])


def severity(value: ExceptionSeverity) -> str:
    return _(SEVERITY[value])


def exception_type(kind: ExceptionType) -> str:
    return _(EXCEPTION_TYPE[kind])

"""Enumerations named exactly as the seeds name them (values are the stored form)."""

from __future__ import annotations

from enum import StrEnum


class ShipmentStatus(StrEnum):
    PENDING = "PENDING"
    LABEL_CREATED = "LABEL_CREATED"
    PICKED_UP = "PICKED_UP"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    RETURNED_TO_SENDER = "RETURNED_TO_SENDER"
    LOST = "LOST"
    DAMAGED = "DAMAGED"
    CANCELLED = "CANCELLED"


class ExceptionType(StrEnum):
    DELIVERY_FAILED = "DELIVERY_FAILED"
    ADDRESS_ISSUE = "ADDRESS_ISSUE"
    CUSTOMS_DELAY = "CUSTOMS_DELAY"
    WEATHER_DELAY = "WEATHER_DELAY"
    DAMAGED_IN_TRANSIT = "DAMAGED_IN_TRANSIT"
    LOST_IN_TRANSIT = "LOST_IN_TRANSIT"
    REFUSED_BY_RECIPIENT = "REFUSED_BY_RECIPIENT"
    # Bench-side problems a supervisor must look at; the seed's list covers only carrier events.
    WEIGHT_MISMATCH = "WEIGHT_MISMATCH"
    LOW_STOCK = "LOW_STOCK"  # a SKU fell to or below its threshold (services/inventory.py)
    # Carrier invoices (domain/costs.py): a billed amount that differs from the quote (weight or
    # dimension correction, surcharge, void label billed, billed twice), and lines no shipment matches.
    COST_ADJUSTMENT = "COST_ADJUSTMENT"
    UNMATCHED_INVOICE_LINE = "UNMATCHED_INVOICE_LINE"
    LABEL_PURCHASE_UNCONFIRMED = "LABEL_PURCHASE_UNCONFIRMED"
    PRINT_FAILED = "PRINT_FAILED"
    # Sync: the same order shipped on two offline benches (void the losing label); a change the
    # center refused (conflict or validation) that a supervisor must redo or confirm.
    DUPLICATE_LABEL = "DUPLICATE_LABEL"
    SYNC_REJECTED = "SYNC_REJECTED"


class ExceptionSeverity(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class OrderStatus(StrEnum):
    """Seed 002's order statuses (stored lower-case, as the seed's values are)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    EXCEPTION = "exception"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class CustomerStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    BLOCKED = "BLOCKED"
    VIP = "VIP"


class CustomerSource(StrEnum):
    TIKTOK_SHOP = "TIKTOK_SHOP"
    SHOPIFY = "SHOPIFY"
    ETSY = "ETSY"
    AMAZON = "AMAZON"
    SHIPSTATION = "SHIPSTATION"
    MANUAL = "MANUAL"


class AddressType(StrEnum):
    SHIPPING = "SHIPPING"
    BILLING = "BILLING"
    BOTH = "BOTH"


class AddressValidationStatus(StrEnum):
    """A customer address's verdict from a carrier's address validation (services/customer_addresses.py)."""

    UNVERIFIED = "UNVERIFIED"  # not checked yet, or no carrier could say (offline, none validates)
    VALID = "VALID"
    INVALID = "INVALID"  # the carrier refused it: a warning, never a block
    OVERRIDDEN = "OVERRIDDEN"  # someone kept it anyway, with a recorded reason


class CommunicationChannel(StrEnum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    SMS = "SMS"
    CHAT = "CHAT"
    LETTER = "LETTER"
    OTHER = "OTHER"


class CommunicationDirection(StrEnum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class TimelineKind(StrEnum):
    """What one entry of a customer's timeline is (lower-case: it is the JSON value too)."""

    ORDER = "order"
    ORDER_STATUS = "order_status"
    SHIPMENT = "shipment"
    NOTE = "note"
    COMMUNICATION = "communication"
    STATUS = "status"


class LabelPurchaseState(StrEnum):
    """ARCHITECTURE.md §5: an intent is committed PENDING before the carrier is called."""

    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"
    NEEDS_REVIEW = "NEEDS_REVIEW"


class RateRule(StrEnum):
    CHEAPEST = "cheapest"
    FASTEST = "fastest"
    # The cheapest rate that arrives within the bench's rate_within_days; the fastest when none does.
    CHEAPEST_WITHIN_DAYS = "cheapest_within_days"


class LabelFormat(StrEnum):
    """A print document's language: what a printer speaks, or what a carrier hands back."""

    ZPL = "zpl"
    PDF = "pdf"
    PNG = "png"  # carrier-supplied image labels (printed via PDF or rasterized to ZPL)
    ESCPOS = "escpos"  # receipt-printer commands (packing slips)

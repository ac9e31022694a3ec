"""What the customer screens call stored values: statuses, sources, address types, timeline kinds,
form fields and roles. Marked with N_ here and translated with _() where shown (enum_labels.py's idea)."""

from __future__ import annotations

from shipstation_desktop.domain.enums import (
    AddressType,
    AddressValidationStatus,
    CommunicationChannel,
    CommunicationDirection,
    CustomerSource,
    CustomerStatus,
    TimelineKind,
)
from shipstation_desktop.domain.roles import ROLE_PERMISSIONS, Permission, Role

from .i18n import N_, _

CUSTOMER_STATUS: dict[CustomerStatus, str] = {
    CustomerStatus.ACTIVE: N_("Active"),
    CustomerStatus.INACTIVE: N_("Inactive"),
    CustomerStatus.BLOCKED: N_("BLOCKED"),
    CustomerStatus.VIP: N_("VIP"),
}

CUSTOMER_SOURCE: dict[CustomerSource, str] = {
    CustomerSource.TIKTOK_SHOP: N_("TikTok Shop"),
    CustomerSource.SHOPIFY: N_("Shopify"),
    CustomerSource.ETSY: N_("Etsy"),
    CustomerSource.AMAZON: N_("Amazon"),
    CustomerSource.SHIPSTATION: N_("ShipStation"),
    CustomerSource.MANUAL: N_("Manual"),
}

ADDRESS_TYPE: dict[AddressType, str] = {
    AddressType.SHIPPING: N_("Shipping"),
    AddressType.BILLING: N_("Billing"),
    AddressType.BOTH: N_("Shipping and billing"),
}

# Timeline entry kinds (services/customers.timeline): a symbol the eye finds, and a name.
TIMELINE_KIND: dict[TimelineKind, tuple[str, str]] = {
    TimelineKind.ORDER: ("▣", N_("Order")),
    TimelineKind.ORDER_STATUS: ("↻", N_("Order status")),
    TimelineKind.SHIPMENT: ("➜", N_("Shipment")),
    TimelineKind.NOTE: ("✎", N_("Note")),
    TimelineKind.COMMUNICATION: ("☎", N_("Communication")),
    TimelineKind.STATUS: ("⚑", N_("Customer status")),
}

CHANNEL: dict[CommunicationChannel, str] = {
    CommunicationChannel.EMAIL: N_("E-mail"),
    CommunicationChannel.PHONE: N_("Phone call"),
    CommunicationChannel.SMS: N_("SMS"),
    CommunicationChannel.CHAT: N_("Chat"),
    CommunicationChannel.LETTER: N_("Letter"),
    CommunicationChannel.OTHER: N_("Other"),
}

DIRECTION: dict[CommunicationDirection, str] = {
    CommunicationDirection.INBOUND: N_("From the customer"),
    CommunicationDirection.OUTBOUND: N_("To the customer"),
}

VALIDATION: dict[AddressValidationStatus, str] = {
    AddressValidationStatus.UNVERIFIED: N_("Not checked"),
    AddressValidationStatus.VALID: N_("Valid"),
    AddressValidationStatus.INVALID: N_("Carrier says invalid"),
    AddressValidationStatus.OVERRIDDEN: N_("Kept as is"),
}

# The customer's fields as the form, the errors and the merge dialog name them.
FIELDS: dict[str, str] = {
    "email": N_("E-mail"),
    "name": N_("Full name"),
    "phone": N_("Phone"),
    "date_of_birth": N_("Date of birth"),
    "gender": N_("Gender"),
    "status": N_("Status"),
    "source": N_("Source"),
    "external_id": N_("External id"),
    "tags": N_("Tags"),
    "custom_fields": N_("Custom fields"),
}

ROLE: dict[Role, str] = {Role.PACKER: N_("packer"), Role.SUPERVISOR: N_("supervisor"), Role.ADMIN: N_("admin")}


def status(value: CustomerStatus) -> str:
    return _(CUSTOMER_STATUS[value])


def source(value: CustomerSource) -> str:
    return _(CUSTOMER_SOURCE[value])


def address_type(value: AddressType) -> str:
    return _(ADDRESS_TYPE[value])


def field(name: str) -> str:
    return _(FIELDS[name]) if name in FIELDS else name


def timeline_kind(kind: TimelineKind) -> tuple[str, str]:
    icon, name = TIMELINE_KIND[kind]
    return icon, _(name)


def channel(value: CommunicationChannel) -> str:
    return _(CHANNEL[value])


def direction(value: CommunicationDirection) -> str:
    return _(DIRECTION[value])


def validation(value: AddressValidationStatus) -> str:
    return _(VALIDATION[value])


def lowest_role(permission: Permission) -> Role:
    """The least role that holds `permission` (roles nest: packer < supervisor < admin)."""
    return next(role for role in (Role.PACKER, Role.SUPERVISOR, Role.ADMIN) if permission in ROLE_PERMISSIONS[role])


def needs_role(permission: Permission) -> str:
    """Why a button is disabled: "Needs the supervisor role (or admin)."""
    role = lowest_role(permission)
    if role is Role.ADMIN:
        return _("Only an admin may do this.")
    return _("Needs the {role} role or higher.").format(role=_(ROLE[role]))

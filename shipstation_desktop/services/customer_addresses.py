"""A customer's addresses (seed 001): many per customer, SHIPPING / BILLING / BOTH, one default per type.

Every address is normalized before it is stored (ISO alpha-2 country, postal state codes, the country's
postal code format, E.164 phone: domain/customer_rules.py) and refused field by field when it cannot be.

"One default per type" is kept here, not by a database constraint: making an address the default
clears the other defaults it overlaps with in the same transaction (BOTH counts as shipping and
billing), and the first address of a purpose becomes its default by itself.

A carrier's address validation is advice and never blocks: no validating carrier, or one that cannot be
reached, leaves the address UNVERIFIED with a message saying so; a refusal marks it INVALID, and whoever
knows better keeps it with a reason (override_validation), which is stored on the address and audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shipstation_desktop.domain import customer_rules as rules
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.customer_rules import AddressDraft
from shipstation_desktop.domain.enums import AddressType, AddressValidationStatus
from shipstation_desktop.domain.errors import FieldErrors, NotFound, UserError
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t

from . import access, address_checks, audit
from .bench import Bench

__all__ = [
    "AddressDraft",
    "AddressValidation",
    "add_address",
    "delete_address",
    "get_address",
    "override_validation",
    "set_default",
    "update_address",
    "validate_address",
]

log = logging.getLogger(__name__)
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class AddressValidation:
    """What the carrier said (or why nobody could say), and the address as it is stored now."""

    status: AddressValidationStatus
    message: str
    address: dm.Address
    carrier: str = ""  # the carrier that was asked; "" when none was
    suggestion: dm.PostalAddress | None = None  # the carrier's corrected form, when it offers one


def _checked(draft: AddressDraft) -> AddressDraft:
    clean = rules.normalize_address(draft)
    errors = rules.validate_address(clean)
    if errors:
        raise FieldErrors(errors)
    return clean


def _customer_row(s: Session, customer_id: str) -> t.Customer:
    row = s.get(t.Customer, customer_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"No customer with id {customer_id}.")
    return row


def _address_row(s: Session, address_id: str) -> t.Address:
    row = s.get(t.Address, address_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"No address with id {address_id}.")
    return row


def _live(s: Session, customer_id: str) -> list[t.Address]:
    return list(
        s.scalars(
            select(t.Address)
            .where(t.Address.customer_id == customer_id, t.Address.deleted_at.is_(None))
            .order_by(t.Address.created_at, t.Address.id)
        )
    )


def _make_default(s: Session, row: t.Address) -> None:
    """`row` becomes the default for its purposes; the overlapping defaults stop being defaults."""
    others = _live(s, row.customer_id)
    row.is_default = True
    clear = set(rules.defaults_to_clear([mappers.address(a) for a in others], mappers.address(row)))
    for other in others:
        if other.id in clear:
            other.is_default = False


def _default_if_first(s: Session, row: t.Address) -> None:
    """A purpose with no default yet gets this address as its default."""
    served: set[AddressType] = set()
    for other in _live(s, row.customer_id):
        if other.id != row.id and other.is_default:
            served |= rules.covers(AddressType(other.type))
    if not rules.covers(AddressType(row.type)) & served:
        row.is_default = True


def _write(row: t.Address, draft: AddressDraft) -> bool:
    """The draft's fields onto the row; True when where the parcel goes changed (a new check is due)."""
    values = {
        "recipient_name": draft.recipient_name,
        "line1": draft.line1,
        "line2": draft.line2,
        "city": draft.city,
        "state": draft.state,
        "postal_code": draft.postal_code,
        "country": draft.country,
        "phone": draft.phone,
    }
    moved = any(getattr(row, k) != v for k, v in values.items() if k not in ("recipient_name", "phone"))
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
    row.type = AddressType(draft.type).value
    return moved


def _unverify(row: t.Address) -> None:
    row.validation_status = AddressValidationStatus.UNVERIFIED.value
    row.validation_message = ""
    row.override_reason = ""
    row.validated_by = ""
    row.validated_at = None


def get_address(bench: Bench, address_id: str) -> dm.Address:
    with bench.store.session() as s:
        return mappers.address(_address_row(s, address_id))


def add_address(bench: Bench, customer_id: str, draft: AddressDraft) -> dm.Address:
    """A new address for the customer, UNVERIFIED until validate_address() asks a carrier."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    clean = _checked(draft)
    with bench.store.session() as s:
        _customer_row(s, customer_id)
        row = t.Address(customer_id=customer_id, is_default=False)
        _write(row, clean)
        _unverify(row)
        s.add(row)
        s.flush()
        if clean.is_default:
            _make_default(s, row)
        else:
            _default_if_first(s, row)
        s.flush()
        added = mappers.address(row)
    bench.changed("customers")
    return added


def update_address(bench: Bench, address_id: str, draft: AddressDraft) -> dm.Address:
    """Saves the draft over the address (AddressDraft.of(address) and change what you need). A changed
    street, city, postal code or country makes it UNVERIFIED again. is_default=True makes it the
    default; False leaves the default flag as it is (make another address the default instead)."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    clean = _checked(draft)
    with bench.store.session() as s:
        row = _address_row(s, address_id)
        _customer_row(s, row.customer_id)
        old_type = row.type
        if _write(row, clean):
            _unverify(row)
        if clean.is_default or (row.is_default and row.type != old_type):
            _make_default(s, row)  # a default that now serves another purpose takes that one over too
        s.flush()
        updated = mappers.address(row)
    bench.changed("customers")
    return updated


def delete_address(bench: Bench, address_id: str) -> None:
    """Soft delete. A deleted default hands its role to the oldest remaining address of that purpose."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    with bench.store.session() as s:
        row = _address_row(s, address_id)
        row.deleted_at = bench.clock.now()
        was_default = row.is_default
        row.is_default = False
        s.flush()
        if was_default:
            for other in _live(s, row.customer_id):
                _default_if_first(s, other)
    bench.changed("customers")


def set_default(bench: Bench, address_id: str) -> dm.Address:
    """This address becomes the default for its type (both types for BOTH); the old default(s) it
    overlaps with are cleared in the same transaction."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    with bench.store.session() as s:
        row = _address_row(s, address_id)
        _make_default(s, row)
        s.flush()
        result = mappers.address(row)
    bench.changed("customers")
    return result


def validate_address(bench: Bench, address_id: str, carrier: str | None = None) -> AddressValidation:
    """Asks a carrier that validates addresses (`carrier` when it does, else the first enabled one)
    and stores its verdict on the address. Never raises for the carrier's sake: offline, no such
    carrier or an adapter bug leave the address UNVERIFIED with a message."""
    address = get_address(bench, address_id)
    code = address_checks.validating_carrier(bench, carrier)
    if code is None:
        return _verdict(
            bench, address_id, AddressValidationStatus.UNVERIFIED, "No carrier on this bench validates addresses."
        )
    port = bench.carriers[code]
    try:
        check = port.validate_address(address.postal())
    except UserError as e:  # offline, refused credentials, rate limited: advice missing, not an error
        log.warning("address validation with %s failed for address %s: %s", code, address_id, e)
        return _verdict(
            bench, address_id, AddressValidationStatus.UNVERIFIED, f"{port.name} could not be asked: {e}", code
        )
    except Exception:
        log.exception("address validation with %s crashed for address %s", code, address_id)
        return _verdict(
            bench, address_id, AddressValidationStatus.UNVERIFIED, f"{port.name} could not check the address.", code
        )
    if check.valid:
        return _verdict(
            bench, address_id, AddressValidationStatus.VALID, " ".join(check.messages), code, check.suggestion
        )
    why = " ".join(check.messages) or f"{port.name} does not recognise this address."
    return _verdict(bench, address_id, AddressValidationStatus.INVALID, why, code, check.suggestion)


def _verdict(
    bench: Bench,
    address_id: str,
    status: AddressValidationStatus,
    message: str,
    carrier: str = "",
    suggestion: dm.PostalAddress | None = None,
) -> AddressValidation:
    with bench.store.session() as s:
        row = _address_row(s, address_id)
        row.validation_status = status.value
        row.validation_message = message
        if carrier:
            row.validated_at = bench.clock.now()
            row.validated_by = f"carrier:{carrier}"
        if status is not AddressValidationStatus.OVERRIDDEN:
            row.override_reason = ""
        s.flush()
        stored = mappers.address(row)
    bench.changed("customers")
    return AddressValidation(status, message, stored, carrier, suggestion)


def override_validation(bench: Bench, address_id: str, reason: str) -> dm.Address:
    """Keep the address although the carrier refused it (or could not check it): the packer knows the
    place. The reason and who gave it are stored on the address and go into the audit log."""
    why = reason.strip()
    if not why:
        raise FieldErrors({"reason": "say why the address is right"})
    if len(why) > MAX_REASON:
        raise FieldErrors({"reason": f"is longer than {MAX_REASON} characters"})
    with bench.store.session() as s:
        row = _address_row(s, address_id)
        previous = row.validation_status
        row.validation_status = AddressValidationStatus.OVERRIDDEN.value
        row.override_reason = why
        row.validated_by = bench.user
        row.validated_at = bench.clock.now()
        audit.record(
            bench,
            AuditAction.ADDRESS_OVERRIDE,
            target_type="address",
            target_id=row.id,
            details={"customer_id": row.customer_id, "previous_status": previous, "reason": why},
            session=s,
        )
        s.flush()
        result = mappers.address(row)
    bench.changed("customers")
    return result

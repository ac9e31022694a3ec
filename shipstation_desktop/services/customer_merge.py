"""Duplicate customers: finding the candidates and merging two into one (issue 7).

Names, phones and e-mails are sealed at rest, so SQL cannot group them: the candidates are found by
streaming every live customer's decrypted fields once through the pure matcher
(domain/customer_duplicates.py), holding only ids per key. Postal codes are plain and read first.

A merge is one transaction through the ORM (so every row it touches reaches the center through the
outbox): the merged customer is linked to the survivor and soft-deleted first, so its e-mail leaves
the unique index before the survivor may take it; the fields are chosen (domain/customer_merge.py);
the e-mail the survivor does not keep becomes an alias of it; addresses, orders, notes,
communications, status changes and aliases move to the survivor; the order totals follow by
themselves (persistence/customer_totals.py); one audit row names the merged id and the fields taken
from it, never their values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shipstation_desktop.domain import customer_duplicates as cd
from shipstation_desktop.domain import customer_merge as cm
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.customer_duplicates import DuplicateGroup, DuplicateReason
from shipstation_desktop.domain.customer_rules import covers
from shipstation_desktop.domain.enums import AddressType
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.persistence import mappers
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import (
    CustomerAlias,
    CustomerCommunication,
    CustomerNote,
    CustomerStatusChange,
)
from shipstation_desktop.persistence.notification_tables import NotificationPreference, preference_id

from . import access, audit
from .bench import Bench

__all__ = [
    "DuplicateGroup",
    "DuplicateReason",
    "MergeRefused",
    "MergeReport",
    "candidates_for",
    "duplicate_candidates",
    "merge",
    "merge_report",
]

BATCH = 2000  # customers decrypted per round trip while scanning for duplicates
# Columns of the notification preferences copied when the survivor had none.
_PREFERENCE_COLUMNS = ("email_statuses", "sms_statuses", "phone", "language", "timezone", "quiet_start", "quiet_end")


class MergeRefused(UserError):
    """The two customers cannot be merged (the same one, missing, deleted or merged already)."""


# ------------------------------------------------------------------------------------------ candidates


def _records(s: Session) -> Iterator[cd.DuplicateRecord]:
    """Every live customer's match fields, streamed in batches (ids, postal codes, aliases first)."""
    postal: dict[str, list[str]] = defaultdict(list)
    country: dict[str, str] = {}
    addresses = select(t.Address.customer_id, t.Address.postal_code, t.Address.country, t.Address.is_default).where(
        t.Address.deleted_at.is_(None)
    )
    for customer_id, code, cc, is_default in s.execute(addresses):
        postal[customer_id].append(code)
        if is_default or customer_id not in country:
            country[customer_id] = cc
    aliases: dict[str, list[str]] = defaultdict(list)
    for customer_id, email in s.execute(
        select(CustomerAlias.customer_id, CustomerAlias.email_normalized).where(CustomerAlias.deleted_at.is_(None))
    ):
        aliases[customer_id].append(email)
    rows = s.execute(
        select(t.Customer.id, t.Customer.email_normalized, t.Customer.name, t.Customer.phone)
        .where(t.Customer.deleted_at.is_(None))
        .execution_options(yield_per=BATCH)
    )
    for customer_id, email, name, phone in rows:
        yield cd.DuplicateRecord(
            id=customer_id,
            email=email or "",
            name=name or "",
            phone=phone or "",
            postal_codes=tuple(postal.get(customer_id, ())),
            country=country.get(customer_id, ""),
            aliases=tuple(aliases.get(customer_id, ())),
        )


def _finder(bench: Bench) -> cd.DuplicateFinder:
    finder = cd.DuplicateFinder()
    with bench.store.session() as s:
        for record in _records(s):
            finder.add(record)
    return finder


def duplicate_candidates(bench: Bench, limit: int = 100) -> list[DuplicateGroup]:
    """Groups of live customers that share a normalized e-mail (or an alias of one), a phone, or a name
    at one postal code; strongest reason first, each group's oldest customer first (the survivor
    to suggest). At most `limit` groups."""
    return _finder(bench).groups(limit=limit)


def candidates_for(bench: Bench, customer_id: str) -> list[DuplicateGroup]:
    """The groups `customer_id` belongs to (the customer screen's "possible duplicates")."""
    return _finder(bench).groups(containing=customer_id)


# ------------------------------------------------------------------------------------------------- merge


@dataclass(frozen=True, slots=True)
class _Moved:
    addresses: int = 0
    duplicate_addresses: int = 0
    orders: int = 0
    notes: int = 0
    communications: int = 0
    status_changes: int = 0
    aliases: int = 0
    notification_preferences: int = 0


def _live(s: Session, customer_id: str, role: str) -> t.Customer:
    row = s.get(t.Customer, customer_id, options=[selectinload(t.Customer.addresses)])
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    if row.merged_into:
        raise MergeRefused(f"customer {customer_id} was already merged into {row.merged_into}")
    if row.deleted_at is not None:
        raise MergeRefused(f"customer {customer_id} is deleted; restore it before merging ({role})")
    return row


def _values(row: t.Customer) -> dict[str, Any]:
    return {
        "email": row.email_normalized,
        "name": row.name,
        "phone": row.phone,
        "date_of_birth": row.date_of_birth,
        "gender": row.gender,
        "status": row.status,
        "source": row.source,
        "external_id": row.external_id,
        "custom_fields": dict(row.custom_fields or {}),
    }


def _address_key(a: t.Address) -> tuple[str, ...]:
    """What is printed on a label, folded: two such addresses are the same place for the same person."""
    fold = cd.name_key
    return (
        a.type,
        fold(a.recipient_name),
        fold(a.line1),
        fold(a.line2),
        fold(a.city),
        fold(a.state),
        cd.postal_key(a.postal_code),
        a.country.upper(),
    )


def _move_addresses(survivor: t.Customer, merged: t.Customer, now: Any) -> tuple[int, int]:
    """Moves the merged customer's addresses; one default per purpose, the survivor's defaults win.
    An address the survivor already has (same label text) is retired instead of kept twice."""
    own = [a for a in survivor.addresses if a.deleted_at is None]
    covered: set[AddressType] = set()
    for a in own:
        if a.is_default:
            covered |= covers(AddressType(a.type))
    known = {_address_key(a): a for a in own}
    moved = duplicates = 0
    for a in [a for a in merged.addresses if a.deleted_at is None]:
        purposes = covers(AddressType(a.type))
        twin = known.get(_address_key(a))
        if twin is not None:
            if a.is_default and not purposes & covered:
                twin.is_default = True
                covered |= purposes
            a.deleted_at = now
            duplicates += 1
            continue
        if a.is_default:
            if purposes & covered:
                a.is_default = False
            else:
                covered |= purposes
        a.customer = survivor
        moved += 1
    return moved, duplicates


def _move_rows(s: Session, model: Any, merged_id: str, survivor_id: str) -> int:
    rows = list(s.scalars(select(model).where(model.customer_id == merged_id, model.deleted_at.is_(None))))
    for row in rows:
        row.customer_id = survivor_id
    return len(rows)


def _move_preferences(s: Session, survivor_id: str, merged_id: str, now: Any) -> int:
    """The merged customer's notification preferences, when the survivor has none. The row's id is
    derived from its customer's (notification_tables.preference_id), so a copy is made under the
    survivor's id and the merged one is retired."""
    theirs = s.scalar(select(NotificationPreference).where(NotificationPreference.customer_id == merged_id))
    if theirs is None or theirs.deleted_at is not None:
        return 0
    if s.scalar(select(NotificationPreference.id).where(NotificationPreference.customer_id == survivor_id)):
        return 0
    s.add(
        NotificationPreference(
            id=preference_id(survivor_id),
            customer_id=survivor_id,
            **{name: getattr(theirs, name) for name in _PREFERENCE_COLUMNS},
        )
    )
    theirs.deleted_at = now
    return 1


def _move_aliases(s: Session, survivor: t.Customer, merged: t.Customer, dropped_email: str, now: Any) -> int:
    """The merged customer's aliases follow it; the e-mail the survivor does not keep becomes one."""
    moved = _move_rows(s, CustomerAlias, merged.id, survivor.id)
    s.flush()
    live = {
        a.email_normalized: a
        for a in s.scalars(
            select(CustomerAlias).where(CustomerAlias.customer_id == survivor.id, CustomerAlias.deleted_at.is_(None))
        )
    }
    own = live.pop(survivor.email_normalized, None)
    if own is not None:  # the survivor now holds that e-mail itself
        own.deleted_at = now
    if dropped_email and dropped_email != survivor.email_normalized and dropped_email not in live:
        taken = s.scalar(
            select(CustomerAlias.id).where(
                CustomerAlias.email_normalized == dropped_email, CustomerAlias.deleted_at.is_(None)
            )
        )
        if taken is None:
            s.add(CustomerAlias(customer_id=survivor.id, email_normalized=dropped_email, merged_from=merged.id))
    return moved


@dataclass(frozen=True, slots=True)
class MergeReport:
    customer: dm.Customer  # the survivor as it is after the merge
    merged_id: str
    fields_from_merged: tuple[str, ...]
    moved: dict[str, int]  # rows moved to the survivor, by kind (and duplicate addresses retired)

    def as_json(self) -> dict[str, Any]:
        return {
            "survivor_id": self.customer.id,
            "merged_id": self.merged_id,
            "fields_from_merged": list(self.fields_from_merged),
            "moved": dict(self.moved),
        }


def merge(bench: Bench, survivor_id: str, merged_id: str, choices: Mapping[str, str] | None = None) -> dm.Customer:
    """Merges `merged_id` into `survivor_id` and returns the survivor as it is now.

    `choices` maps fields (domain/customer_merge.MERGE_FIELDS) to "survivor" or "merged"; fields
    not chosen follow the defaults documented there."""
    return merge_report(bench, survivor_id, merged_id, choices).customer


def merge_report(
    bench: Bench, survivor_id: str, merged_id: str, choices: Mapping[str, str] | None = None
) -> MergeReport:
    """`merge`, telling also which fields came from the merged customer and what moved."""
    access.require(bench, Permission.EDIT_CUSTOMERS)
    chosen = cm.parse_choices(choices)
    if survivor_id == merged_id:
        raise MergeRefused("a customer cannot be merged into itself")
    now = bench.clock.now()
    with bench.store.session() as s:
        survivor = _live(s, survivor_id, "survivor")
        merged = _live(s, merged_id, "merged")
        mine, theirs = _values(survivor), _values(merged)
        side = cm.sides(mine, theirs, chosen)
        taken = [name for name, where in side.items() if where is cm.Side.MERGED and name != "custom_fields"]

        # The link first (an update the center keeps), then the tombstone: its e-mail leaves the
        # unique index before the survivor may take it.
        merged.merged_into = survivor.id
        s.flush()
        merged.deleted_at = now
        s.flush()

        previous_status = survivor.status
        dropped_email = theirs["email"]
        if side["email"] is cm.Side.MERGED:
            dropped_email = survivor.email_normalized
            survivor.email = merged.email
            survivor.email_normalized = merged.email_normalized
        for name in ("name", "phone", "date_of_birth", "gender", "status", "source", "external_id"):
            if side[name] is cm.Side.MERGED:
                setattr(survivor, name, theirs[name])
        tags = cm.merged_tags(survivor.tags or [], merged.tags or [])
        if tags != list(survivor.tags or []):
            survivor.tags = tags
        fields, from_merged = cm.merged_custom_fields(
            mine["custom_fields"], theirs["custom_fields"], side["custom_fields"]
        )
        if fields != mine["custom_fields"]:
            survivor.custom_fields = fields
        if from_merged:
            taken.append("custom_fields")
        if survivor.status != previous_status:
            s.add(
                CustomerStatusChange(
                    customer_id=survivor.id,
                    previous_status=previous_status,
                    status=survivor.status,
                    reason=f"merged with customer {merged.id}",
                    changed_by=bench.user,
                )
            )
        s.flush()

        addresses, duplicates = _move_addresses(survivor, merged, now)
        moved = _Moved(
            addresses=addresses,
            duplicate_addresses=duplicates,
            orders=_move_rows(s, t.Order, merged.id, survivor.id),
            notes=_move_rows(s, CustomerNote, merged.id, survivor.id),
            communications=_move_rows(s, CustomerCommunication, merged.id, survivor.id),
            status_changes=_move_rows(s, CustomerStatusChange, merged.id, survivor.id),
            aliases=_move_aliases(s, survivor, merged, dropped_email, now),
            notification_preferences=_move_preferences(s, survivor.id, merged.id, now),
        )
        counts = {name: getattr(moved, name) for name in moved.__dataclass_fields__}
        audit.record(
            bench,
            AuditAction.CUSTOMER_MERGE,
            target_type="customer",
            target_id=survivor.id,
            details={"merged_id": merged.id, "fields_from_merged": sorted(taken), "moved": counts},
            session=s,
        )
    bench.changed("customers")
    bench.changed("orders")
    return MergeReport(_customer(bench, survivor_id), merged_id, tuple(sorted(taken)), counts)


def _customer(bench: Bench, customer_id: str) -> dm.Customer:
    with bench.store.session() as s:
        row = s.get(t.Customer, customer_id, options=[selectinload(t.Customer.addresses)])
        if row is None:
            raise NotFound(f"no customer {customer_id}")
        return mappers.customer(row, with_addresses=True)

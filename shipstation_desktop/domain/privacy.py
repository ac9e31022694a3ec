"""Erasing a customer (GDPR "right to erasure"): what the erased values look like, which columns of
which records hold personal data, and how to tell an erasure from an ordinary edit — pure rules.

An erasure keeps the records (orders, shipments, amounts, tracking) and blanks the person: the name
becomes "Erased customer <short id>", the e-mail a unique address under the reserved `.invalid`
domain, free texts "[erased]". City, state, postal code and country stay, for statistics (sales by
region, carrier zones); on their own they do not identify anyone.

The center accepts an erasure where it refuses other edits (a bought label's ship-to address, a
tombstone): `is_erasure` says whether an incoming change only removes personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ERASED_TEXT = "[erased]"
ERASED_NAME_PREFIX = "Erased customer "
ERASED_EMAIL_PREFIX = "erased-"
ERASED_EMAIL_DOMAIN = "@invalid"  # RFC 2606: never deliverable, so no message can reach anyone
ERASED_MARK = "erased_at"  # the key set in the customer's custom_fields
# Address fields an erasure keeps (statistics); every other text field of an address is blanked.
KEPT_ADDRESS_FIELDS = frozenset({"city", "state", "postal_code", "country"})

# Per synced table: the columns that hold personal data, and what an erasure leaves in each.
# "name": the erased name; "email": an erased address; "text": "[erased]"; "blank": "" ; "none":
# NULL; "address": an anonymized postal address (see anonymized_address); "mark": {"erased_at": ...}.
PII_COLUMNS: dict[str, dict[str, str]] = {
    "customers": {
        "name": "name",
        "email": "email",
        "email_normalized": "email",
        "phone": "blank",
        "date_of_birth": "none",
        "gender": "blank",
        "external_id": "blank",
        "custom_fields": "mark",
    },
    "addresses": {
        "recipient_name": "blank",
        "line1": "blank",
        "line2": "blank",
        "phone": "blank",
        "validation_message": "blank",
        "override_reason": "blank",
    },
    "customer_notes": {"body": "text"},
    "customer_communications": {"subject": "text", "body": "text"},
    "customer_aliases": {"email_normalized": "email"},
    "notification_preferences": {"phone": "blank"},
    "notifications": {"recipient": "blank", "subject": "text", "body": "text"},
    "orders": {"ship_to": "address"},
    "shipments": {"to_address": "address", "delivery_signature": "blank", "delivery_photo": "blank"},
}
# Columns an erasure may also change besides the personal ones (the customer's status, sync stamps).
_ALSO_CHANGED = frozenset({"status", "updated_at", "version"})


def short_id(record_id: str) -> str:
    """The last 8 hex digits: the random end of a UUIDv7 (its start is a timestamp, shared by many)."""
    return record_id.replace("-", "")[-8:]


def erased_name(customer_id: str) -> str:
    return f"{ERASED_NAME_PREFIX}{short_id(customer_id)}"


def erased_email(record_id: str) -> str:
    """Unique per record, so the unique e-mail index still holds after any number of erasures."""
    return f"{ERASED_EMAIL_PREFIX}{record_id}{ERASED_EMAIL_DOMAIN}"


def is_erased_email(value: object) -> bool:
    return isinstance(value, str) and value.startswith(ERASED_EMAIL_PREFIX) and value.endswith(ERASED_EMAIL_DOMAIN)


def is_erased_customer(custom_fields: Mapping[str, Any] | None) -> bool:
    return bool(custom_fields and custom_fields.get(ERASED_MARK))


def anonymized_address(address: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A postal address (an order's ship-to, a shipment's to-address) without the person: the name
    replaced, street, phone, e-mail and company blanked; city, state, postal code, country kept."""
    out: dict[str, Any] = {}
    for key, value in address.items():
        if key in KEPT_ADDRESS_FIELDS or not isinstance(value, str):
            out[key] = value
        elif key == "name":
            out[key] = name
        else:
            out[key] = ""
    return out


def is_address_erasure(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """True when `after` is `before` with its personal fields erased (and nothing else changed)."""
    name = after.get("name", "")
    if name and not (isinstance(name, str) and name.startswith(ERASED_NAME_PREFIX)):
        return False
    return dict(after) == anonymized_address(before, str(name))


def _erased_value(kind: str, value: Any, before: Any) -> bool:
    if kind == "name":
        return isinstance(value, str) and value.startswith(ERASED_NAME_PREFIX)
    if kind == "email":
        return is_erased_email(value)
    if kind == "text":
        return value in ("", ERASED_TEXT, None)
    if kind in ("blank", "none"):
        return value in ("", None)
    if kind == "mark":
        return isinstance(value, dict) and set(value) == {ERASED_MARK}
    if kind == "address":
        if value is None:
            return True
        return isinstance(value, dict) and isinstance(before, dict) and is_address_erasure(before, value)
    return False


def is_erasure(entity: str, current: Mapping[str, Any], incoming: Mapping[str, Any], changed: Iterable[str]) -> bool:
    """Whether a change of one record only erases personal data: every changed column is a personal
    one (or the customer's status, or a sync stamp) and holds an erased value."""
    columns = PII_COLUMNS.get(entity)
    if not columns:
        return False
    touched = [c for c in changed if c not in _ALSO_CHANGED]
    if not touched:
        return False
    for column in touched:
        kind = columns.get(column)
        if kind is None or column not in incoming:
            return False
        if not _erased_value(kind, incoming[column], current.get(column)):
            return False
    return True


def erased_values(
    entity: str, record_id: str, customer_id: str, row: Mapping[str, Any], now_iso: str
) -> dict[str, Any]:
    """The values an erasure writes into one record's personal columns (only those `row` has);
    the name is the erased name of `customer_id`, e-mails are unique per `record_id`."""
    columns = PII_COLUMNS[entity]
    name = erased_name(customer_id)
    out: dict[str, Any] = {}
    for column, kind in columns.items():
        if column not in row:
            continue
        current = row[column]
        if kind == "name":
            out[column] = name
        elif kind == "email":
            out[column] = erased_email(record_id)
        elif kind == "text":
            out[column] = ERASED_TEXT if current else current
        elif kind == "blank":
            out[column] = "" if current is not None else None
        elif kind == "none":
            out[column] = None
        elif kind == "mark":
            out[column] = {ERASED_MARK: now_iso}
        elif kind == "address":
            out[column] = anonymized_address(current, name) if isinstance(current, Mapping) else current
    return out

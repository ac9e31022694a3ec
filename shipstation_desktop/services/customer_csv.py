"""Customer CSV import and export (issue 7): the native layout and Shopify's customer export.

Files are streamed: csv_sniff finds the encoding and separator in one pass, then rows are read one at
a time and written in batches of BATCH rows, one commit per batch. A batch is written inside one
SAVEPOINT; when the database refuses any of its rows, that savepoint is rolled back and the batch is
written again row by row, each row in its own SAVEPOINT, so the row that fails is never half written
and is reported exactly as before (a savepoint per row for every row cost 3x the time). A cancelled
import keeps the batches already committed.

Identity: a row updates the customer with its external id, else the one with its (normalized) email;
otherwise it creates one. A row that changes nothing writes nothing (no outbox row) and counts as
skipped, so importing the same file twice, or a file this module exported, is a no-op. A row whose
email (or external id) belonged to a customer since merged into another (customer_aliases) is
skipped too: the survivor keeps the values chosen at the merge, and the duplicate is not created again.

Native layout (what `customers export` writes; UTF-8 with BOM so spreadsheets read accents right).
Headers match ignoring case and punctuation. Only email is required; a missing column leaves that
field alone, an empty cell clears it (status and source: empty = unchanged, ACTIVE/MANUAL for new).

    external_id          id in the source platform (Shopify customer id, TikTok buyer id …)
    email*               unique per live customer, compared lower-cased
    name                 full name (the email's local part when empty for a new customer)
    phone                E.164 after normalization; an unparseable number is refused
    status               ACTIVE, INACTIVE, BLOCKED or VIP
    source               TIKTOK_SHOP, SHOPIFY, ETSY, AMAZON, SHIPSTATION or MANUAL
    tags                 ;-separated: vip;wholesale
    date_of_birth        YYYY-MM-DD
    gender               free text
    address_name         recipient of the default shipping address (the customer's name when empty)
    address_line1, address_line2, address_city, address_state, address_postal_code,
    address_country      ISO 3166 alpha-2 (names and alpha-3 codes are accepted and normalized)
    address_phone
    notes                free text, kept in the customer's custom fields

Shopify layout: the columns of Shopify admin › Customers › Export, as documented in "Using CSV files
to import and export customers" (https://help.shopify.com/en/manual/customers/import-export-customers):
Customer ID, First Name, Last Name, Email, Accepts Email Marketing, Default Address Company,
Default Address Address1, Default Address Address2, Default Address City, Default Address Province
Code, Default Address Country Code, Default Address Zip, Default Address Phone, Phone, Accepts SMS
Marketing, Total Spent, Total Orders, Note, Tax Exempt, Tags (comma-separated). The older export's
"Company, Address1, Address2, City, Province Code, Country Code, Zip, Accepts Marketing" are read too.
Marketing consent, company, tax exemption and Shopify's totals go into custom_fields["shopify"]: this
bench computes its own order totals from its orders.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Generator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

import pycountry
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shipstation_desktop.domain.address_normalize import country_code, phone_e164, postal_code, state_code, tidy
from shipstation_desktop.domain.enums import AddressType, CustomerSource, CustomerStatus
from shipstation_desktop.domain.errors import Cancelled, UserError
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.customer_tables import CustomerAlias

from .bench import Bench
from .csv_sniff import CsvFile, header_key, inspect

BATCH = 500
FORMATS = ("native", "shopify")
NATIVE_COLUMNS = (
    "external_id",
    "email",
    "name",
    "phone",
    "status",
    "source",
    "tags",
    "date_of_birth",
    "gender",
    "address_name",
    "address_line1",
    "address_line2",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_country",
    "address_phone",
    "notes",
)
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "state", "postal_code", "country", "phone")
# Shopify field -> accepted header keys (current export first, then the pre-2023 one).
SHOPIFY_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "external_id": ("customerid", "id"),
    "first_name": ("firstname",),
    "last_name": ("lastname",),
    "email": ("email",),
    "accepts_email_marketing": ("acceptsemailmarketing", "acceptsmarketing"),
    "company": ("defaultaddresscompany", "company"),
    "line1": ("defaultaddressaddress1", "address1"),
    "line2": ("defaultaddressaddress2", "address2"),
    "city": ("defaultaddresscity", "city"),
    "state": ("defaultaddressprovincecode", "provincecode", "province"),
    "country": ("defaultaddresscountrycode", "countrycode", "country"),
    "postal_code": ("defaultaddresszip", "zip"),
    "address_phone": ("defaultaddressphone",),
    "phone": ("phone",),
    "accepts_sms_marketing": ("acceptssmsmarketing",),
    "total_spent": ("totalspent",),
    "total_orders": ("totalorders",),
    "note": ("note",),
    "tax_exempt": ("taxexempt",),
    "tags": ("tags",),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_E164 = re.compile(r"^\+\d{6,15}$")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # the spreadsheet row: header = 1
    error: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "error": self.error}


@dataclass(slots=True)
class ImportResult:
    format: str
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0  # data rows handled (committed, skipped or refused)
    last_row: int = 1  # spreadsheet row of the last handled row
    cancelled: bool = False

    def as_json(self) -> dict[str, Any]:
        """The `customers import --json` contract: exactly these keys."""
        return {
            "imported": self.imported,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": [e.as_json() for e in self.errors],
        }


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """One row, validated and normalized. `fields` and `address` hold only what the file gives."""

    row: int
    email: str
    external_id: str | None
    fields: dict[str, Any]
    address: dict[str, str] | None
    custom: dict[str, Any]
    source_if_new: str


class _BadRow(Exception):
    pass


# ----------------------------------------------------------------------------------------- reading


def detect_format(header: list[str]) -> str:
    keys = {header_key(h) for h in header}
    if "emailnormalized" in keys or {"email", "addressline1"} <= keys or {"email", "externalid"} <= keys:
        return "native"
    if keys & {"firstname", "defaultaddressaddress1", "acceptsemailmarketing", "acceptsmarketing"}:
        return "shopify"
    if keys == {"email"} or {"email", "name"} <= keys:
        return "native"
    raise UserError(
        "Cannot tell whether this is a native or a Shopify customer file; its columns are: "
        + ", ".join(repr(h) for h in header[:20])
        + " (use --format)."
    )


def read_records(source: CsvFile, fmt: str | None) -> tuple[str, Generator[CustomerRecord | RowError, None, None]]:
    """(format, records and row errors in file order). Opens the file lazily; the header is checked now."""
    f = source.path.open(encoding=source.encoding, newline="")
    reader = csv.reader(f, delimiter=source.delimiter)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        f.close()
        raise UserError(f"{source.path.name}: the header row is not valid CSV ({exc}).") from None
    if header is None:
        f.close()
        raise UserError(f"{source.path} is empty.")
    try:
        chosen = fmt or detect_format(header)
        if chosen not in FORMATS:
            raise UserError(f"{fmt!r} is not a customer file format ({', '.join(FORMATS)}).")
        parse = _native_parser(header) if chosen == "native" else _shopify_parser(header)
    except UserError:
        f.close()
        raise

    def rows() -> Generator[CustomerRecord | RowError, None, None]:
        with f:
            row_number = 1
            while True:
                row_number += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield RowError(row_number, f"not valid CSV: {exc}")
                    continue
                except UnicodeDecodeError as exc:
                    raise UserError(
                        f"{source.path.name}: row {row_number} is not {source.encoding} text ({exc})."
                    ) from None
                if not any(c.strip() for c in cells):
                    continue
                try:
                    yield parse(row_number, cells)
                except _BadRow as exc:
                    yield RowError(row_number, str(exc))

    return chosen, rows()


def _positions(header: list[str]) -> dict[str, int]:
    return {k: i for i, k in reversed(list(enumerate(header_key(h) for h in header))) if k}


def _native_parser(header: list[str]) -> Callable[[int, list[str]], CustomerRecord]:
    pos = _positions(header)
    index = {name: pos[header_key(name)] for name in NATIVE_COLUMNS if header_key(name) in pos}
    if "email" not in index:
        raise UserError("The customer file has no 'email' column.")
    address_columns = {f: index[f"address_{f}"] for f in ADDRESS_FIELDS if f"address_{f}" in index}

    def parse(row: int, cells: list[str]) -> CustomerRecord:
        def cell(name: str) -> str | None:
            i = index.get(name)
            if i is None:
                return None
            return tidy(cells[i]) if i < len(cells) else ""

        fields: dict[str, Any] = {}
        email = _email(cell("email") or "")
        name = cell("name")
        if name:  # an empty name leaves the customer's alone (a new one is named after the email)
            fields["name"] = name[:200]
        for key in ("gender",):
            value = cell(key)
            if value is not None:
                fields[key] = value[:32]
        status = cell("status")
        if status:
            fields["status"] = _enum(CustomerStatus, status, "status")
        source = cell("source")
        if source:
            fields["source"] = _enum(CustomerSource, source, "source")
        tags = cell("tags")
        if tags is not None:
            fields["tags"] = _tags(tags, ";")
        dob = cell("date_of_birth")
        if dob is not None:
            fields["date_of_birth"] = _date(dob) if dob else None
        raw_address = {f: (tidy(cells[i]) if i < len(cells) else "") for f, i in address_columns.items()}
        address = _address(raw_address) if any(raw_address.values()) else None
        phone = cell("phone")
        if phone is not None:
            fields["phone"] = _phone(phone, address["country"] if address else "", "phone")
        notes = cell("notes")
        custom = {} if notes is None else {"notes": notes}
        ext = cell("external_id")
        return CustomerRecord(row, email, ext, fields, address, custom, CustomerSource.MANUAL.value)

    return parse


def _shopify_parser(header: list[str]) -> Callable[[int, list[str]], CustomerRecord]:
    pos = _positions(header)
    index: dict[str, int] = {}
    for name, candidates in SHOPIFY_COLUMNS.items():
        for candidate in candidates:
            if candidate in pos:
                index[name] = pos[candidate]
                break
    if "email" not in index:
        raise UserError("The Shopify customer file has no 'Email' column.")

    def parse(row: int, cells: list[str]) -> CustomerRecord:
        def cell(name: str) -> str:
            i = index.get(name)
            # Shopify prefixes phones and ZIPs with ' so spreadsheets keep them as text.
            return tidy(cells[i]).removeprefix("'") if i is not None and i < len(cells) else ""

        email = _email(cell("email"))
        fields: dict[str, Any] = {}
        name = " ".join(p for p in (cell("first_name"), cell("last_name")) if p)
        if name:
            fields["name"] = name
        if "tags" in index:
            fields["tags"] = _tags(cell("tags"), ",")
        raw_address = {
            "name": name,
            "line1": cell("line1"),
            "line2": cell("line2"),
            "city": cell("city"),
            "state": cell("state"),
            "postal_code": cell("postal_code"),
            "country": cell("country"),
            "phone": cell("address_phone"),
        }
        has_address = any(v for k, v in raw_address.items() if k != "name")
        address = _address(raw_address, prefix="Default Address ") if has_address else None
        country = address["country"] if address else ""
        phone = cell("phone") or (address["phone"] if address else "")
        if "phone" in index or "address_phone" in index:
            fields["phone"] = _phone(phone, country, "Phone")
        shopify = {
            key: value
            for key, value in (
                ("accepts_email_marketing", _yes(cell("accepts_email_marketing"))),
                ("accepts_sms_marketing", _yes(cell("accepts_sms_marketing"))),
                ("tax_exempt", _yes(cell("tax_exempt"))),
                ("company", cell("company") or None),
                ("total_spent", cell("total_spent") or None),
                ("total_orders", cell("total_orders") or None),
            )
            if value is not None
        }
        custom: dict[str, Any] = {"shopify": shopify} if shopify else {}
        if "note" in index:
            custom["notes"] = cell("note")
        ext = cell("external_id") if "external_id" in index else None
        return CustomerRecord(row, email, ext, fields, address, custom, CustomerSource.SHOPIFY.value)

    return parse


def _email(text: str) -> str:
    value = text.replace(" ", "")
    if not value:
        raise _BadRow("email is empty")
    if len(value) > 320 or not _EMAIL.match(value):
        raise _BadRow(f"email {text!r} is not a valid email address")
    return value


def _phone(text: str, country: str, what: str) -> str:
    if not text:
        return ""
    value = phone_e164(text, country)
    if not _E164.match(value):
        raise _BadRow(f"{what} {text!r} is not a valid phone number")
    return value


def _enum(enum: Any, text: str, what: str) -> str:
    for member in enum:
        if text.upper().replace(" ", "_") == member.value:
            return str(member.value)
    raise _BadRow(f"{what} {text!r} is not one of {', '.join(m.value for m in enum)}")


def _tags(text: str, sep: str) -> list[str]:
    tags: list[str] = []
    for part in text.split(sep):
        tag = tidy(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise _BadRow(f"date_of_birth {text!r} is not a date like 1990-04-21") from None


def _yes(text: str) -> bool | None:
    lowered = text.lower()
    if lowered in ("yes", "true", "1", "y"):
        return True
    if lowered in ("no", "false", "0", "n"):
        return False
    return None


def _address(raw: dict[str, str], prefix: str = "address_") -> dict[str, str]:
    labels = {"line1": "line1", "city": "city", "postal_code": "postal_code", "country": "country"}
    if prefix != "address_":
        labels = {"line1": "Address1", "city": "City", "postal_code": "Zip", "country": "Country Code"}
    for key, label in labels.items():
        if key in raw and not raw[key]:
            raise _BadRow(f"{prefix}{label} is empty (the address needs line1, city, postal code and country)")
    country = country_code(raw.get("country", ""))
    if pycountry.countries.get(alpha_2=country) is None:
        raise _BadRow(f"{prefix}{labels['country']} {raw.get('country', '')!r} is not a country")
    return {
        "name": raw.get("name", "")[:200],
        "line1": raw.get("line1", "")[:200],
        "line2": raw.get("line2", "")[:200],
        "city": raw.get("city", "")[:120],
        "state": state_code(raw.get("state", ""), country)[:64],
        "postal_code": postal_code(raw.get("postal_code", ""), country)[:20],
        "country": country,
        "phone": _phone(raw.get("phone", ""), country, f"{prefix}phone"),
    }


# ----------------------------------------------------------------------------------------- import


def import_customers(
    bench: Bench,
    path: Path,
    *,
    fmt: str | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch_size: int = BATCH,
) -> ImportResult:
    """Imports a customer CSV file; see the module docstring. Raises UserError for an unreadable file."""
    source = inspect(path)
    chosen, items = read_records(source, fmt)
    result = ImportResult(chosen)
    seen_email: dict[str, int] = {}
    seen_ext: dict[str, int] = {}
    while True:
        batch = list(islice(items, batch_size))
        if not batch:
            break
        with bench.store.session() as s:
            _import_batch(s, batch, result, seen_email, seen_ext, cancelled)
        if progress is not None:
            progress(result.rows_read)
        if result.cancelled:
            items.close()  # closes the file
            break
    return result


def _import_batch(
    s: Session,
    batch: list[CustomerRecord | RowError],
    result: ImportResult,
    seen_email: dict[str, int],
    seen_ext: dict[str, int],
    cancelled: Callable[[], bool] | None,
) -> None:
    """One batch in one savepoint; if the database refuses a row, again row by row (see the docstring)."""
    records = [r for r in batch if isinstance(r, CustomerRecord)]
    before = (dict(seen_email), dict(seen_ext))
    try:
        with s.begin_nested():
            done = _import_rows(s, batch, _prefetch(s, records), seen_email, seen_ext, cancelled, row_savepoints=False)
    except IntegrityError:
        seen_email.clear()
        seen_email.update(before[0])
        seen_ext.clear()
        seen_ext.update(before[1])
        known = _prefetch(s, records)  # what the rollback undid is read again
        done = _import_rows(s, batch, known, seen_email, seen_ext, cancelled, row_savepoints=True)
    result.imported += done.imported
    result.updated += done.updated
    result.skipped += done.skipped
    result.errors.extend(done.errors)
    result.rows_read += done.rows_read
    result.last_row = max(result.last_row, done.last_row)
    result.cancelled = done.cancelled


def _import_rows(
    s: Session,
    batch: list[CustomerRecord | RowError],
    known: _Known,
    seen_email: dict[str, int],
    seen_ext: dict[str, int],
    cancelled: Callable[[], bool] | None,
    *,
    row_savepoints: bool,
) -> ImportResult:
    """The batch's rows applied in file order; what happened to them, as counts and row errors."""
    done = ImportResult("")
    for item in batch:
        if cancelled is not None and cancelled():
            done.cancelled = True
            break
        done.rows_read += 1
        done.last_row = item.row
        if isinstance(item, RowError):
            done.errors.append(item)
            continue
        try:
            _check_duplicate(item, seen_email, seen_ext)
            outcome = _apply(s, item, known, row_savepoints)
        except _BadRow as exc:
            done.errors.append(RowError(item.row, str(exc)))
            continue
        if outcome == "imported":
            done.imported += 1
        elif outcome == "updated":
            done.updated += 1
        else:
            done.skipped += 1
    return done


def _check_duplicate(item: CustomerRecord, seen_email: dict[str, int], seen_ext: dict[str, int]) -> None:
    key = item.email.lower()
    if key in seen_email:
        raise _BadRow(f"email {item.email} is already used by row {seen_email[key]} of this file")
    if item.external_id and item.external_id in seen_ext:
        raise _BadRow(f"external_id {item.external_id} is already used by row {seen_ext[item.external_id]}")
    seen_email[key] = item.row
    if item.external_id:
        seen_ext[item.external_id] = item.row


@dataclass(slots=True)
class _Known:
    by_email: dict[str, t.Customer]
    by_ext: dict[str, t.Customer]
    # Emails and external ids of customers merged into another -> the survivor's id.
    merged_email: dict[str, str] = field(default_factory=dict)
    merged_ext: dict[str, str] = field(default_factory=dict)


def _prefetch(s: Session, records: list[CustomerRecord]) -> _Known:
    """The batch's existing customers in one query, so each row costs no lookup of its own; for the
    emails and external ids no live customer has, whether a merged customer had them."""
    emails = {r.email.lower() for r in records}
    exts = {r.external_id for r in records if r.external_id}
    known = _Known({}, {})
    if not records:
        return known
    q = (
        select(t.Customer)
        .options(selectinload(t.Customer.addresses))
        .where(t.Customer.deleted_at.is_(None))
        .where(or_(t.Customer.email_normalized.in_(emails), t.Customer.external_id.in_(exts)))
    )
    for c in s.scalars(q):
        known.by_email[c.email_normalized] = c
        if c.external_id:
            known.by_ext[c.external_id] = c
    unknown_emails = emails - set(known.by_email)
    if unknown_emails:
        aliases = select(CustomerAlias.email_normalized, CustomerAlias.customer_id).where(
            CustomerAlias.email_normalized.in_(unknown_emails), CustomerAlias.deleted_at.is_(None)
        )
        known.merged_email = {email: cid for email, cid in s.execute(aliases)}
    unknown_exts = exts - set(known.by_ext)
    if unknown_exts:
        merged = select(t.Customer.external_id, t.Customer.merged_into).where(
            t.Customer.external_id.in_(unknown_exts), t.Customer.merged_into.is_not(None)
        )
        known.merged_ext = {ext: str(into) for ext, into in s.execute(merged)}
    return known


def _describe(c: t.Customer) -> str:
    ext = f", external id {c.external_id}" if c.external_id else ""
    return f"{c.name} <{c.email}> (id {c.id}{ext})"


def _apply(s: Session, item: CustomerRecord, known: _Known, savepoint: bool = True) -> str:
    """Writes one row; with `savepoint`, inside its own SAVEPOINT (and flushed there)."""
    email_key = item.email.lower()
    by_email = known.by_email.get(email_key)
    by_ext = known.by_ext.get(item.external_id) if item.external_id else None
    if (
        by_email is None
        and by_ext is None
        and (email_key in known.merged_email or (item.external_id and item.external_id in known.merged_ext))
    ):
        return "skipped"  # merged into another customer: never created again (module docstring)
    customer = by_ext or by_email
    if by_ext is not None and by_email is not None and by_ext is not by_email:
        raise _BadRow(f"email {item.email} already belongs to another customer: {_describe(by_email)}")
    if by_ext is None and by_email is not None and item.external_id and by_email.external_id:
        raise _BadRow(f"email {item.email} belongs to a customer with a different external id: {_describe(by_email)}")
    wanted = dict(item.fields)
    wanted["email"] = item.email
    wanted["email_normalized"] = email_key
    if item.external_id is not None and (item.external_id or customer is None):
        wanted["external_id"] = item.external_id
    if customer is not None:
        custom = {**(customer.custom_fields or {}), **item.custom}
        if custom != (customer.custom_fields or {}):
            wanted["custom_fields"] = custom
        changes = {k: v for k, v in wanted.items() if getattr(customer, k) != v}
        address_changes = _address_changes(customer, item.address)
        if not changes and address_changes is None:
            return "skipped"
        try:
            with _savepoint(s, savepoint):
                for key, value in changes.items():
                    setattr(customer, key, value)
                if address_changes is not None:
                    _write_address(customer, item.address or {}, address_changes)
        except IntegrityError as exc:
            raise _BadRow(f"cannot be saved: {exc.orig}") from None
        _remember(known, customer)
        return "updated"
    wanted.setdefault("name", item.email.split("@", 1)[0])
    wanted.setdefault("source", item.source_if_new)
    wanted.setdefault("status", CustomerStatus.ACTIVE.value)
    wanted.setdefault("tags", [])
    wanted["custom_fields"] = dict(item.custom)
    customer = t.Customer(id=uuid7(), **wanted)
    try:
        with _savepoint(s, savepoint):
            s.add(customer)
            if item.address is not None:
                _write_address(customer, item.address, None)
    except IntegrityError as exc:
        raise _BadRow(f"cannot be saved: {exc.orig}") from None
    _remember(known, customer)
    return "imported"


def _savepoint(s: Session, wanted: bool) -> AbstractContextManager[object]:
    """The row's own SAVEPOINT, or nothing when the whole batch is in one (written at its end)."""
    return s.begin_nested() if wanted else nullcontext()


def _remember(known: _Known, customer: t.Customer) -> None:
    known.by_email[customer.email_normalized] = customer
    if customer.external_id:
        known.by_ext[customer.external_id] = customer


def default_address(customer: t.Customer) -> t.Address | None:
    """The address export writes and import updates: the default shipping one, else the first live one."""
    live = [a for a in customer.addresses if a.deleted_at is None]
    for a in live:
        if a.is_default and a.type in (AddressType.SHIPPING.value, AddressType.BOTH.value):
            return a
    return live[0] if live else None


def _address_values(customer: t.Customer, address: Mapping[str, str]) -> dict[str, str]:
    return {
        "recipient_name": address.get("name") or str(customer.name),
        "line1": address["line1"],
        "line2": address["line2"],
        "city": address["city"],
        "state": address["state"],
        "postal_code": address["postal_code"],
        "country": address["country"],
        "phone": address["phone"],
    }


def _address_changes(customer: t.Customer, address: Mapping[str, str] | None) -> dict[str, str] | None:
    """None when the file's address is already the customer's default one (or the file has none)."""
    if address is None:
        return None
    wanted = _address_values(customer, address)
    current = default_address(customer)
    if current is None:
        return wanted
    changes = {k: v for k, v in wanted.items() if getattr(current, k) != v}
    return changes or None


def _write_address(customer: t.Customer, address: Mapping[str, str], changes: dict[str, str] | None) -> None:
    current = None if changes is None else default_address(customer)
    if current is None:
        customer.addresses.append(
            t.Address(
                id=uuid7(),
                customer_id=customer.id,
                type=AddressType.SHIPPING.value,
                is_default=True,
                **_address_values(customer, address),
            )
        )
        return
    for key, value in (changes or {}).items():
        setattr(current, key, value)


# ----------------------------------------------------------------------------------------- export


def export_customers(
    bench: Bench,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch_size: int = BATCH,
) -> int:
    """Writes every live customer in the native layout, streamed in batches; returns how many."""
    count = 0
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(NATIVE_COLUMNS)
            with bench.store.session() as s:
                q = (
                    select(t.Customer)
                    .options(selectinload(t.Customer.addresses))
                    .where(t.Customer.deleted_at.is_(None))
                    .order_by(t.Customer.id)
                    .execution_options(yield_per=batch_size)
                )
                for customer in s.scalars(q):
                    if cancelled is not None and count % batch_size == 0 and cancelled():
                        raise Cancelled(f"export cancelled after {count} customers; {path} was not written")
                    writer.writerow(_native_row(customer))
                    count += 1
                    if progress is not None and count % batch_size == 0:
                        progress(count)
        tmp.replace(path)  # readers never see half a file
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(count)
    return count


def _native_row(c: t.Customer) -> list[str]:
    a = default_address(c)
    custom = c.custom_fields or {}
    values = {
        "external_id": c.external_id,
        "email": c.email,
        "name": c.name,
        "phone": c.phone,
        "status": c.status,
        "source": c.source,
        "tags": ";".join(c.tags or ()),
        "date_of_birth": c.date_of_birth or "",
        "gender": c.gender,
        "address_name": a.recipient_name if a else "",
        "address_line1": a.line1 if a else "",
        "address_line2": a.line2 if a else "",
        "address_city": a.city if a else "",
        "address_state": a.state if a else "",
        "address_postal_code": a.postal_code if a else "",
        "address_country": a.country if a else "",
        "address_phone": a.phone if a else "",
        "notes": str(custom.get("notes", "")),
    }
    return [str(values[name] or "") for name in NATIVE_COLUMNS]

"""`customers list|search|import|export` (issue 7): customers from a terminal and CSV files; one
customer's `show|add|update|delete|restore|status|note|timeline|address` further down.

`customers import FILE --json` prints {"imported": n, "updated": n, "skipped": n, "errors": [{"row": n,
"error": str}]}; `customers search QUERY --json` an array of customers with their addresses;
`customers list … --json` one page: {"items": [...], "total": n, "page": p, "page_size": s, "has_more":
bool, "total_capped": bool} (total_capped: a --search matched more than 1000, total says 1000). The file
layouts are documented in services/customer_csv.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from shipstation_desktop.domain.enums import CustomerSource, CustomerStatus

from . import customer_merge_cli, customer_privacy_cli

COMMANDS = {"customers"}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _at_least_one(text: str) -> int:
    value = _positive_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _enum_value(enum: type[StrEnum]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return enum(text.strip().upper())
        except ValueError:
            valid = ", ".join(m.value.lower() for m in enum)
            raise argparse.ArgumentTypeError(f"{text!r} is not one of {valid}") from None

    return parse


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount like 120 or 99.50") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount like 120 or 99.50")
    return value


def _day_or_time(*, end: bool) -> Callable[[str], datetime]:
    """YYYY-MM-DD (the whole day, in UTC: its start, or its last microsecond for an upper bound) or
    an ISO time (UTC when it names no zone)."""

    def parse(text: str) -> datetime:
        try:
            if len(text.strip()) == 10:
                day = date.fromisoformat(text.strip())
                moment = datetime.combine(day, time.max if end else time.min)
            else:
                moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-01-31 or an ISO time") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    return parse


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    cu = sub.add_parser("customers", help="customers").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    cl = cu.add_parser("list", help="customers by last order (newest first), filtered, one page at a time")
    cl.add_argument("--search", default="", help="words the customer's name, e-mail, … start with (as search)")
    cl.add_argument("--status", type=_enum_value(CustomerStatus), help="active, inactive, blocked or vip")
    cl.add_argument("--source", type=_enum_value(CustomerSource), help="shopify, amazon, etsy, tiktok_shop, …")
    cl.add_argument("--tag", default="", help="one tag, exactly")
    cl.add_argument("--min-spent", type=_money, metavar="AMOUNT")
    cl.add_argument("--max-spent", type=_money, metavar="AMOUNT")
    cl.add_argument(
        "--last-order-from", type=_day_or_time(end=False), metavar="DATE", help="YYYY-MM-DD or ISO time (UTC)"
    )
    cl.add_argument(
        "--last-order-to", type=_day_or_time(end=True), metavar="DATE", help="inclusive: a date means its end"
    )
    cl.add_argument("--page", type=_at_least_one, help="one page (JSON: the paged object; see README)")
    cl.add_argument("--page-size", type=_at_least_one, metavar="N", help="customers per page (default 50, at most 500)")
    cl.add_argument("--limit", type=_at_least_one, metavar="N", help="the same as --page-size")
    cl.add_argument("--json", action="store_true")
    se = cu.add_parser("search", help="customers by name, email, phone, postal code, external id or tag")
    se.add_argument("query", metavar="QUERY")
    se.add_argument("--limit", type=_positive_int, default=50)
    se.add_argument("--json", action="store_true")
    im = cu.add_parser("import", help="add or update customers from a CSV file (native or Shopify export)")
    im.add_argument("file", metavar="FILE.csv", type=Path)
    im.add_argument("--format", choices=("native", "shopify"), help="the file's layout (default: from its header)")
    im.add_argument("--json", action="store_true")
    ex = cu.add_parser("export", help="write every customer to a CSV file (the native layout)")
    ex.add_argument("-o", "--output", metavar="FILE.csv", type=Path, required=True)
    ex.add_argument("--json", action="store_true")
    customer_privacy_cli.add_commands(cu)  # gdpr-export, erase, rotate-key
    _add_core_commands(cu, parser_class)  # show, add, update, delete, restore, status, note, timeline, address
    customer_merge_cli.add_commands(cu)  # duplicates, merge, analytics, cohorts


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.cli import emit, table
    from shipstation_desktop.services import bootstrap, csv_sniff, customer_csv, pii_view
    from shipstation_desktop.services import customers as service
    from shipstation_desktop.services import jsonview as jv

    if args.action == "import":
        csv_sniff.inspect(args.file)  # an unreadable file fails before the bench opens
    bench = bootstrap.open_bench(args.data_dir)
    try:
        if args.action == "list":
            _list(args, bench)
        elif args.action == "search":
            # Packers see e-mail and phone masked; an unmasked view is audited (services/pii_view.py).
            found = pii_view.shown(
                bench, service.search_customers(bench, args.query, limit=args.limit), "cli customers search"
            )
            emit(
                args,
                [{**jv.customer(c), "external_id": c.external_id} for c in found],
                lambda: table([(c.name, c.email, c.phone, c.external_id) for c in found]),
            )
        elif args.action == "import":
            result = customer_csv.import_customers(bench, args.file, fmt=args.format)
            _audit_csv(bench, "import", args.file, {"format": result.format, **result.as_json()})
            emit(
                args,
                result.as_json(),
                lambda: "\n".join(
                    [
                        f"{result.format}: imported {result.imported}, updated {result.updated}, "
                        f"skipped {result.skipped}, {len(result.errors)} rows refused",
                        *(f"  row {e.row}: {e.error}" for e in result.errors),
                    ]
                ),
            )
        elif args.action in customer_privacy_cli.ACTIONS:
            customer_privacy_cli.run(args, bench)
        elif args.action in CORE_ACTIONS:
            return _run_core(args, bench)
        elif args.action in customer_merge_cli.ACTIONS:
            customer_merge_cli.run(args, bench)
        else:
            count = customer_csv.export_customers(bench, args.output)
            _audit_csv(bench, "export", args.output, {"format": "native", "count": count})
            emit(args, {"exported": count, "path": str(args.output)}, lambda: f"{count} customers -> {args.output}")
    finally:
        bench.close()
    sys.stdout.flush()
    return 0


def _audit_csv(bench: Any, what: str, path: Path, counts: dict[str, Any]) -> None:
    """A CSV import or export is a privileged action (issue 11): who, which file, how many; never a row."""
    from shipstation_desktop.domain.audit import AuditAction
    from shipstation_desktop.services import audit

    details = {k: (len(v) if isinstance(v, list) else v) for k, v in counts.items()}  # errors: how many
    action = AuditAction.CUSTOMER_IMPORT if what == "import" else AuditAction.PII_EXPORT
    audit.record(bench, action, target_type="customer", details={"file": path.name, **details})


def _list(args: argparse.Namespace, bench: Any) -> None:
    from shipstation_desktop.cli import emit, table
    from shipstation_desktop.services import customer_list, pii_view
    from shipstation_desktop.services import jsonview as jv

    paged = args.page is not None or args.page_size is not None
    size = args.page_size or (args.limit if paged else None) or (min(args.limit, 500) if args.limit else 500)
    wanted = customer_list.CustomerFilter(
        status=args.status,
        source=args.source,
        tag=args.tag.strip(),
        spent_min=args.min_spent,
        spent_max=args.max_spent,
        last_order_from=args.last_order_from,
        last_order_to=args.last_order_to,
        query=args.search,
    )
    if not paged:
        # Without --page/--page-size the JSON stays what it always was: an array of customers (all,
        # or the first --limit N), so scripts written for it keep working.
        found = _all_pages(customer_list, bench, wanted, size, args.limit)
        people = pii_view.shown(bench, found, "cli customers list")
        emit(
            args,
            [jv.customer(c) for c in people],
            lambda: table([(c.name, c.email, c.status.value, str(c.order_count), str(c.total_spent)) for c in people]),
        )
        return
    page = customer_list.list_page(bench, wanted, page=args.page or 1, page_size=size)
    people = pii_view.shown(bench, page.items, "cli customers list")
    total = f"{page.total}+" if page.total_capped else str(page.total)

    def text() -> str:
        rows = table([(c.name, c.email, c.status.value, str(c.order_count), str(c.total_spent)) for c in people])
        return f"{rows}\npage {page.page}: {len(people)} of {total} customers" + (
            " (more: --page)" if page.has_more else ""
        )

    emit(
        args,
        {
            "items": [jv.customer(c) for c in people],
            "total": page.total,
            "page": page.page,
            "page_size": page.page_size,
            "has_more": page.has_more,
            "total_capped": page.total_capped,
        },
        text,
    )


def _all_pages(customer_list: Any, bench: Any, wanted: Any, size: int, limit: int | None) -> list[Any]:
    found: list[Any] = []
    number = 1
    while limit is None or len(found) < limit:
        page = customer_list.list_page(bench, wanted, page=number, page_size=size)
        found.extend(page.items)
        if not page.has_more:
            break
        number += 1
    return found[:limit] if limit is not None else found


# ------------------------------------------------------------------------------------------- one customer
# `customers show|add|update|delete|restore|status|note|timeline|address …` (services/customers.py and
# services/customer_addresses.py). Refused input prints one line per field on stderr and exits 1.

CORE_ACTIONS = {"show", "add", "update", "delete", "restore", "status", "note", "timeline", "address"}
SHOWN_FIELDS = ("email", "phone", "name", "date_of_birth", "addresses")


def _custom_field(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value


def _customer_fields(p: argparse.ArgumentParser, *, new: bool) -> None:
    p.add_argument("--email", required=new)
    p.add_argument("--name", required=new)
    p.add_argument("--phone", help="E.164 (+14155550132); without +, read in the bench's country")
    p.add_argument("--status", help="ACTIVE, INACTIVE, BLOCKED or VIP")
    p.add_argument("--source", help="TIKTOK_SHOP, SHOPIFY, ETSY, AMAZON, SHIPSTATION or MANUAL")
    p.add_argument("--external-id", help="the customer's id in the source platform")
    p.add_argument("--date-of-birth", metavar="YYYY-MM-DD")
    p.add_argument("--gender")
    p.add_argument("--tag", action="append", metavar="T", help="repeat for several" + ("" if new else "; replaces all"))
    p.add_argument(
        "--custom", action="append", type=_custom_field, metavar="KEY=VALUE", help="a custom field (KEY= removes it)"
    )
    p.add_argument("--json", action="store_true")


def _add_core_commands(cu: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    sh = cu.add_parser("show", help="one customer with every field, addresses and notes")
    sh.add_argument("customer_id", metavar="ID")
    sh.add_argument("--json", action="store_true")
    ad = cu.add_parser("add", help="a new customer")
    _customer_fields(ad, new=True)
    up = cu.add_parser("update", help="change some of a customer's fields")
    up.add_argument("customer_id", metavar="ID")
    _customer_fields(up, new=False)
    up.add_argument("--add-tag", action="append", metavar="T")
    up.add_argument("--remove-tag", action="append", metavar="T")
    up.add_argument("--reason", default="", help="why the status changes (needed with --status)")
    up.add_argument("--expected-version", type=int, help="refuse if the customer changed since this version")
    de = cu.add_parser("delete", help="soft-delete a customer (restore brings them back)")
    de.add_argument("customer_id", metavar="ID")
    de.add_argument("--json", action="store_true")
    rs = cu.add_parser("restore", help="bring a soft-deleted customer back")
    rs.add_argument("customer_id", metavar="ID")
    rs.add_argument("--json", action="store_true")
    st = cu.add_parser("status", help="ACTIVE, INACTIVE, BLOCKED or VIP, with the reason")
    st.add_argument("customer_id", metavar="ID")
    st.add_argument("status", metavar="STATUS")
    st.add_argument("--reason", required=True)
    st.add_argument("--json", action="store_true")
    no = cu.add_parser("note", help="add a note to a customer")
    no.add_argument("customer_id", metavar="ID")
    no.add_argument("text", metavar="TEXT")
    no.add_argument("--pin", action="store_true", help="keep it on top")
    no.add_argument("--json", action="store_true")
    tl = cu.add_parser("timeline", help="orders, shipments, notes, communications and status changes, newest first")
    tl.add_argument("customer_id", metavar="ID")
    tl.add_argument("--json", action="store_true")
    addr = cu.add_parser("address", help="a customer's addresses").add_subparsers(
        dest="address_action", required=True, parser_class=parser_class
    )
    aa = addr.add_parser("add", help="a new address (checked by a carrier when one validates addresses)")
    aa.add_argument("customer_id", metavar="ID")
    aa.add_argument("--line1", required=True)
    aa.add_argument("--line2", default="")
    aa.add_argument("--city", required=True)
    aa.add_argument("--state", default="")
    aa.add_argument("--postal-code", required=True)
    aa.add_argument("--country", required=True, help="ISO code (US, DE) or name")
    aa.add_argument("--name", help="the recipient (default: the customer's name)")
    aa.add_argument("--phone", default="")
    aa.add_argument("--type", default="SHIPPING", help="SHIPPING, BILLING or BOTH")
    aa.add_argument("--default", action="store_true", help="make it the default for its type")
    aa.add_argument("--no-validate", action="store_true", help="do not ask a carrier")
    aa.add_argument("--json", action="store_true")
    av = addr.add_parser("validate", help="ask a carrier about an address (never blocks)")
    av.add_argument("address_id", metavar="ADDRESS_ID")
    av.add_argument("--carrier")
    av.add_argument("--json", action="store_true")
    ao = addr.add_parser("override", help="keep an address the carrier refused, saying why")
    ao.add_argument("address_id", metavar="ADDRESS_ID")
    ao.add_argument("--reason", required=True)
    ao.add_argument("--json", action="store_true")
    adf = addr.add_parser("default", help="make an address the default for its type")
    adf.add_argument("address_id", metavar="ADDRESS_ID")
    adf.add_argument("--json", action="store_true")
    adl = addr.add_parser("delete", help="remove an address")
    adl.add_argument("address_id", metavar="ADDRESS_ID")
    adl.add_argument("--json", action="store_true")


def _shown(bench: Any, customer: Any) -> Any:
    """`customers show` as the person may see it: masked without VIEW_PII, else whole and audited."""
    from shipstation_desktop.domain.pii_mask import mask_customer
    from shipstation_desktop.domain.roles import Permission
    from shipstation_desktop.services import access, customer_privacy

    if not access.can(bench, Permission.VIEW_PII):
        return mask_customer(customer)
    customer_privacy.record_pii_view(bench, [customer.id], SHOWN_FIELDS, "cli customers show")
    return customer


def _draft_from_args(args: argparse.Namespace, base: Any) -> Any:
    from dataclasses import replace

    changes: dict[str, Any] = {}
    for name in ("email", "name", "phone", "status", "source", "external_id", "date_of_birth", "gender"):
        value = getattr(args, name, None)
        if value is not None:
            changes[name] = value
    tags = list(base.tags) if args.tag is None else list(args.tag)
    tags += getattr(args, "add_tag", None) or []
    removed = {t.casefold() for t in getattr(args, "remove_tag", None) or []}
    changes["tags"] = tuple(t for t in tags if t.casefold() not in removed)
    custom = dict(base.custom_fields)
    for key, value in args.custom or []:
        if value:
            custom[key] = value
        else:
            custom.pop(key, None)
    changes["custom_fields"] = custom
    return replace(base, **changes)


def _customer_text(c: Any) -> str:
    lines = [
        f"{c.name} <{c.email}>  {c.status.value}  {c.source.value}  (id {c.id}, version {c.version})",
        f"phone {c.phone or '-'} · born {c.date_of_birth or '-'} · gender {c.gender or '-'} · "
        f"external id {c.external_id or '-'}",
        f"orders {c.order_count} · spent {c.total_spent} · average {c.average_order_value} · "
        f"first {c.first_order_date or '-'} · last {c.last_order_date or '-'}",
    ]
    if c.tags:
        lines.append("tags: " + ", ".join(c.tags))
    for key, value in c.custom_fields.items():
        lines.append(f"{key}: {value}")
    for a in c.addresses:
        lines.append(_address_text(a))
    return "\n".join(lines)


def _address_text(a: Any) -> str:
    default = " default" if a.is_default else ""
    verdict = a.validation_status.value + (f" ({a.validation_message})" if a.validation_message else "")
    return f"  {a.type.value}{default} [{a.id}]: " + ", ".join(a.postal().lines()) + f" — {verdict}"


def _run_core(args: argparse.Namespace, bench: Any) -> int:
    from shipstation_desktop.cli import PROG
    from shipstation_desktop.domain.errors import FieldErrors

    try:
        _run_core_action(args, bench)
    except FieldErrors as e:
        for line in e.lines():
            print(f"{PROG}: {line}", file=sys.stderr)
        return 1
    sys.stdout.flush()
    return 0


def _run_core_action(args: argparse.Namespace, bench: Any) -> None:
    from shipstation_desktop.cli import emit, table
    from shipstation_desktop.domain.customer_rules import CustomerDraft
    from shipstation_desktop.services import customers as service
    from shipstation_desktop.services import jsonview as jv

    action = args.action
    if action == "show":
        c = _shown(bench, service.get_customer(bench, args.customer_id))
        notes = service.list_notes(bench, c.id)
        data = {**jv.customer_detail(c), "notes": [jv.customer_note(n) for n in notes]}
        emit(args, data, lambda: "\n".join([_customer_text(c), *(f"  note: {n.body}" for n in notes)]))
    elif action == "add":
        draft = _draft_from_args(args, CustomerDraft(email="", name=""))
        c = service.create_customer(bench, draft)
        emit(args, jv.customer_detail(c), lambda: f"added {c.name} (id {c.id})")
    elif action == "update":
        current = service.get_customer(bench, args.customer_id)
        draft = _draft_from_args(args, CustomerDraft.of(current))
        c = service.update_customer(
            bench, current.id, draft, expected_version=args.expected_version, reason=args.reason
        )
        emit(args, jv.customer_detail(c), lambda: f"updated {c.name} (id {c.id}, version {c.version})")
    elif action == "delete":
        service.delete_customer(bench, args.customer_id)
        emit(args, {"id": args.customer_id, "deleted": True}, lambda: f"deleted customer {args.customer_id}")
    elif action == "restore":
        c = service.restore_customer(bench, args.customer_id)
        emit(args, jv.customer_detail(c), lambda: f"restored {c.name} (id {c.id})")
    elif action == "status":
        c = service.set_status(bench, args.customer_id, args.status, args.reason)
        emit(args, jv.customer_detail(c), lambda: f"{c.name} is {c.status.value}")
    elif action == "note":
        note = service.add_note(bench, args.customer_id, args.text, pinned=args.pin)
        emit(args, jv.customer_note(note), lambda: f"note added ({note.id})")
    elif action == "timeline":
        entries = service.timeline(bench, args.customer_id)
        emit(
            args,
            [jv.timeline_entry(e) for e in entries],
            lambda: table([(e.at.isoformat(timespec="minutes"), e.kind.value, e.title, e.detail) for e in entries]),
        )
    else:
        _run_address(args, bench)


def _run_address(args: argparse.Namespace, bench: Any) -> None:
    from shipstation_desktop.cli import emit
    from shipstation_desktop.services import customer_addresses as addresses
    from shipstation_desktop.services import customers as service
    from shipstation_desktop.services import jsonview as jv

    sub = args.address_action
    if sub == "add":
        customer = service.get_customer(bench, args.customer_id)
        draft = addresses.AddressDraft(
            recipient_name=customer.name if args.name is None else args.name,
            line1=args.line1,
            line2=args.line2,
            city=args.city,
            state=args.state,
            postal_code=args.postal_code,
            country=args.country,
            phone=args.phone,
            type=args.type,
            is_default=args.default,
        )
        address = addresses.add_address(bench, customer.id, draft)
        if not args.no_validate:  # advice only: an offline carrier leaves it UNVERIFIED, never fails
            address = addresses.validate_address(bench, address.id).address
        emit(args, jv.customer_address(address), lambda: "added " + _address_text(address).strip())
    elif sub == "validate":
        result = addresses.validate_address(bench, args.address_id, args.carrier)
        emit(
            args,
            {**jv.customer_address(result.address), "carrier": result.carrier or None},
            lambda: _address_text(result.address).strip(),
        )
    elif sub == "override":
        address = addresses.override_validation(bench, args.address_id, args.reason)
        emit(args, jv.customer_address(address), lambda: _address_text(address).strip())
    elif sub == "default":
        address = addresses.set_default(bench, args.address_id)
        emit(args, jv.customer_address(address), lambda: _address_text(address).strip())
    else:
        addresses.delete_address(bench, args.address_id)
        emit(args, {"id": args.address_id, "deleted": True}, lambda: f"deleted address {args.address_id}")

"""`invoices import|list|show`: carrier invoice CSV files reconciled against what the bench shipped."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

COMMANDS = {"invoices"}


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    inv = sub.add_parser("invoices", help="carrier invoices: billed against quoted cost").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    imp = inv.add_parser("import", help="import a carrier invoice CSV and reconcile it with the shipments")
    imp.add_argument("file", metavar="FILE.csv", type=Path)
    imp.add_argument("--carrier", required=True, metavar="CODE", help="the carrier that sent it (e.g. lso, ups)")
    imp.add_argument("--format", choices=("lso", "generic"), default="lso", help="column layout (default lso)")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="generic format: which column holds a field (repeat; e.g. tracking_number='Tracking Number')",
    )
    imp.add_argument("--mapping", type=Path, metavar="FILE.json", help="generic format: the field -> column map")
    imp.add_argument("--invoice", metavar="NUMBER", help="invoice number when the file has no such column")
    imp.add_argument("--json", action="store_true")
    lst = inv.add_parser("list", help="imported invoices, newest first")
    lst.add_argument("--limit", type=int)
    lst.add_argument("--json", action="store_true")
    show = inv.add_parser("show", help="one invoice with each line's outcome and difference")
    show.add_argument("id", metavar="ID_OR_NUMBER")
    show.add_argument("--json", action="store_true")


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    sys.stdout.write((json.dumps(data, indent=2, ensure_ascii=False) if args.json else text) + "\n")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _money(value: Any) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}


def _num(value: Any) -> str | None:
    return None if value is None else str(value)


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.services import bootstrap, invoice_csv
    from shipstation_desktop.services import invoices as service

    if args.action == "import":
        # Mapping problems are the person's input: refuse them before opening the bench.
        mapping = invoice_csv.load_mapping_file(args.mapping) if args.mapping else {}
        mapping.update(invoice_csv.parse_map_options(args.map))
        layout = service.layout_for(args.format, mapping)
    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        if args.action == "import":
            r = service.import_invoice(
                bench, args.file, carrier=args.carrier, layout=layout, invoice_number=args.invoice
            )
            text = (
                f"{args.file.name} was already imported (invoice {', '.join(r.invoice_numbers)}); nothing changed"
                if r.already_imported
                else f"invoice {', '.join(r.invoice_numbers) or '(none)'}: {_n(r.lines, 'line')}, {r.matched} matched, "
                f"{r.adjusted} adjusted, {r.unmatched} unmatched, {r.duplicates} billed twice"
                + (f", {r.skipped} already imported" if r.skipped else "")
                + "".join(f"\n  row {e.row}: {e.error}" for e in r.errors)
            )
            _out(args, r.as_json(), text)
            if r.errors:
                # Partial success: the good rows are in; the bad ones wait for a corrected file.
                print(f"warning: {_n(len(r.errors), 'row')} not imported; fix and import again", file=sys.stderr)
        elif args.action == "list":
            rows = service.list_invoices(bench, args.limit)
            _out(
                args,
                [_invoice_json(v) for v in rows],
                "\n".join(
                    f"{v.id}  {v.carrier:10} {v.invoice_number:16} {v.invoice_date or '':10}  {v.total}  "
                    f"{_n(v.line_count, 'line')}, {v.adjusted} adjusted, {v.unmatched} unmatched"
                    for v in rows
                )
                or "no invoices imported",
            )
        else:
            v = service.get_invoice(bench, args.id)
            data = _invoice_json(v)
            data["lines"] = [
                {
                    "row": ln.row_number,
                    "tracking_number": ln.tracking_number,
                    "reference": ln.reference,
                    "service": ln.service,
                    "total": _money(ln.total),
                    "surcharges": [
                        {"code": x.code, "description": x.description, "amount": str(x.amount)} for x in ln.surcharges
                    ],
                    "outcome": ln.outcome.value,
                    "difference": _num(ln.difference),
                    "reasons": ln.reasons,
                    "shipment_id": ln.shipment_id,
                    "order_number": ln.order_number or None,
                }
                for ln in v.lines
            ]
            lines = [
                f"  {ln.row_number:>5}  {ln.tracking_number or ln.reference:24} {ln.outcome.value:9} "
                f"{ln.total}  {_num(ln.difference) or '':>8}  {ln.reasons}".rstrip()
                for ln in v.lines
            ]
            _out(args, data, "\n".join([f"{v.carrier} invoice {v.invoice_number}: {v.total}", *lines]))
    finally:
        bench.close()
    return 0


def _invoice_json(v: Any) -> dict[str, Any]:
    return {
        "id": v.id,
        "carrier": v.carrier,
        "invoice_number": v.invoice_number,
        "invoice_date": v.invoice_date,
        "total": _money(v.total),
        "source_file": v.source_file,
        "imported_at": v.imported_at,
        "lines": v.line_count,
        "matched": v.matched,
        "adjusted": v.adjusted,
        "unmatched": v.unmatched,
        "duplicates": v.duplicates,
    }

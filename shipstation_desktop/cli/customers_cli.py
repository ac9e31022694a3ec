"""`customers list|search|import|export` (issue 7): customers from a terminal and CSV files.

`customers import FILE --json` prints {"imported": n, "updated": n, "skipped": n, "errors": [{"row": n,
"error": str}]}; `customers search QUERY --json` an array of customers with their addresses. The file
layouts are documented in services/customer_csv.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

COMMANDS = {"customers"}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    cu = sub.add_parser("customers", help="customers").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    cl = cu.add_parser("list", help="list customers")
    cl.add_argument("--search", default="")
    cl.add_argument("--limit", type=_positive_int)
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


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.cli import emit, table
    from shipstation_desktop.services import bootstrap, csv_sniff, customer_csv
    from shipstation_desktop.services import customers as service
    from shipstation_desktop.services import jsonview as jv

    if args.action == "import":
        csv_sniff.inspect(args.file)  # an unreadable file fails before the bench opens
    bench = bootstrap.open_bench(args.data_dir)
    try:
        if args.action == "list":
            people = service.list_customers(bench, search=args.search, limit=args.limit)
            emit(
                args,
                [jv.customer(c) for c in people],
                lambda: table([(c.name, c.email, c.status.value, str(c.order_count)) for c in people]),
            )
        elif args.action == "search":
            found = service.search_customers(bench, args.query, limit=args.limit)
            emit(
                args,
                [{**jv.customer(c), "external_id": c.external_id} for c in found],
                lambda: table([(c.name, c.email, c.phone, c.external_id) for c in found]),
            )
        elif args.action == "import":
            result = customer_csv.import_customers(bench, args.file, fmt=args.format)
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
        else:
            count = customer_csv.export_customers(bench, args.output)
            emit(args, {"exported": count, "path": str(args.output)}, lambda: f"{count} customers -> {args.output}")
    finally:
        bench.close()
    sys.stdout.flush()
    return 0

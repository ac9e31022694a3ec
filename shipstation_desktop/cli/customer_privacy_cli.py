"""`customers gdpr-export|erase|rotate-key` (issue 7): a customer's data for them, their erasure, and a
new key for the PII sealed at rest. Registered by cli/customers_cli.py under `customers`.

`customers gdpr-export ID -o DIR [--json]` writes customer-<id>.json and one CSV per section and prints
the files ({"customer_id", "files": [...]}); `customers erase ID [--reason R] [--yes] [--json]`
anonymizes them ({"customer_id", "erased", "already_erased", "records": {table: n}}) — on a terminal it
asks first, without one (scripts) it does not; `customers rotate-key [--json]` prints "rotated: N values
re-sealed with key K" ({"old_key", "new_key", "values", "key_location"}).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from shipstation_desktop.domain.errors import Cancelled

ACTIONS = {"gdpr-export", "erase", "rotate-key"}
DEFAULT_REASON = "erasure requested"


def add_commands(cu: Any) -> None:
    ge = cu.add_parser("gdpr-export", help="write everything held about one customer (JSON and CSV files)")
    ge.add_argument("customer_id", metavar="ID")
    ge.add_argument("-o", "--output", metavar="DIR", type=Path, required=True)
    ge.add_argument("--json", action="store_true")
    er = cu.add_parser(
        "erase", help="anonymize one customer everywhere (orders and shipments are kept); cannot be undone"
    )
    er.add_argument("customer_id", metavar="ID")
    er.add_argument("--reason", default=DEFAULT_REASON, help="kept in the audit log")
    er.add_argument("--yes", action="store_true", help="do not ask (a terminal asks first)")
    er.add_argument("--json", action="store_true")
    rk = cu.add_parser(
        "rotate-key",
        help="re-seal the customer data with a new key (close the bench window first); "
        "moves the key into a keyring that has become available",
    )
    rk.add_argument("--json", action="store_true")


def _confirm(customer_id: str) -> None:
    """Only a person at a terminal is asked; a script's `customers erase ID` just runs."""
    if not sys.stdin.isatty():
        return
    sys.stderr.write(
        f"Erase customer {customer_id}? Their name, e-mail, phone and street addresses are removed on "
        "every bench for good; orders and shipments stay. Type yes to go on: "
    )
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise Cancelled("erase cancelled")


def run(args: argparse.Namespace, bench: Any) -> None:
    from shipstation_desktop.cli import emit
    from shipstation_desktop.services import customer_privacy as privacy

    if args.action == "gdpr-export":
        files = privacy.gdpr_export(bench, args.customer_id, args.output)
        emit(
            args,
            {"customer_id": args.customer_id.strip(), "files": [str(f) for f in files]},
            lambda: "\n".join(str(f) for f in files),
        )
    elif args.action == "erase":
        if not args.yes:
            _confirm(args.customer_id)
        result = privacy.erase_customer(bench, args.customer_id, args.reason)
        emit(
            args,
            {
                "customer_id": result.customer_id,
                "erased": not result.already_erased,
                "already_erased": result.already_erased,
                "records": result.records,
            },
            lambda: result.message,
        )
    else:
        rotation = privacy.rotate_key(bench)
        where = "keyring" if rotation.location.in_keyring else str(rotation.location.path)
        emit(
            args,
            {
                "old_key": rotation.old_key,
                "new_key": rotation.new_key,
                "values": rotation.values,
                "key_location": where,
            },
            lambda: "\n".join(
                [
                    f"rotated: {rotation.values} values re-sealed with key {rotation.new_key}",
                    *([bench.pii_key_warning] if bench.pii_key_warning else []),
                ]
            ),
        )

"""`pickup request`: book a carrier pickup at the warehouse from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

COMMANDS = {"pickup"}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    from shipstation_desktop.carriers.pickups import TIME_SLOTS

    pickup = sub.add_parser("pickup", help="carrier pickups at the warehouse").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    req = pickup.add_parser("request", help="ask a carrier to collect parcels from the ship-from address")
    req.add_argument("--carrier", required=True, help="carrier code, e.g. lso")
    req.add_argument("--date", type=_day, required=True, metavar="YYYY-MM-DD", help="tomorrow or later")
    req.add_argument("--slot", choices=TIME_SLOTS, default=TIME_SLOTS[0])
    req.add_argument("--packages", type=_count, default=1)
    req.add_argument("--instructions", default="", help="a note for the driver (dock, gate code)")
    req.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.services import bootstrap
    from shipstation_desktop.services.pickups import close_client, schedule_pickup

    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        done = schedule_pickup(bench, args.carrier, args.date, args.slot, args.packages, args.instructions)
    finally:
        for port in bench.carriers.values():
            close_client(port)
        bench.close()
    data = {
        "confirmation": done.confirmation,
        "carrier": done.carrier,
        "date": done.date.isoformat(),
        "slot": done.time_slot,
    }
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        sys.stdout.write(
            f"pickup {done.confirmation} booked with {done.carrier} on {data['date']} ({done.time_slot}, "
            f"{done.packages} package{'s' if done.packages != 1 else ''})\n"
        )
    return 0

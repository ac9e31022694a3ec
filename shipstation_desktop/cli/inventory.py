"""`inventory list|show|adjust|receive|threshold`: stock per SKU from a terminal (issue 9)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

COMMANDS = {"inventory"}


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    inv = sub.add_parser("inventory", help="stock per SKU, movements, low-stock thresholds").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    lst = inv.add_parser("list", help="every SKU with its stock (low ones: --low)")
    lst.add_argument("--low", action="store_true", help="only SKUs at or below their threshold")
    lst.add_argument("--json", action="store_true")
    show = inv.add_parser("show", help="one SKU with its latest movements")
    show.add_argument("sku", metavar="SKU")
    show.add_argument("--limit", type=_int, default=50, help="how many movements (newest first)")
    show.add_argument("--json", action="store_true")
    adj = inv.add_parser("adjust", help="change stock by DELTA (e.g. -3 after a recount)")
    adj.add_argument("sku", metavar="SKU")
    adj.add_argument("delta", metavar="DELTA", type=_int)
    adj.add_argument("--reason", default="adjust", help="adjust (default), receive or return")
    adj.add_argument("--note", default="")
    adj.add_argument("--json", action="store_true")
    rec = inv.add_parser("receive", help="goods in: add QUANTITY (adds the SKU if it is new)")
    rec.add_argument("sku", metavar="SKU")
    rec.add_argument("quantity", metavar="QUANTITY", type=_int)
    rec.add_argument("--name", help="the SKU's name")
    rec.add_argument("--threshold", type=_int, help="low-stock threshold")
    rec.add_argument("--location", help="shelf or bin")
    rec.add_argument("--json", action="store_true")
    thr = inv.add_parser("threshold", help="set the low-stock threshold of a SKU")
    thr.add_argument("sku", metavar="SKU")
    thr.add_argument("threshold", metavar="N", type=_int)
    thr.add_argument("--json", action="store_true")


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    sys.stdout.write((json.dumps(data, indent=2, ensure_ascii=False) if args.json else text) + "\n")


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.services import bootstrap
    from shipstation_desktop.services import inventory as service

    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        if args.action == "list":
            items = service.list_items(bench, low_only=args.low)
            lines = [
                f"{i.sku:16} {i.on_hand:>7}  "
                f"{'-' if i.threshold is None else i.threshold:>5}  {i.level.name.lower():4}  {i.name}".rstrip()
                for i in items
            ]
            header = f"{'SKU':16} {'ON HAND':>7}  {'LOW@':>5}  STATE NAME"
            _out(args, [i.as_json() for i in items], "\n".join([header, *lines]) if lines else "no stock")
        elif args.action == "show":
            detail = service.get_item(bench, args.sku, limit=args.limit)
            item = detail.item
            text = [
                f"{item.sku}  {item.name}".rstrip(),
                f"on hand {item.on_hand} · threshold {item.threshold if item.tracked else 'none (not tracked)'}"
                f" · {item.level.name.lower()}" + (f" · {item.location}" if item.location else ""),
                *(
                    f"  {m.at:%Y-%m-%d %H:%M}  {m.delta:+d}  {m.reason.value:8} {m.order_number or m.note}".rstrip()
                    for m in detail.movements
                ),
            ]
            _out(args, detail.as_json(), "\n".join(text))
        elif args.action == "adjust":
            movement = service.adjust(bench, args.sku, args.delta, args.reason, note=args.note)
            item = service.get_item(bench, args.sku, limit=0).item
            _out(
                args,
                {**item.as_json(), "movement": movement.as_json()},
                f"{item.sku}: {movement.delta:+d} ({movement.reason.value}), now {item.on_hand} on hand",
            )
        elif args.action == "receive":
            if args.name is not None or args.threshold is not None or args.location is not None:
                service.upsert_item(bench, args.sku, name=args.name, threshold=args.threshold, location=args.location)
            movement = service.receive(bench, args.sku, args.quantity)
            item = service.get_item(bench, args.sku, limit=0).item
            _out(
                args,
                {**item.as_json(), "movement": movement.as_json()},
                f"{item.sku}: received {movement.delta}, now {item.on_hand} on hand",
            )
        else:
            item = service.set_threshold(bench, args.sku, args.threshold)
            _out(args, item.as_json(), f"{item.sku}: low-stock threshold {item.threshold}")
    finally:
        bench.close()
    return 0

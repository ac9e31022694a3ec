"""`shipstation-desktop`: the headless face of every capability. No command opens the GUI.

Contract: commands with --json print exactly one JSON document on stdout; any failure exits
non-zero with one clear line on stderr and never a traceback (bugs are logged with theirs).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from shipstation_desktop.domain.enums import ShipmentStatus
from shipstation_desktop.domain.errors import Cancelled, UserError
from shipstation_desktop.domain.units import Weight, WeightUnit

from . import permissions

PROG = "shipstation-desktop"
log = logging.getLogger("shipstation_desktop.cli")

# Command groups that live in their own modules (shipstation_desktop/cli/<name>.py). Each has
# `COMMANDS` (the top-level names it owns), `add_commands(sub, parser_class)` and `run(args) -> int`.
EXTENSIONS: tuple[str, ...] = (
    "scale",
    "labels",
    "sync",
    "jobs",
    "tracking",
    "rates",
    "invoices",
    "notify",
    "pickups",
    "report",
    "inventory",
    "orders_cli",  # orders list|show|status|history|workflow
    "exceptions_cli",  # exceptions list|resolve|assign|note (the supervisor queue)
    "hub",  # hub serve (webhooks, Custom Store, tracking page)
    "customers_cli",  # customers list|search|import|export
    "users_cli",  # users add|list|passwd|pin|role|deactivate|activate|unlock
    "audit_cli",  # audit list (admins)
)


def _extensions() -> list[Any]:
    import importlib

    return [importlib.import_module(f"shipstation_desktop.cli.{name}") for name in EXTENSIONS]


class CliError(Exception):
    """Bad command-line input: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(f"{self.prog}: {message} (see --help)")


def _weight(text: str) -> Weight:
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(g|kg|lb|oz)\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a weight like 1.5lb, 680g, 2kg or 12oz")
    try:
        return Weight(Decimal(m.group(1)), WeightUnit(m.group(2).lower()))
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _gui_language(text: str) -> str:
    from shipstation_desktop.ui.i18n import SUPPORTED, normalize_language  # no Qt, no Babel: stays light

    try:
        return normalize_language(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a GUI language; choose one of: {', '.join(SUPPORTED)}"
        ) from None


def _choice_of(enum: Any) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        for member in enum:
            if text.lower() == member.value.lower():
                return member
        allowed = ", ".join(m.value.lower() for m in enum)
        raise argparse.ArgumentTypeError(f"{text!r} is not one of: {allowed}")

    return parse


def build_parser() -> argparse.ArgumentParser:
    from shipstation_desktop.services.diagnostics import app_version
    from shipstation_desktop.ui.i18n import SUPPORTED

    p = _Parser(prog=PROG, description="Packing-bench shipping: scan, weigh, rate, buy and print labels.")
    version = f"{PROG} {app_version()}"
    p.add_argument("--version", action="version", version=version)
    p.add_argument("--data-dir", metavar="DIR", help="bench data directory (env SHIPSTATION_DESKTOP_HOME)")
    p.add_argument("--user", metavar="NAME", help="run as this bench user (password or PIN in SSD_PASSWORD)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    g = sub.add_parser("gui", help="open the bench window (the default with no command)")
    g.add_argument("--demo", action="store_true", help="seed demo data first if the bench is empty")
    g.add_argument(
        "--lang",
        metavar="CODE",
        type=_gui_language,
        help=f"GUI language for this start: {', '.join(SUPPORTED)} (default: the bench's setting, else the computer's)",
    )

    dbp = sub.add_parser("db", help="local database").add_subparsers(dest="action", required=True, parser_class=_Parser)
    dbp.add_parser("upgrade", help="migrate the local database to this version's schema")

    demo = sub.add_parser("demo", help="demo bench").add_subparsers(dest="action", required=True, parser_class=_Parser)
    seed = demo.add_parser("seed", help="fill an empty bench with sample customers and orders")
    seed.add_argument("--force", action="store_true", help="add another sample set even if orders exist")
    seed.add_argument("--json", action="store_true")

    ship = sub.add_parser("ship", help="the whole pack flow headless: scan, weigh, rate, buy, print")
    ship.add_argument("order_number", metavar="ORDER_NUMBER")
    ship.add_argument("--weight", type=_weight, help="use this weight instead of reading the scale (e.g. 1.2lb)")
    ship.add_argument("--service", help="service code to buy instead of the rule's pick (e.g. EXPRESS)")
    ship.add_argument("--carrier", help="carrier code to buy from")
    ship.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a stable weight")
    ship.add_argument("--json", action="store_true")

    sh = sub.add_parser("shipments", help="shipments").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    sl = sh.add_parser("list", help="list shipments (all by default)")
    sl.add_argument("--status", type=_choice_of(ShipmentStatus))
    sl.add_argument("--carrier")
    sl.add_argument("--search", default="", help="tracking or order number contains")
    sl.add_argument("--limit", type=_positive_int)
    sl.add_argument("--json", action="store_true")
    for name, text in (
        ("show", "one shipment with its tracking events"),
        ("void", "void the label and send the order back to the bench"),
        ("reprint", "print the stored label again"),
        ("track", "ask the carrier for tracking news"),
    ):
        cmd = sh.add_parser(name, help=text)
        cmd.add_argument("key", metavar="TRACKING_OR_ID")
        cmd.add_argument("--json", action="store_true")
        if name == "void":
            cmd.add_argument("--reason", default="")

    sub.add_parser("diagnostics", help="print what support needs to know about this bench")
    for extension in _extensions():
        extension.add_commands(sub, _Parser)
    _accept_data_dir_anywhere(p)
    permissions.accept_user_anywhere(p)
    _accept_version_anywhere(p, version)
    return p


def _accept_data_dir_anywhere(parser: argparse.ArgumentParser) -> None:
    """`ship X --data-dir D` works as well as `--data-dir D ship X`: scripts put it either side.

    SUPPRESS keeps a subcommand that was not given the option from erasing the global one.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                if not any(a.dest == "data_dir" for a in child._actions):
                    child.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
                _accept_data_dir_anywhere(child)


def _accept_version_anywhere(parser: argparse.ArgumentParser, version: str) -> None:
    """`shipstation-desktop gui --version` (or `hub serve --version`) answers too: support asks for
    the version after whatever command the person just ran."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                if not any("--version" in a.option_strings for a in child._actions):
                    child.add_argument("--version", action="version", version=version, help=argparse.SUPPRESS)
                _accept_version_anywhere(child, version)


def emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(text() + "\n")


def table(rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return "(none)"
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.services import bootstrap, packing
    from shipstation_desktop.services import demo as demo_service
    from shipstation_desktop.services import jsonview as jv
    from shipstation_desktop.services import shipments as shipment_service
    from shipstation_desktop.services.diagnostics import diagnostics, setup_logging
    from shipstation_desktop.settings import paths

    setup_logging(paths.resolve(args.data_dir).log_file)
    for extension in _extensions():
        if args.command in extension.COMMANDS:
            return int(extension.run(args))
    if args.command == "db":
        from shipstation_desktop.persistence import db

        path = paths.resolve(args.data_dir).database
        path.parent.mkdir(parents=True, exist_ok=True)
        db.check_file(path)
        engine = db.make_engine(path)
        try:
            before, after = db.upgrade(engine)
        finally:
            engine.dispose()
        print(f"database {path} at schema {after}" + (f" (was {before})" if before != after else ""))
        return 0

    bench = bootstrap.open_bench(args.data_dir)
    try:
        if args.command == "demo":
            from shipstation_desktop.services import central

            # A registered bench seeds the center through a normal sync: pull first (another bench
            # may have seeded it already, then this one skips), seed locally, push.
            if central.is_registered(bench):
                central.sync_once(bench)
            r = demo_service.seed(bench, force=args.force)
            if central.is_registered(bench):
                central.sync_once(bench)
            data: dict[str, Any] = {
                "customers": r.customers,
                "orders": r.orders,
                "shipments": r.shipments,
                "exceptions": r.exceptions,
                "skipped": r.skipped,
            }
            emit(
                args,
                data,
                lambda: (
                    "bench already has orders; nothing seeded (use --force)"
                    if r.skipped
                    else f"seeded {r.customers} customers, {r.orders} orders, {r.shipments} shipments, "
                    f"{r.exceptions} exceptions"
                ),
            )
        elif args.command == "ship":
            outcome = packing.ship(
                bench,
                args.order_number,
                weight=args.weight,
                service=args.service,
                carrier=args.carrier,
                timeout_s=args.timeout,
                place_on_simulated_scale=_simulated_placer(bench),
            )
            data = jv.shipment(outcome.shipment)
            data["weight_check"] = jv.weight_check(outcome.weight_check)
            data["printed"] = outcome.printed is not None
            data["label_path"] = outcome.printed.location if outcome.printed else None
            data["print_error"] = outcome.print_error or None
            emit(
                args,
                data,
                lambda: (
                    f"{outcome.shipment.order_number}: {outcome.shipment.carrier} "
                    f"{outcome.shipment.service} {outcome.shipment.tracking_number} "
                    f"{outcome.shipment.shipping_cost}"
                    + (
                        f" -> {outcome.printed.location}"
                        if outcome.printed
                        else f" (not printed: {outcome.print_error})"
                    )
                ),
            )
            if not outcome.weight_check.ok:
                print(f"warning: {outcome.weight_check.message()}", file=sys.stderr)
        elif args.command == "shipments":
            _shipments(args, bench, shipment_service, jv)
        elif args.command == "diagnostics":
            print(diagnostics(bench))
        else:  # pragma: no cover - argparse guarantees a known command
            raise CliError(f"unknown command {args.command}")
    finally:
        bench.close()
    return 0


def _simulated_placer(bench: Any) -> Callable[[Any], None] | None:
    """On the simulated scale, the headless flow puts the order's expected parcel on it."""
    from shipstation_desktop.devices.simulated_scale import SimulatedScale

    scale = bench.scale
    if not isinstance(scale, SimulatedScale):
        return None

    def place(order: Any) -> None:
        scale.place(order.expected_weight_grams or Decimal(500))

    return place


def _shipments(args: argparse.Namespace, bench: Any, service: Any, jv: Any) -> None:
    if args.action == "list":
        rows = service.list_shipments(
            bench, status=args.status, carrier=args.carrier, search=args.search, limit=args.limit
        )
        emit(
            args,
            [jv.shipment(s) for s in rows],
            lambda: table([(s.tracking_number, s.order_number, s.carrier, s.service, s.status.value) for s in rows]),
        )
        return
    if args.action == "reprint":
        result = service.reprint(bench, args.key)
        emit(args, {"tracking_number": args.key, "location": result.location}, lambda: f"printed to {result.location}")
        return
    action = {
        "show": service.get_shipment,
        "void": lambda b, k: service.void(b, k, args.reason),
        "track": service.refresh_tracking,
    }[args.action]
    shipment = action(bench, args.key)
    emit(
        args,
        jv.shipment(shipment),
        lambda: "\n".join(
            [f"{shipment.tracking_number} {shipment.carrier} {shipment.service} {shipment.status.value}"]
            + [
                f"  {e.timestamp:%Y-%m-%d %H:%M} {e.status.value:<17} {e.description} {e.location}"
                for e in shipment.events
            ]
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        if args.command in (None, "gui"):
            from shipstation_desktop.ui.app import run_gui

            return int(run_gui(args.data_dir, demo=getattr(args, "demo", False), lang=getattr(args, "lang", None)))
        with permissions.logged_in(args):  # once users exist: who runs this, and may they
            return run(args)
    except CliError as e:
        print(str(e), file=sys.stderr)
        return 2
    except UserError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    except Cancelled:
        print(f"{PROG}: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: the traceback goes to the log, the person gets one line
        log.exception("unexpected error running %s", argv)
        print(f"{PROG}: internal error: {type(e).__name__}: {e} (details in the log file)", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())

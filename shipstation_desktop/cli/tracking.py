"""`shipstation-desktop tracking identify|parse` and `track`: tracking numbers and carrier tracking answers.

Contracts (names, options and JSON keys stay as they are):
  tracking identify NUMBER [NUMBER ...] --json   -> [{"number", "valid", "carriers"}] in input order
  tracking parse --carrier C FILE --json         -> {"tracking_number", "status", "estimated_delivery",
                                                     "delivered_at", "events": [...]} (newest first)
  track NUMBER --carrier C --json                -> the same shape, asked of the carrier now
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from shipstation_desktop.domain.errors import UserError

COMMANDS = {"tracking", "track"}
PARSE_CARRIERS = ("ups", "fedex", "usps", "dhl", "shipstation", "lso", "china_post", "correos")
MAX_BODY_BYTES = 20 * 1024 * 1024  # a tracking answer is kilobytes; refuse to slurp a wrong huge file


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    tracking = sub.add_parser("tracking", help="tracking numbers: identify the carrier, parse a carrier's answer")
    actions = tracking.add_subparsers(dest="action", required=True, parser_class=parser_class)
    ident = actions.add_parser("identify", help="which carriers a number fits (format and check digit)")
    ident.add_argument("numbers", nargs="+", metavar="NUMBER")
    ident.add_argument("--json", action="store_true")
    parse = actions.add_parser("parse", help="normalize a carrier's raw tracking response body")
    parse.add_argument("--carrier", required=True, choices=PARSE_CARRIERS)
    parse.add_argument("file", metavar="FILE", help="the raw response body ('-' reads standard input)")
    parse.add_argument("--json", action="store_true")
    poll = actions.add_parser("poll", help="ask the carriers about every shipment that is due now (one poller run)")
    poll.add_argument("--all", action="store_true", help="every live shipment of this bench, due or not")
    poll.add_argument("--json", action="store_true")

    track = sub.add_parser("track", help="ask a carrier about a tracking number now")
    track.add_argument("number", metavar="NUMBER")
    track.add_argument("--carrier", required=True, help="carrier code (ups, fedex, usps, dhl, shipstation, lso, …)")
    track.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    if args.command == "track":
        return _track(args)
    if args.action == "identify":
        return _identify(args)
    if args.action == "poll":
        return _poll(args)
    return _parse(args)


def _poll(args: argparse.Namespace) -> int:
    from shipstation_desktop.services import bootstrap, tracking_poller

    from . import emit

    bench = bootstrap.open_bench(args.data_dir)
    try:
        if args.all:
            tracking_poller.make_all_due(bench)
        report = tracking_poller.poll_once(bench)
    finally:
        bench.close()
    emit(
        args,
        report.as_json(),
        lambda: (
            f"polled {report.polled}, {report.new_events} new event(s), {report.not_found} not found yet, "
            f"{report.failed} failed, {report.stopped} finished" + "".join(f"\n  {e}" for e in report.errors)
        ),
    )
    return 1 if report.failed and not report.polled else 0


def _identify(args: argparse.Namespace) -> int:
    from shipstation_desktop.carriers.identify import identify

    from . import emit, table

    found = [identify(n) for n in args.numbers]
    emit(
        args,
        [f.as_json() for f in found],
        lambda: table(
            [("NUMBER", "VALID", "CARRIERS")]
            + [(f.number, "yes" if f.valid else "no", ", ".join(f.carriers) or "-") for f in found]
        ),
    )
    return 0


def _read_body(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read(MAX_BODY_BYTES + 1)
    path = Path(file)
    try:
        if path.stat().st_size > MAX_BODY_BYTES:
            raise UserError(f"{file} is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; not a tracking response")
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{file} is a directory, not a tracking response file") from None
    except PermissionError:
        raise UserError(f"{file}: permission denied") from None


def _parse(args: argparse.Namespace) -> int:
    from shipstation_desktop.carriers import registry
    from shipstation_desktop.services import jsonview

    info = registry.get(args.carrier)
    if info.parse_tracking is None:
        raise UserError(f"{info.name} tracking responses cannot be parsed by this version")
    body = _read_body(args.file)
    if not body.strip():
        raise UserError(f"{args.file} is empty; expected {info.name}'s tracking response")
    result = info.parse_tracking(body)
    data = jsonview.tracking(result, info.code, info.tracking_url(result.tracking_number))
    _emit_tracking(args, data)
    return 0


def _track(args: argparse.Namespace) -> int:
    from shipstation_desktop.carriers.identify import check_for_carrier
    from shipstation_desktop.services import bootstrap, jsonview, tracking_poller

    code = args.carrier.strip().lower()
    warning = check_for_carrier(args.number, code)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)  # never blocks: the carrier has the last word
    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        result = tracking_poller.track_now(bench, code, args.number)
        url = bench.carrier(code).tracking_url(result.tracking_number)
    finally:
        bench.close()
    _emit_tracking(args, jsonview.tracking(result, code, url))
    return 0


def _emit_tracking(args: argparse.Namespace, data: dict[str, Any]) -> None:
    from . import emit, table

    def text() -> str:
        head = f"{data['tracking_number']}  {data['status']}"
        if data["estimated_delivery"]:
            head += f"  (expected {data['estimated_delivery']})"
        if data["delivered_at"]:
            head += f"  (delivered {data['delivered_at']})"
        rows = [
            (e["time"], e["status"], e["exception"] or "", e["code"], e["description"], e["location"])
            for e in data["events"]
        ]
        return head + "\n" + table(rows)

    emit(args, data, text)

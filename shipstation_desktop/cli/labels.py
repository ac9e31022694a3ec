"""`shipstation-desktop label …` and `printer …`: render and print labels, ask a printer how it is.

Contracts (names, options and JSON keys stay as they are):
  label render --shipment FILE.json --format {zpl,pdf} [--dpi 203|300] [--size 4x6] -o OUT
  label print FILE --printer tcp://HOST:9100
  printer status tcp://HOST:9100 --json
None of them needs a bench: they work on files and printers directly. Bad input exits non-zero
with one line naming every missing or invalid field.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import UserError

COMMANDS = {"label", "printer"}
SIZES = ("4x6",)
DPIS = (203, 300)
STATUS_FLAGS = ("paper_out", "head_open", "paused", "ribbon_out", "buffer_full")


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    label = sub.add_parser("label", help="render or print a shipping label").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    render = label.add_parser("render", help="render the bench's 4x6 label from a shipment JSON file")
    render.add_argument("--shipment", required=True, metavar="FILE.json", help="carrier, service, addresses, …")
    render.add_argument("--format", required=True, choices=("zpl", "pdf"))
    render.add_argument("--dpi", type=int, choices=DPIS, default=203, help="printer resolution (203)")
    render.add_argument("--size", choices=SIZES, default="4x6", help="label size in inches (4x6)")
    render.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write ('-': standard output)")

    send = label.add_parser("print", help="send a label file (ZPL, PDF, PNG or a shipment JSON) to a printer")
    send.add_argument("file", metavar="FILE")
    send.add_argument("--printer", required=True, metavar="URL", help="tcp://HOST:9100, usb:/dev/usb/lp0, cups:QUEUE")
    send.add_argument("--dpi", type=int, choices=DPIS, default=203, help="printer resolution, for conversion (203)")
    send.add_argument("--copies", type=int, default=1, help="copies (1)")
    send.add_argument("--json", action="store_true")

    printer = sub.add_parser("printer", help="printer status").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    status = printer.add_parser("status", help="ask a printer for its status (~HS on ZPL printers)")
    status.add_argument("printer", metavar="URL", help="tcp://HOST:9100, usb:/dev/usb/lp0, cups:QUEUE, escpos:…")
    status.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    if args.command == "printer":
        return _status(args)
    if args.action == "render":
        return _render(args)
    return _print(args)


# ---------------------------------------------------------------------------------------- render


def _load_shipment(path: str) -> Any:
    from shipstation_desktop.labels.shipment_file import ShipmentFileError, parse_shipment

    try:
        doc = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read it ({e.strerror or e})") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not valid JSON ({e})") from e
    try:
        return parse_shipment(doc)
    except ShipmentFileError as e:
        raise UserError(f"{path}: {e}") from e


def _render(args: argparse.Namespace) -> int:
    from shipstation_desktop.labels import render_label

    data = _load_shipment(args.shipment)
    fmt = LabelFormat(args.format)
    try:
        out = render_label(data, fmt, args.dpi)
    except ValueError as e:  # a tracking number too long for a barcode on 4 in, …
        raise UserError(f"{args.shipment}: {e}") from e
    if args.output == "-":
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
        return 0
    target = Path(args.output)
    try:
        target.write_bytes(out)
    except OSError as e:
        raise UserError(f"cannot write {target}: {e.strerror or e}") from e
    print(f"wrote {target} ({fmt.value}, {args.size} in, {args.dpi} dpi, {len(out)} bytes)")
    return 0


# ---------------------------------------------------------------------------------------- print


def _document(path: str, dpi: int, printer_format: LabelFormat) -> tuple[bytes, LabelFormat]:
    """The file as a print document: a shipment JSON is rendered in the printer's language."""
    if path.lower().endswith(".json"):
        from shipstation_desktop.labels import render_label

        data = _load_shipment(path)
        fmt = printer_format if printer_format in (LabelFormat.ZPL, LabelFormat.PDF) else LabelFormat.PDF
        return render_label(data, fmt, dpi), fmt
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read it ({e.strerror or e})") from e
    if raw.startswith(b"%PDF"):
        return raw, LabelFormat.PDF
    if raw.startswith(b"\x89PNG"):
        return raw, LabelFormat.PNG
    if b"^XA" in raw[:4096]:
        return raw, LabelFormat.ZPL
    if raw[:1] == b"\x1b":
        return raw, LabelFormat.ESCPOS
    raise UserError(f"{path}: not a label this command knows (ZPL, PDF, PNG, ESC/POS or a shipment .json)")


def _print(args: argparse.Namespace) -> int:
    from shipstation_desktop.devices.printer_port import PrintJob
    from shipstation_desktop.services.documents import for_printer

    if args.copies < 1:
        raise UserError("--copies must be 1 or more")
    printer = _printer(args.printer, args.dpi)
    data, fmt = _document(args.file, args.dpi, printer.format)
    payload = for_printer(data, fmt, printer)  # carrier files pass through untouched when they can
    result = printer.print_job(PrintJob(Path(args.file).stem, payload, printer.format, args.copies))
    summary = {
        "file": args.file,
        "printer": args.printer,
        "format": printer.format.value,
        "bytes": len(payload),
        "copies": args.copies,
        "location": result.location,
        "note": result.note or None,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"printed {args.file} on {result.location}" + (f" ({result.note})" if result.note else ""))
    return 0


def _printer(url: str, dpi: int) -> Any:
    from shipstation_desktop.devices.printer_factory import from_url

    try:
        return from_url(url, dpi=dpi)
    except ValueError as e:
        raise UserError(str(e)) from e


# ---------------------------------------------------------------------------------------- status


def _status(args: argparse.Namespace) -> int:
    from shipstation_desktop.devices.printer_port import status_of

    printer = _printer(args.printer, 203)
    status = status_of(printer)
    doc: dict[str, Any] = {
        "printer": args.printer,
        "ready": status.ready,
        "health": status.health.value,
        "reason": status.reason or None,
        "problems": list(status.problems),
    }
    for flag in STATUS_FLAGS:
        doc[flag] = flag in status.problems
    doc["details"] = {k: v for k, v in status.details.items() if k not in STATUS_FLAGS}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        state = "ready" if status.ready else f"{status.health.value}: {status.reason}"
        print(f"{args.printer}: {state}")
        counters = {k: v for k, v in doc["details"].items() if k in ("formats_in_buffer", "labels_remaining")}
        for key, value in counters.items():
            print(f"  {key.replace('_', ' ')}: {value}")
    if not status.ready:
        print(f"shipstation-desktop: printer {args.printer} is not ready: {status.reason}", file=sys.stderr)
        return 1
    return 0

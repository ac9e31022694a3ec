"""`shipstation-desktop scale …`: read a scale, list scales, decode a HID report, run a simulator.

`scale read` and `scale decode-hid` are contracts (their names, options and JSON keys stay as they
are). Every failure is one line via UserError/DeviceError: garbage, no answer, a port that goes away
or a weight that never settles all end as `shipstation-desktop: <reason>` and a non-zero exit.
"""

from __future__ import annotations

import argparse
import signal
import sys
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import Weight, WeightUnit

COMMANDS = {"scale"}

READ_PROTOCOLS = ("sics", "toledo", "nci", "cas", "hid", "sim")
SIM_PROTOCOLS = ("sics", "toledo", "nci", "cas", "hid")
MAX_ANSWER_S = 2.0  # one request's wait; the whole read is bounded by --timeout


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    scale = sub.add_parser("scale", help="scales: read, list, decode a HID report, simulate").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    read = scale.add_parser("read", help="wait for a stable weight and print it")
    read.add_argument("--protocol", required=True, choices=READ_PROTOCOLS)
    read.add_argument(
        "--port", default="", help="device path, COM port, socket://host:port; hid: auto, VID:PID or a path"
    )
    read.add_argument("--baud", type=_positive_int, help="baud rate (default: the protocol's)")
    read.add_argument("--bytesize", type=int, choices=(7, 8), help="data bits (default: the protocol's)")
    read.add_argument("--parity", choices=("N", "E", "O", "M", "S"), type=str.upper, help="default: the protocol's")
    read.add_argument("--stopbits", type=int, choices=(1, 2), help="default: the protocol's")
    read.add_argument(
        "--unit", choices=[u.value for u in WeightUnit], default="lb", help="for scales that send no unit (Toledo)"
    )
    read.add_argument("--timeout", type=_seconds, default=5.0, help="seconds to wait for a stable weight (5)")
    read.add_argument("--json", action="store_true")

    scale.add_parser("list", help="serial ports and USB (HID) scales on this computer").add_argument(
        "--json", action="store_true"
    )

    decode = scale.add_parser("decode-hid", help="decode one raw HID scale input report given in hex")
    decode.add_argument("report", metavar="HEX")
    decode.add_argument("--json", action="store_true")

    sim = scale.add_parser("simulate", help="serve a simulated scale over a pty or TCP until Ctrl+C")
    sim.add_argument("--protocol", required=True, choices=SIM_PROTOCOLS)
    where = sim.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="on a new pseudo-terminal (its path is printed)")
    where.add_argument("--listen", metavar="socket://127.0.0.1:PORT", help="on a TCP port (0 picks a free one)")
    sim.add_argument("--script", default=None, help="weights over time, e.g. 'zero/1, motion:1.25kg/1, 1.25kg'")
    sim.add_argument("--loop", action="store_true", help="play the script again and again")
    sim.add_argument("--unit", choices=[u.value for u in WeightUnit], default="lb", help="the unit the scale shows")
    sim.add_argument("--hz", type=_seconds, default=10.0, help="frames a second for streaming protocols (10)")
    sim.add_argument("--link", type=Path, help="with --pty: keep a symlink to the current pty here")
    sim.add_argument("--duration", type=_seconds, help="stop after this many seconds")


def run(args: argparse.Namespace) -> int:
    if args.action == "read":
        return _read(args)
    if args.action == "list":
        return _list(args)
    if args.action == "decode-hid":
        return _decode_hid(args)
    return _simulate(args)


# -------------------------------------------------------------------------------------- read


def _read(args: argparse.Namespace) -> int:
    from shipstation_desktop.devices.capture import capture_stable
    from shipstation_desktop.devices.scale_port import StreamingScale
    from shipstation_desktop.devices.scales.factory import ScaleConfig, open_scale
    from shipstation_desktop.domain.clock import SystemClock

    if not args.port and args.protocol not in ("hid", "sim"):
        from shipstation_desktop.cli import PROG, CliError

        raise CliError(f"{PROG} scale read: --port is required for --protocol {args.protocol} (see `scale list`)")
    config = ScaleConfig(
        args.protocol,
        args.port,
        baud=args.baud,
        bytesize=args.bytesize,
        parity=args.parity,
        stopbits=args.stopbits,
        unit=WeightUnit(args.unit),
        timeout_s=min(MAX_ANSWER_S, args.timeout),
    )
    scale = open_scale(config)
    streams = isinstance(scale, StreamingScale) and scale.streams
    try:
        reading = capture_stable(scale, SystemClock(), timeout_s=args.timeout, poll_s=0.0 if streams else 0.05)
    finally:
        scale.close()
    weight = reading.weight
    data = {"value": _number(weight.value), "unit": weight.unit.value, "grams": _number(weight.grams), "stable": True}
    _emit(args, data, lambda: f"{weight.value} {weight.unit.value} ({_grams_text(weight)}), stable")
    return 0


# -------------------------------------------------------------------------------------- list


def _list(args: argparse.Namespace) -> int:
    from shipstation_desktop.devices.scales.discovery import discover

    found = discover()
    data = {
        "serial": [{"port": p.port, "description": p.description, "hwid": p.hwid} for p in found.serial],
        "hid": [
            {
                "port": s.port,
                "path": s.path,
                "vendor_id": f"{s.vendor_id:04x}",
                "product_id": f"{s.product_id:04x}",
                "product": s.product,
            }
            for s in found.hid
        ],
        "hid_problem": found.hid_problem or None,
    }

    def text() -> str:
        lines = ["Serial ports:"]
        lines += [f"  {p.port}  {p.description}  {p.hwid}".rstrip() for p in found.serial] or ["  (none)"]
        lines.append("USB (HID) scales:")
        lines += [f"  {s.port}  {s.product}  {s.path}" for s in found.hid] or ["  (none)"]
        if found.hid_problem:
            lines.append(f"  ({found.hid_problem})")
        return "\n".join(lines)

    _emit(args, data, text)
    return 0


# -------------------------------------------------------------------------------------- decode-hid


def _decode_hid(args: argparse.Namespace) -> int:
    from shipstation_desktop.devices.scales import hid
    from shipstation_desktop.devices.scales.frames import FrameError

    try:
        reading = hid.decode(hid.from_hex(args.report))
    except FrameError as e:
        raise UserError(str(e)) from None
    weight = reading.weight
    data = {
        "status": reading.status.value,
        "value": _number(weight.value),
        "unit": weight.unit.value,
        "grams": _number(weight.grams),
    }
    _emit(args, data, lambda: f"{reading.status.value}: {weight.value} {weight.unit.value} ({_grams_text(weight)})")
    return 0


# -------------------------------------------------------------------------------------- simulate


def _simulate(args: argparse.Namespace) -> int:
    import threading
    from urllib.parse import urlsplit

    from shipstation_desktop.devices.scales.script import DEFAULT_SCRIPT, parse_script
    from shipstation_desktop.devices.scales.simulator import Simulator

    script = parse_script(args.script or DEFAULT_SCRIPT, loop=args.loop)
    simulator = Simulator(args.protocol, script, WeightUnit(args.unit), hz=args.hz)
    if args.listen is not None:
        url = urlsplit(args.listen)
        if url.scheme != "socket" or not url.hostname or url.port is None:
            raise UserError(f"--listen {args.listen!r} is not socket://HOST:PORT (e.g. socket://127.0.0.1:9001)")
    elif sys.platform == "win32":  # pragma: no cover - ptys are POSIX
        raise UserError("--pty needs Linux or macOS; use --listen socket://127.0.0.1:PORT")

    def ready(address: str) -> None:
        print(f"{args.protocol} scale simulator on {address}", flush=True)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        simulator.stop_event.set()

    signal.signal(signal.SIGTERM, stop)
    if args.duration is not None:
        threading.Timer(args.duration, simulator.stop_event.set).start()
    try:
        if args.listen is not None:
            simulator.serve_tcp(url.hostname or "127.0.0.1", url.port or 0, on_ready=ready)
        else:
            simulator.serve_pty(args.link, on_ready=ready)
    except KeyboardInterrupt:
        pass
    except OSError as e:
        raise UserError(f"cannot serve the simulator: {e.strerror or e}") from None
    finally:
        simulator.stop_event.set()
    return 0


# -------------------------------------------------------------------------------------- helpers


def _emit(args: argparse.Namespace, data: dict[str, Any], text: Any) -> None:
    from shipstation_desktop.cli import emit

    emit(args, data, text)


def _number(value: Decimal) -> int | float:
    """A JSON number: whole values as integers, others as the nearest float (exact for display)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _grams_text(weight: Weight) -> str:
    return f"{_number(weight.grams.quantize(Decimal('0.01')))} g"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value

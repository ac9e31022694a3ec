"""Mettler Toledo MT-SICS, level 0/1: S, SI, Z and T, each a CR LF-terminated line with a one-line reply.

Replies (MT-SICS reference manual, "Format of responses with weight value"): an ID echoing the
command ("S" for S and SI), a status and, with a weight, the value right-aligned in 10 characters
and the unit. Status S = stable, D = dynamic (in motion), I = not executable now, + = overload,
- = underload. Z answers A (zeroed), T answers S with the tare weight; ES / ET / EL are the general
syntax, transmission and logical errors.
"""

from __future__ import annotations

import re
from typing import ClassVar

from shipstation_desktop.devices.scale_port import ScaleStatus
from shipstation_desktop.domain.errors import DeviceError
from shipstation_desktop.domain.units import Weight, WeightUnit

from .frames import (
    Display,
    Frame,
    FrameError,
    Framer,
    ScaleDevice,
    at_resolution,
    number,
    settled,
    shown,
    text,
    unit_of,
)
from .protocol import Command, LineSettings, SerialProtocol

# Searched at the end of the line, so noise in front of a reply is ignored.
_WEIGHT = re.compile(r"(?:^|[^A-Z])S +([SD]) +([-+]? *[0-9.]+) +([A-Za-z]+)\s*$")
_STATUS = re.compile(r"(?:^|[^A-Z])S +([I+-])\s*$")
_ERROR = re.compile(r"(?:^|[^A-Z])(E[STL])\s*$")
_REPLY = re.compile(r"(?:^|[^A-Z])([ZT]) +([ASI+-])(?: +([-+]? *[0-9.]+) +([A-Za-z]+))?\s*$")

_ERRORS = {"ES": "syntax error", "ET": "transmission error", "EL": "logical error"}
# "I" to SI means the balance is busy (zeroing, taring): transient, so it is motion, not a fault.
_STATUS_ONLY = {"I": ScaleStatus.MOTION, "+": ScaleStatus.OVER_WEIGHT, "-": ScaleStatus.UNDER_ZERO}
_REFUSALS = {
    "I": "could not {what} now (busy or in motion); try again when the scale is still",
    "+": "cannot {what}: the load is above the range the scale can {what}",
    "-": "cannot {what}: the load is below the range the scale can {what}",
}


class Sics(SerialProtocol):
    name = "sics"
    title = "Mettler Toledo MT-SICS"
    line = LineSettings(9600, 8, "N", 1)
    request = b"SI\r\n"  # the value now plus its motion flag; our own detector decides stability
    commands: ClassVar[dict[Command, bytes]] = {"zero": b"Z\r\n", "tare": b"T\r\n"}
    command_end = b"\n"

    def framer(self, *, mask7: bool = False) -> Framer:
        return Framer(b"\n", max_len=80, mask7=mask7)

    def parse(self, body: bytes, unit: WeightUnit) -> Frame:
        line = text(body)
        if m := _WEIGHT.search(line):
            value = number(m.group(2))
            return Frame(settled(m.group(1) == "S", value), Weight(value, unit_of(m.group(3))))
        if m := _STATUS.search(line):
            return Frame(_STATUS_ONLY[m.group(1)])
        if m := _ERROR.search(line):
            raise FrameError(f"the scale answered {m.group(1)} ({_ERRORS[m.group(1)]}); is it set to MT-SICS?")
        raise FrameError(f"{shown(body)!r} is not an MT-SICS reply")

    def reply(self, command: Command, body: bytes) -> bool:
        line = text(body)
        if m := _ERROR.search(line):
            raise DeviceError(f"the scale refused to {command} ({m.group(1)}: {_ERRORS[m.group(1)]})")
        m = _REPLY.search(line)
        if m is None or m.group(1) != command[0].upper():
            return False  # e.g. a weight line still in flight
        status = m.group(2)
        if status in _REFUSALS:
            raise DeviceError("the scale " + _REFUSALS[status].format(what=command))
        return True

    # -- scale side -------------------------------------------------------------------------------

    def answer(self, command: bytes, device: ScaleDevice) -> bytes:
        cmd = text(command).strip()
        shown_now = device.display()
        if cmd in ("S", "SI"):
            return _weight_reply(shown_now, immediate=cmd == "SI")
        if cmd in ("Z", "T"):
            refused = _refusal(shown_now.status)
            if refused:
                return f"{cmd} {refused}\r\n".encode()
            if cmd == "Z":
                return b"Z A\r\n" if device.zero() else b"Z I\r\n"
            tare = device.tare()
            return f"T S {_field(tare)}\r\n".encode() if tare is not None else b"T I\r\n"
        return b"ES\r\n"


def _refusal(status: ScaleStatus) -> str:
    return {ScaleStatus.MOTION: "I", ScaleStatus.OVER_WEIGHT: "+", ScaleStatus.UNDER_ZERO: "-"}.get(status, "")


def _field(weight: Weight) -> str:
    return f"{at_resolution(weight):>10} {weight.unit.value}"


def _weight_reply(d: Display, *, immediate: bool) -> bytes:
    if d.status is ScaleStatus.OVER_WEIGHT:
        return b"S +\r\n"
    if d.status is ScaleStatus.UNDER_ZERO:
        return b"S -\r\n"
    if d.status in (ScaleStatus.FAULT, ScaleStatus.NEEDS_CALIBRATION, ScaleStatus.NEEDS_REZERO):
        return b"S I\r\n"
    if d.status is ScaleStatus.MOTION:
        # S waits for stability and gives up with "I"; SI sends the moving value flagged D.
        return f"S D {_field(d.weight)}\r\n".encode() if immediate else b"S I\r\n"
    return f"S S {_field(d.weight)}\r\n".encode()


SICS = Sics()

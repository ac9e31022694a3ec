"""Toledo 8213 / 8217 demand protocol ("W"), plus the Toledo continuous frame where a scale streams it.

Demand (8213 manual, "Demand" weigh data record): the host sends one byte, W; the scale answers
STX weight CR when the weight is valid, else STX "?" status CR. The status byte: bit 0 motion,
bit 1 out of range (over capacity), bit 2 under zero, bit 3 outside the zero capture range, bit 4
center of zero, bits 5 and 6 always 1, bit 7 parity (7E1 line). Z zeroes and answers a status record.
The weight record carries no unit (the manual says to fix the scale to one unit), so the unit comes
from the bench's settings; a unit suffix, as some 8217-style scales send, wins when present.

Continuous (STX, status words A B C, six digits weight, six digits tare, CR): A bits 0-2 place the
decimal point, B bit 1 negative, bit 2 out of range, bit 3 motion, bit 4 kg (else lb), C bits 0-2 a
finer unit (1 = g, 3 = oz).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import ClassVar

from shipstation_desktop.devices.scale_port import ScaleStatus
from shipstation_desktop.domain.units import Weight, WeightUnit

from .frames import Display, Frame, FrameError, Framer, ScaleDevice, at_resolution, number, settled, shown, unit_of
from .protocol import Command, LineSettings, SerialProtocol

STX, CR = b"\x02", b"\r"

MOTION, OUT_OF_RANGE, UNDER_ZERO, OUTSIDE_ZERO_CAPTURE, CENTER_OF_ZERO = 1, 2, 4, 8, 16
_ALWAYS = 0x60  # bits 5 and 6 are always set in a status byte: anything else is not one

_WEIGHT = re.compile(r"\s*([-+]?\s*(?:\d+\.?\d*|\.\d+))\s*([A-Za-z]*)\s*")
_CONTINUOUS_UNITS = {1: WeightUnit.G, 3: WeightUnit.OZ}


class Toledo(SerialProtocol):
    name = "toledo"
    title = "Toledo 8213/8217"
    line = LineSettings(9600, 7, "E", 1)
    seven_bit = True
    request = b"W"
    commands: ClassVar[dict[Command, bytes]] = {"zero": b"Z"}  # 8213 has no tare command
    command_end = None

    def framer(self, *, mask7: bool = True) -> Framer:
        return Framer(CR, start=STX, max_len=24, mask7=True)

    def parse(self, body: bytes, unit: WeightUnit) -> Frame:
        if body[:1] == b"?":
            if len(body) != 2:
                raise FrameError(f"{shown(body)!r} is not a Toledo status record")
            return Frame(status_of(body[1]))
        if len(body) == 15 and body[3:].isdigit():
            return _continuous(body)
        m = _WEIGHT.fullmatch(body.decode("ascii", "replace"))
        if m is None:
            raise FrameError(f"{shown(body)!r} is not a Toledo weight record")
        value = number(m.group(1))
        return Frame(settled(True, value), Weight(value, unit_of(m.group(2)) if m.group(2) else unit))

    # -- scale side -------------------------------------------------------------------------------

    def answer(self, command: bytes, device: ScaleDevice) -> bytes:
        d = device.display()
        if command in (b"W", b"H"):  # H is W at ten times the resolution; we answer at ours
            return weight_record(d) if d.status in (ScaleStatus.STABLE, ScaleStatus.ZERO) else status_record(d)
        if command == b"Z" and d.status in (ScaleStatus.STABLE, ScaleStatus.ZERO):
            device.zero()
            d = device.display()
        return status_record(d)


def status_of(byte: int) -> ScaleStatus:
    if byte & _ALWAYS != _ALWAYS:
        raise FrameError(f"status byte 0x{byte:02x} is not a Toledo status (bits 5 and 6 must be set)")
    if byte & OUT_OF_RANGE:
        return ScaleStatus.OVER_WEIGHT
    if byte & UNDER_ZERO:
        return ScaleStatus.UNDER_ZERO
    if byte & OUTSIDE_ZERO_CAPTURE:
        return ScaleStatus.NEEDS_REZERO  # the power-up zero was not captured
    if byte & MOTION:
        return ScaleStatus.MOTION
    return ScaleStatus.ZERO if byte & CENTER_OF_ZERO else ScaleStatus.STABLE


def _continuous(body: bytes) -> Frame:
    swa, swb, swc = body[0], body[1], body[2]
    exponent = 2 - (swa & 0b111)  # 0: two dummy zeros (x100) … 7: five decimals
    value = Decimal(int(body[3:9])).scaleb(exponent)
    if swb & 0b10:
        value = -value
    unit = _CONTINUOUS_UNITS.get(swc & 0b111)
    if unit is None:
        if swc & 0b111:
            raise FrameError(f"Toledo unit code {swc & 0b111} is not one the bench reads (g, kg, lb, oz)")
        unit = WeightUnit.KG if swb & 0b10000 else WeightUnit.LB
    if swb & 0b100:
        status = ScaleStatus.UNDER_ZERO if value < 0 else ScaleStatus.OVER_WEIGHT
    else:
        status = settled(not swb & 0b1000, value)
    return Frame(status, Weight(value, unit))


def weight_record(d: Display) -> bytes:
    value = at_resolution(d.weight)
    return STX + str(value).zfill(6).encode() + CR


def status_record(d: Display) -> bytes:
    bits = {
        ScaleStatus.MOTION: MOTION,
        ScaleStatus.OVER_WEIGHT: OUT_OF_RANGE,
        ScaleStatus.UNDER_ZERO: UNDER_ZERO,
        ScaleStatus.ZERO: CENTER_OF_ZERO,
        ScaleStatus.FAULT: OUTSIDE_ZERO_CAPTURE,
        ScaleStatus.NEEDS_REZERO: OUTSIDE_ZERO_CAPTURE,
        ScaleStatus.NEEDS_CALIBRATION: OUTSIDE_ZERO_CAPTURE,
    }.get(d.status, 0)
    return STX + b"?" + bytes([_ALWAYS | bits]) + CR


TOLEDO = Toledo()

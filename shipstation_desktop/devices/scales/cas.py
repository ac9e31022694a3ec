"""CAS continuous output: the indicator streams one CR LF-terminated line per reading, unasked.

The CAS 22-byte format (CI-series manuals, "CAS 22 Bytes Format"): ST/US/OL (stable, unstable,
overload), GS/NT (gross, net), a device id and a lamp-status byte, then eight characters of weight
with its decimal point, a blank and the unit. The shorter "ST,GS,+  1.234kg" line that many
CAS-compatible indicators send is read as well (same headers, no id/lamp field). 8N1: the lamp byte
uses bit 7, so nothing is masked.
"""

from __future__ import annotations

import re

from shipstation_desktop.devices.scale_port import ScaleStatus
from shipstation_desktop.domain.units import Weight, WeightUnit

from .frames import Display, Frame, FrameError, Framer, at_resolution, number, settled, shown, text, unit_of
from .protocol import LineSettings, SerialProtocol

_LINE = re.compile(r"(ST|US|OL),(GS|NT),([^\r\n]*?)\s*$")
_WEIGHT = re.compile(r"\s*([-+]?\s*(?:\d+\.?\d*|\.\d+))\s*([A-Za-z]+)\s*")

# Lamp-status byte: bit 7 always 1, bit 6 stable, bit 2 gross, bit 1 tare, bit 0 zero point.
_LAMP_BASE, _LAMP_STABLE, _LAMP_GROSS, _LAMP_ZERO = 0x80, 0x40, 0x04, 0x01
DEVICE_ID = b"1"


class Cas(SerialProtocol):
    name = "cas"
    title = "CAS continuous"
    line = LineSettings(9600, 8, "N", 1)
    streams = True

    def framer(self, *, mask7: bool = False) -> Framer:
        return Framer(b"\n", max_len=64, mask7=mask7)

    def parse(self, body: bytes, unit: WeightUnit) -> Frame:
        m = _LINE.search(text(body))
        if m is None:
            raise FrameError(f"{shown(body)!r} is not a CAS line")
        data = m.group(3).rsplit(",", 1)[-1]  # after the id/lamp field when there is one
        weight_m = _WEIGHT.fullmatch(data)
        if m.group(1) == "OL":
            # Overload lines may carry dashes instead of digits; the header says all that matters.
            weight = Weight(number(weight_m.group(1)), unit_of(weight_m.group(2))) if weight_m else None
            return Frame(ScaleStatus.OVER_WEIGHT, weight)
        if weight_m is None:
            raise FrameError(f"{shown(body)!r} has no weight a CAS line should carry")
        value = number(weight_m.group(1))
        return Frame(settled(m.group(1) == "ST", value), Weight(value, unit_of(weight_m.group(2))))

    # -- scale side -------------------------------------------------------------------------------

    def stream(self, display: Display) -> bytes:
        head = {ScaleStatus.MOTION: b"US", ScaleStatus.OVER_WEIGHT: b"OL"}.get(display.status, b"ST")
        value = at_resolution(display.weight)
        digits = str(abs(value)).rjust(8, "0")
        if value < 0:
            digits = "-" + digits[1:]
        lamp = _LAMP_BASE | _LAMP_GROSS
        if display.status is not ScaleStatus.MOTION:
            lamp |= _LAMP_STABLE
        if value == 0:
            lamp |= _LAMP_ZERO
        unit = display.weight.unit.value.rjust(2).encode()
        return head + b",GS," + DEVICE_ID + bytes([lamp]) + b"," + digits.encode() + b" " + unit + b"\r\n"


CAS = Cas()

"""NCI general scale protocol (Weigh-Tronix, Brecknell, Avery Weigh-Tronix bench scales).

Commands end with CR: W (weight), S (status), Z (zero), T (tare, optional: scales without it answer
"?"). A weight reply is LF weight+unit CR LF status CR ETX; a status reply LF status CR ETX; an
unknown command LF "?" CR ETX. Status bytes (NCI SCP-01), bits 4 and 5 always 1, bit 7 parity:
byte 1: bit 0 motion, 1 at zero, 2 RAM error, 3 EEPROM error; byte 2: bit 0 under capacity,
1 over capacity, 2 ROM error, 3 faulty calibration; optional byte 3: bit 2 net, bit 3 initial zero
error. Some scales prefix the status with "S" and send pounds as "1LB 3.4OZ"; both are read.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import ClassVar

from shipstation_desktop.devices.scale_port import ScaleStatus
from shipstation_desktop.domain.errors import DeviceError
from shipstation_desktop.domain.units import Weight, WeightUnit

from .frames import Display, Frame, FrameError, Framer, ScaleDevice, at_resolution, number, settled, shown, unit_of
from .protocol import Command, LineSettings, SerialProtocol

LF, CR, ETX = b"\n", b"\r", b"\x03"

_WEIGHT = re.compile(r"([-+]?\s*(?:\d+\.?\d*|\.\d+))\s*([A-Za-z]+)")
_LB_OZ = re.compile(r"([-+]?)\s*(\d+)\s*LB\s+(\d+\.?\d*)\s*OZ", re.IGNORECASE)
_STATUS = re.compile(r"S?([\x30-\x3f\x70-\x7f]{2,4})")  # bits 4 and 5 set; bit 6 may say "more follows"


class Nci(SerialProtocol):
    name = "nci"
    title = "NCI (Weigh-Tronix, Brecknell)"
    line = LineSettings(9600, 7, "E", 1)
    seven_bit = True
    request = b"W\r"
    commands: ClassVar[dict[Command, bytes]] = {"zero": b"Z\r", "tare": b"T\r"}
    command_end = CR

    def framer(self, *, mask7: bool = True) -> Framer:
        return Framer(ETX, start=LF, max_len=48, mask7=True)

    def parse(self, body: bytes, unit: WeightUnit) -> Frame:
        lines = [part.strip() for part in re.split(r"[\r\n]+", body.decode("ascii", "replace")) if part.strip()]
        if lines == ["?"]:
            raise FrameError("the scale did not understand the command (NCI '?')")
        status_line = _STATUS.fullmatch(lines[-1]) if lines else None
        if status_line is None:
            raise FrameError(f"{shown(body)!r} is not an NCI reply")
        status = status_of(status_line.group(1).encode())
        weight = _weight(lines[-2]) if len(lines) >= 2 else None
        if weight is not None and status is ScaleStatus.STABLE:
            status = settled(True, weight.value)
        return Frame(status, weight)

    def reply(self, command: Command, body: bytes) -> bool:
        try:
            frame = self.parse(body, WeightUnit.G)
        except FrameError as e:
            raise DeviceError(f"the scale refused to {command}: {e}") from None
        if frame.status is ScaleStatus.MOTION and command == "zero":
            raise DeviceError("the scale could not zero while in motion; try again when it is still")
        return True

    # -- scale side -------------------------------------------------------------------------------

    def answer(self, command: bytes, device: ScaleDevice) -> bytes:
        cmd = command.strip()
        d = device.display()
        if cmd == b"W":
            if d.status in (ScaleStatus.OVER_WEIGHT, ScaleStatus.UNDER_ZERO):
                return status_reply(d)  # no meaningful number to show
            field = f"{at_resolution(d.weight):>8}{d.weight.unit.value}".encode()
            return LF + field + CR + status_reply(d)
        if cmd in (b"Z", b"T") and d.status in (ScaleStatus.STABLE, ScaleStatus.ZERO):
            if cmd == b"Z":
                device.zero()
            else:
                device.tare()
            return status_reply(device.display())
        if cmd in (b"S", b"Z", b"T"):
            return status_reply(d)
        return LF + b"?" + CR + ETX


def _weight(line: str) -> Weight | None:
    if m := _LB_OZ.fullmatch(line):
        ounces = Decimal(m.group(2)) * 16 + Decimal(m.group(3))
        return Weight(-ounces if m.group(1) == "-" else ounces, WeightUnit.OZ)
    if m := _WEIGHT.fullmatch(line):
        return Weight(number(m.group(1)), unit_of(m.group(2)))
    return None  # over/under range shows dashes or carets instead of digits; the status says why


def status_of(raw: bytes) -> ScaleStatus:
    first, second = raw[0], raw[1]
    third = raw[2] if len(raw) > 2 else 0x30
    if first & 0b1100 or second & 0b100:
        return ScaleStatus.FAULT  # RAM, EEPROM or ROM error
    if second & 0b1000:
        return ScaleStatus.NEEDS_CALIBRATION
    if second & 0b10:
        return ScaleStatus.OVER_WEIGHT
    if second & 0b1:
        return ScaleStatus.UNDER_ZERO
    if third & 0b1000:
        return ScaleStatus.NEEDS_REZERO  # initial zero error
    if first & 0b1:
        return ScaleStatus.MOTION
    return ScaleStatus.ZERO if first & 0b10 else ScaleStatus.STABLE


def status_bytes(status: ScaleStatus) -> bytes:
    first, second = 0x30, 0x30
    match status:
        case ScaleStatus.MOTION:
            first |= 0b1
        case ScaleStatus.ZERO:
            first |= 0b10
        case ScaleStatus.FAULT:
            second |= 0b100
        case ScaleStatus.NEEDS_CALIBRATION:
            second |= 0b1000
        case ScaleStatus.OVER_WEIGHT:
            second |= 0b10
        case ScaleStatus.UNDER_ZERO:
            second |= 0b1
        case ScaleStatus.NEEDS_REZERO:
            return bytes([first, second | 0b1000000, 0x30 | 0b1000])  # bit 6: a third byte follows
    return bytes([first, second])


def status_reply(d: Display) -> bytes:
    return LF + status_bytes(d.status) + CR + ETX


NCI = Nci()

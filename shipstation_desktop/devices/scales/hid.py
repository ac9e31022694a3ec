"""USB HID POS scales (usage page 0x8D), the pure part: one input report in, a reading out.

HID Point of Sale Usage Tables 1.02, Weighing Devices: the Scale Data report (report id 3) is six
bytes: report id, Scale Status (1 fault, 2 stable at center of zero, 3 in motion, 4 weight stable,
5 under zero, 6 over weight limit, 7 requires calibration, 8 requires re-zeroing), Weight Unit
(2 g, 3 kg, 11 oz, 12 lb; 1 mg is read as grams), a signed power-of-ten exponent and the weight as
an unsigned 16-bit little-endian count. The Scale Control output report (id 2) with bit 1 set asks
the scale to zero itself; the tables define no tare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from shipstation_desktop.devices.scale_port import ScaleStatus
from shipstation_desktop.domain.units import Weight, WeightUnit

from .frames import Display, FrameError

USAGE_PAGE = 0x8D
DATA_REPORT = 0x03
REPORT_SIZE = 6
ZERO_REPORT = bytes([0x02, 0b10])  # Scale Control report: "Zero Scale"

STATUSES: dict[int, ScaleStatus] = {
    1: ScaleStatus.FAULT,
    2: ScaleStatus.ZERO,
    3: ScaleStatus.MOTION,
    4: ScaleStatus.STABLE,
    5: ScaleStatus.UNDER_ZERO,
    6: ScaleStatus.OVER_WEIGHT,
    7: ScaleStatus.NEEDS_CALIBRATION,
    8: ScaleStatus.NEEDS_REZERO,
}
_CODES = {status: code for code, status in STATUSES.items()}

# unit code -> (our unit, factor from the scale's unit to ours): milligrams are read as grams, exactly.
UNITS: dict[int, tuple[WeightUnit, Decimal]] = {
    1: (WeightUnit.G, Decimal("0.001")),
    2: (WeightUnit.G, Decimal(1)),
    3: (WeightUnit.KG, Decimal(1)),
    11: (WeightUnit.OZ, Decimal(1)),
    12: (WeightUnit.LB, Decimal(1)),
}
_UNIT_CODES = {WeightUnit.G: 2, WeightUnit.KG: 3, WeightUnit.OZ: 11, WeightUnit.LB: 12}
_OTHER_UNITS = {
    0: "no unit",
    4: "carats",
    5: "taels",
    6: "grains",
    7: "pennyweights",
    8: "metric tons",
    9: "avoirdupois tons",
    10: "troy ounces",
}
# Scales sold for shipping benches that speak this report (vendor id, product id) -> what they are.
KNOWN_SCALES: dict[tuple[int, int], str] = {
    (0x0922, 0x8003): "DYMO M10 postal scale",
    (0x0922, 0x8004): "DYMO M25 postal scale",
    (0x0922, 0x8009): "DYMO S180 shipping scale",
    (0x1446, 0x6A73): "Stamps.com 510 scale",
    (0x2474, 0x0550): "Stamps.com 5 lb scale",
    (0x2474, 0x3550): "Stamps.com 35 lb scale",
    (0x7B7C, 0x0100): "Elane UParcel scale",
    (0x0EB8, 0xF000): "Mettler Toledo USB scale",
    (0x0B67, 0x555E): "Fairbanks SCB-R9000",
    (0x6096, 0x0158): "Sanford DYMO 10 lb scale",
    (0x0D8F, 0x0200): "Pitney Bowes 10 lb scale",
}


@dataclass(frozen=True, slots=True)
class HidReading:
    status: ScaleStatus
    weight: Weight


def decode(report: bytes) -> HidReading:
    """One input report (report id first). Raises FrameError with a one-line reason."""
    if len(report) < REPORT_SIZE:
        raise FrameError(f"a scale data report has {REPORT_SIZE} bytes, got {len(report)}")
    if report[0] != DATA_REPORT:
        raise FrameError(f"report 0x{report[0]:02x} is not a scale data report (0x03)")
    status = STATUSES.get(report[1])
    if status is None:
        raise FrameError(f"scale status 0x{report[1]:02x} is not one of the HID POS statuses (1-8)")
    code = report[2]
    if code not in UNITS:
        name = _OTHER_UNITS.get(code, "an unknown unit")
        raise FrameError(f"weight unit 0x{code:02x} ({name}) is not one the bench reads (g, kg, lb, oz)")
    unit, factor = UNITS[code]
    exponent = int.from_bytes(report[3:4], "little", signed=True)
    count = int.from_bytes(report[4:6], "little")
    return HidReading(status, Weight(Decimal(count).scaleb(exponent) * factor, unit))


def encode(display: Display) -> bytes:
    """The report a scale sends for what it shows (the simulator's side)."""
    value = abs(display.weight.value)
    places = value.normalize().as_tuple().exponent
    exponent = min(0, places) if isinstance(places, int) else 0
    count = int(value.scaleb(-exponent))
    while count > 0xFFFF:  # too fine for 16 bits: drop a decimal, as a real scale's range would
        exponent += 1
        count = round(count / 10)
    return bytes([DATA_REPORT, _CODES[display.status], _UNIT_CODES[display.weight.unit], exponent & 0xFF]) + (
        count.to_bytes(2, "little")
    )


def from_hex(text: str) -> bytes:
    """A report typed as hex ("03040bff2c01", "03 04 0b …", "0x03,0x04,…")."""
    cleaned = re.sub(r"0x|[\s:,-]", "", text.strip(), flags=re.IGNORECASE)
    if not cleaned or not re.fullmatch(r"(?:[0-9a-fA-F]{2})+", cleaned):
        raise FrameError(f"{text.strip()!r} is not a report in hex (two hex digits a byte, e.g. 03040bff2c01)")
    return bytes.fromhex(cleaned)

"""What the wire protocols share: cutting a byte stream into frames, and reading numbers and units.

Every parser here is pure (bytes in, a Frame or a FrameError out), so each protocol is tested without
a port, and garbage can only ever become one clear line, never an exception from deep inside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Protocol

from shipstation_desktop.devices.scale_port import ScaleStatus
from shipstation_desktop.devices.simulated_scale import RESOLUTION
from shipstation_desktop.domain.units import Weight, WeightUnit


class FrameError(ValueError):
    """Bytes that are not a frame of the protocol; the message is one line a person can act on."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One parsed frame. `weight` is None when the scale sent a status only (Toledo 8213 in motion,
    MT-SICS overload, NCI status replies)."""

    status: ScaleStatus
    weight: Weight | None = None


@dataclass(frozen=True, slots=True)
class Display:
    """What a (simulated) scale shows at one instant: the scale side of every protocol encodes this."""

    status: ScaleStatus
    weight: Weight


class ScaleDevice(Protocol):
    """The scale side the protocol answerers talk to (the simulator's device)."""

    def display(self) -> Display: ...

    def zero(self) -> bool:
        """Zero the scale; False when it refuses (in motion, overloaded)."""
        ...

    def tare(self) -> Weight | None:
        """Tare what is on the platter; the tare weight, or None when refused."""
        ...


class Framer:
    """Cuts a byte stream into frame bodies that end with `end` (and begin after `start`, if given).

    Bytes before a start byte are noise (a scale switched on mid-frame, a wrong baud rate) and are
    dropped; a body longer than `max_len` is dropped too, so garbage never grows the buffer. With
    `mask7`, bit 7 is cleared first: on a 7E1 line read as 8N1 (or through a TCP serial server) it is
    the parity bit, not data.
    """

    def __init__(self, end: bytes, *, start: bytes | None = None, max_len: int = 80, mask7: bool = False) -> None:
        self.end = end
        self.start = start
        self.max_len = max_len
        self.mask7 = mask7
        self.dropped = 0  # noise bytes thrown away, for diagnostics
        self._buf = bytearray()

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[bytes]:
        if self.mask7:
            data = data.translate(_MASK7)
        self._buf += data
        frames: list[bytes] = []
        while True:
            if self.start is not None:
                at = self._buf.find(self.start)
                if at < 0:
                    self.dropped += len(self._buf)
                    self._buf.clear()
                    return frames
                if at:
                    self.dropped += at
                    del self._buf[:at]
                body_from = len(self.start)
            else:
                body_from = 0
            end = self._buf.find(self.end, body_from)
            if end < 0:
                if len(self._buf) > self.max_len:
                    self.dropped += len(self._buf)
                    self._buf.clear()
                return frames
            body = bytes(self._buf[body_from:end])
            del self._buf[: end + len(self.end)]
            if len(body) > self.max_len:
                self.dropped += len(body)
            elif body.strip():  # a bare delimiter (CR LF after a dropped overlong line) is no frame
                frames.append(body)


_MASK7 = bytes(b & 0x7F for b in range(256))

UNITS: dict[str, WeightUnit] = {
    "g": WeightUnit.G,
    "kg": WeightUnit.KG,
    "lb": WeightUnit.LB,
    "lbs": WeightUnit.LB,
    "oz": WeightUnit.OZ,
}

_NUMBER = re.compile(r"[-+]?\s*(?:\d+\.?\d*|\.\d+)")


def text(frame: bytes) -> str:
    """Frame bytes as text; latin-1 maps every byte, so decoding itself can never fail."""
    return frame.decode("latin-1")


def shown(frame: bytes, limit: int = 40) -> str:
    """A frame as it may appear in a one-line message: printable, short."""
    clean = "".join(c if c.isprintable() and c.isascii() else "·" for c in text(frame).strip())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def number(value: str) -> Decimal:
    cleaned = value.replace(" ", "")
    if not _NUMBER.fullmatch(cleaned):
        raise FrameError(f"{value.strip()!r} is not a weight")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise FrameError(f"{value.strip()!r} is not a weight") from None


def unit_of(name: str) -> WeightUnit:
    try:
        return UNITS[name.strip().lower()]
    except KeyError:
        raise FrameError(f"unit {name.strip()!r} is not one the bench reads (g, kg, lb, oz)") from None


def settled(stable: bool, value: Decimal) -> ScaleStatus:
    """The status of a reading whose frame only says stable or not."""
    if not stable:
        return ScaleStatus.MOTION
    if value == 0:
        return ScaleStatus.ZERO
    return ScaleStatus.UNDER_ZERO if value < 0 else ScaleStatus.STABLE


def at_resolution(weight: Weight) -> Decimal:
    """The value as a scale in that unit displays it (whole g, 0.001 kg, 0.01 lb, 0.1 oz)."""
    return weight.value.quantize(RESOLUTION[weight.unit], rounding=ROUND_HALF_UP)

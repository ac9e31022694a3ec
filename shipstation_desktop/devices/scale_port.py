"""The scale port: what every scale (serial, HID, simulated) offers the bench."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from shipstation_desktop.domain.units import Weight


class ScaleStatus(StrEnum):
    STABLE = "stable"
    MOTION = "motion"
    ZERO = "zero"
    UNDER_ZERO = "under_zero"
    OVER_WEIGHT = "over_weight"
    FAULT = "fault"
    # The USB HID POS scale statuses (and their serial equivalents) have two more states.
    NEEDS_CALIBRATION = "needs_calibration"
    NEEDS_REZERO = "needs_rezero"


class ScaleHealth(StrEnum):
    CONNECTED = "connected"
    NO_ANSWER = "no_answer"
    DISCONNECTED = "disconnected"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ScaleReading:
    weight: Weight
    status: ScaleStatus
    at: datetime

    @property
    def stable(self) -> bool:
        return self.status in (ScaleStatus.STABLE, ScaleStatus.ZERO)


class ScalePort(Protocol):
    name: str
    supports_zero: bool  # whether zero()/tare() can work at all: the GUI shows the buttons only then
    supports_tare: bool

    def read(self) -> ScaleReading:
        """One reading now. Raises DeviceError when the scale does not answer."""
        ...

    def zero(self) -> None: ...

    def tare(self) -> None: ...

    def health(self) -> ScaleHealth: ...

    def close(self) -> None: ...


@runtime_checkable
class StreamingScale(Protocol):
    """A scale that sends readings by itself: `read()` waits for the next one, so whoever polls need
    not pace the reads (sleeping between them would only add latency)."""

    streams: bool

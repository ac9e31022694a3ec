"""Stable-weight capture: the only way a weight from a scale becomes a weight on a label.

A scale's own "stable" flag is not enough (some flag stable while the parcel still rocks), so a
weight counts only when the scale says stable AND several equal readings span a short window.
The rules live in StableWeightDetector; capture_stable() is a blocking loop around it for
services, and the GUI's auto-weigh feeds the same detector from its device worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from shipstation_desktop.devices.scale_port import ScalePort, ScaleReading, ScaleStatus
from shipstation_desktop.domain.clock import Clock
from shipstation_desktop.domain.errors import Cancelled, DeviceError, UserError

# FakeClock steps accumulate float error (0.05 * 6 may be 0.2999…); a window is met within this.
_WINDOW_EPSILON_S = 1e-9

OVER_CAPACITY_MESSAGE = "the parcel is over the scale's capacity"
UNDER_ZERO_MESSAGE = "the scale reads below zero; empty the platter and zero the scale"
FAULT_MESSAGE = "the scale reports a fault; check it and try again"
CALIBRATION_MESSAGE = "the scale needs calibration; have it calibrated before weighing parcels"
REZERO_MESSAGE = "the scale needs re-zeroing; empty the platter and press Zero"
NO_PARCEL_MESSAGE = "no parcel on the scale"


_REFUSED = {
    ScaleStatus.FAULT: FAULT_MESSAGE,
    ScaleStatus.NEEDS_CALIBRATION: CALIBRATION_MESSAGE,
    ScaleStatus.NEEDS_REZERO: REZERO_MESSAGE,
}


class StableWeightDetector:
    """Feed readings in order; `feed` returns a reading once the weight is truly stable.

    After returning a weight the detector disarms, so one parcel is weighed once; it re-arms by
    itself only when the scale returns to zero (the parcel was taken off), or by `reset()`.
    """

    def __init__(
        self,
        *,
        window_s: float = 0.3,
        min_readings: int = 3,
        min_grams: Decimal = Decimal(2),
    ) -> None:
        if min_readings < 1:
            raise ValueError("min_readings must be at least 1")
        if window_s < 0:
            raise ValueError("window_s must not be negative")
        self.window_s = window_s
        self.min_readings = min_readings
        self.min_grams = min_grams
        self._armed = True
        self._parcel_present = False
        self._run: list[tuple[float, ScaleReading]] = []  # consecutive equal stable readings

    @property
    def armed(self) -> bool:
        return self._armed

    @property
    def parcel_present(self) -> bool:
        """Whether the last reading fed showed something at or above min_grams."""
        return self._parcel_present

    def reset(self) -> None:
        """Forget the current run and re-arm (e.g. the operator asked to weigh again)."""
        self._armed = True
        self._run.clear()

    def feed(self, reading: ScaleReading, t: float) -> ScaleReading | None:
        """Take one reading taken at monotonic time `t` (seconds).

        Returns the stable reading when this one completes the window, else None.
        Raises DeviceError for overload, below-zero, fault and calibrate/re-zero readings.
        """
        status = reading.status
        grams = reading.weight.grams
        if status in _REFUSED:
            self._clear()
            raise DeviceError(_REFUSED[status])
        if status is ScaleStatus.OVER_WEIGHT:
            self._clear(parcel=True)
            raise DeviceError(OVER_CAPACITY_MESSAGE)
        # Some scales never send an under-zero flag, so a clearly negative weight counts too.
        if status is ScaleStatus.UNDER_ZERO or grams <= -self.min_grams:
            self._clear()
            raise DeviceError(UNDER_ZERO_MESSAGE)
        if status is ScaleStatus.ZERO or abs(grams) < self.min_grams:
            # Nothing (worth weighing) on the platter: the previous parcel is gone, so re-arm. Motion
            # still means something is on it, though: a scale that sends motion without a weight
            # (Toledo 8213) must time out as "not stable", not as "no parcel".
            self._clear(parcel=status is ScaleStatus.MOTION)
            self._armed = True
            return None
        self._parcel_present = True
        if status is not ScaleStatus.STABLE or not self._armed:
            self._run.clear()
            return None
        if self._run and self._run[-1][1].weight.grams != grams:
            self._run.clear()
        self._run.append((t, reading))
        span = t - self._run[0][0]
        if len(self._run) >= self.min_readings and span + _WINDOW_EPSILON_S >= self.window_s:
            self._run.clear()
            self._armed = False
            return reading
        return None

    def _clear(self, *, parcel: bool = False) -> None:
        self._run.clear()
        self._parcel_present = parcel


def capture_stable(
    scale: ScalePort,
    clock: Clock,
    *,
    timeout_s: float,
    window_s: float = 0.3,
    min_readings: int = 3,
    min_grams: Decimal = Decimal(2),
    poll_s: float = 0.05,
    sleep: Callable[[float], None] = time.sleep,
    cancelled: Callable[[], bool] | None = None,
) -> ScaleReading:
    """Poll `scale` until a stable weight is seen and return that reading.

    Raises DeviceError (scale unplugged, overload, below zero, fault), UserError on timeout
    ("no parcel on the scale" if nothing was on it at the end) and Cancelled when `cancelled()`
    turns true. `sleep` is injectable so tests can pass a FakeClock's `advance`.
    """
    detector = StableWeightDetector(window_s=window_s, min_readings=min_readings, min_grams=min_grams)
    deadline = clock.monotonic() + timeout_s
    while True:
        if cancelled is not None and cancelled():
            raise Cancelled()
        reading = scale.read()
        found = detector.feed(reading, clock.monotonic())
        if found is not None:
            return found
        if clock.monotonic() >= deadline:
            if not detector.parcel_present:
                raise UserError(NO_PARCEL_MESSAGE)
            raise UserError(f"scale not stable within {timeout_s:g} s")
        sleep(poll_s)

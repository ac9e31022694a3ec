"""A scale that lives in memory: for the demo, for tests, and for benches without hardware.

It behaves like a real platform scale where it matters to the bench: a parcel first swings
(MOTION readings that never equal the final weight), then settles to an exact value at the
scale's resolution; overload, below-zero, zero/tare and unplugging are all reproducible.
"""

from __future__ import annotations

import random
import threading
from decimal import ROUND_HALF_UP, Decimal

from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleReading, ScaleStatus
from shipstation_desktop.domain.clock import Clock
from shipstation_desktop.domain.errors import DeviceError
from shipstation_desktop.domain.units import GRAMS_PER, Weight, WeightUnit

# The display step of typical shipping scales: whole grams metric, 0.1 oz / 0.01 lb imperial.
RESOLUTION: dict[WeightUnit, Decimal] = {
    WeightUnit.G: Decimal(1),
    WeightUnit.KG: Decimal("0.001"),
    WeightUnit.OZ: Decimal("0.1"),
    WeightUnit.LB: Decimal("0.01"),
}

DEFAULT_CAPACITY_GRAMS = Decimal(68_000)  # a common 150 lb / 68 kg shipping platform


class SimulatedScale:
    """A ScalePort whose load is set by `place()` / `remove()`; time comes from the injected clock."""

    supports_zero = True
    supports_tare = True

    def __init__(
        self,
        clock: Clock,
        unit: WeightUnit = WeightUnit.G,
        *,
        capacity_grams: Decimal = DEFAULT_CAPACITY_GRAMS,
        settle_time: float = 0.6,
        seed: int | None = None,
        name: str = "Simulated scale",
    ) -> None:
        if capacity_grams <= 0:
            raise ValueError("capacity_grams must be positive")
        if settle_time < 0:
            raise ValueError("settle_time must not be negative")
        self.name = name
        self.unit = unit
        self.capacity_grams = capacity_grams
        self.settle_time = settle_time
        self._clock = clock
        self._rng = random.Random(seed)
        # GUI thread calls place()/unplug() while the device worker calls read(): one lock for all state.
        self._lock = threading.Lock()
        self._load_grams = Decimal(0)  # what physically sits on the platter
        self._zero_grams = Decimal(0)  # platter load that zero() declared as "empty"
        self._tare_grams = Decimal(0)
        self._settled_at = clock.monotonic()  # readings are MOTION until this instant
        self._plugged = True
        self._closed = False

    @property
    def resolution(self) -> Decimal:
        """The display step, in the scale's unit."""
        return RESOLUTION[self.unit]

    # -- simulation controls -------------------------------------------------------------------

    def place(self, grams: Decimal) -> None:
        """Set the platter load to `grams` (replacing whatever was there); it settles after settle_time."""
        grams = Decimal(str(grams))  # str() keeps an accidental float from adding binary noise
        if grams < 0:
            raise ValueError("a parcel cannot weigh less than nothing")
        with self._lock:
            self._load_grams = grams
            self._settled_at = self._clock.monotonic() + self.settle_time

    def remove(self) -> None:
        """Lift everything off; the next reading is an immediate, settled zero (minus any tare)."""
        with self._lock:
            self._load_grams = Decimal(0)
            self._settled_at = self._clock.monotonic()

    def unplug(self) -> None:
        with self._lock:
            self._plugged = False

    def plug(self) -> None:
        with self._lock:
            self._plugged = True

    # -- ScalePort ---------------------------------------------------------------------------

    def read(self) -> ScaleReading:
        with self._lock:
            self._check_online()
            now_mono = self._clock.monotonic()
            gross = self._load_grams - self._zero_grams
            target = self._quantize(gross - self._tare_grams)
            if self._load_grams > self.capacity_grams:
                # The load cell overloads on what sits on it, whatever zero/tare say. A real scale
                # shows no number then; we report the weight anyway, for diagnostics.
                status, value = ScaleStatus.OVER_WEIGHT, target
            elif now_mono < self._settled_at:
                status, value = ScaleStatus.MOTION, target + self._jitter(gross, now_mono)
            elif target == 0:
                status, value = ScaleStatus.ZERO, Decimal(0).quantize(self.resolution)
            elif target < 0:
                status, value = ScaleStatus.UNDER_ZERO, target
            else:
                status, value = ScaleStatus.STABLE, target
            return ScaleReading(Weight(value, self.unit), status, self._clock.now())

    def zero(self) -> None:
        """Declare the current platter load as empty; clears the tare as real scales do."""
        with self._lock:
            self._check_online()
            self._zero_grams = self._load_grams
            self._tare_grams = Decimal(0)

    def tare(self) -> None:
        """Subtract what is on the platter now (e.g. an empty box) from later readings."""
        with self._lock:
            self._check_online()
            self._tare_grams = self._load_grams - self._zero_grams

    def health(self) -> ScaleHealth:
        with self._lock:
            if self._closed or not self._plugged:
                return ScaleHealth.DISCONNECTED
            return ScaleHealth.CONNECTED

    def close(self) -> None:
        with self._lock:
            self._closed = True

    # -- internals (call with the lock held) ---------------------------------------------------

    def _check_online(self) -> None:
        if self._closed:
            raise DeviceError(f"{self.name} is closed")
        if not self._plugged:
            raise DeviceError(f"{self.name} is unplugged")

    def _quantize(self, grams: Decimal) -> Decimal:
        return (grams / GRAMS_PER[self.unit]).quantize(self.resolution, rounding=ROUND_HALF_UP)

    def _jitter(self, gross_grams: Decimal, now_mono: float) -> Decimal:
        """A non-zero offset of whole display steps that shrinks as the platter settles."""
        steps_of_load = int(gross_grams / GRAMS_PER[self.unit] / self.resolution)
        max_steps = min(max(3, steps_of_load // 100), 500)  # ~1 % swing, at least a few steps
        remaining = (self._settled_at - now_mono) / self.settle_time if self.settle_time else 0.0
        amplitude = max(1, round(max_steps * remaining))
        steps = self._rng.randint(1, amplitude) * self._rng.choice((-1, 1))
        return steps * self.resolution

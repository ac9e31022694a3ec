from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import pytest

from shipstation_desktop.devices.capture import StableWeightDetector, capture_stable
from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleReading, ScaleStatus
from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.errors import Cancelled, DeviceError, UserError
from shipstation_desktop.domain.units import Weight, WeightUnit

S, M, Z = ScaleStatus.STABLE, ScaleStatus.MOTION, ScaleStatus.ZERO


class ScriptedScale:
    """Plays back a fixed list of (grams, status); the last entry repeats forever."""

    name = "scripted"

    def __init__(self, clock: FakeClock, script: Iterable[tuple[int | str, ScaleStatus]]) -> None:
        self._clock = clock
        self._script = list(script)
        self.reads = 0

    def read(self) -> ScaleReading:
        grams, status = self._script[min(self.reads, len(self._script) - 1)]
        self.reads += 1
        return ScaleReading(Weight.of(grams, WeightUnit.G), status, self._clock.now())

    def zero(self) -> None: ...

    def tare(self) -> None: ...

    def health(self) -> ScaleHealth:
        return ScaleHealth.CONNECTED

    def close(self) -> None: ...


def reading(grams: int | str, status: ScaleStatus = S) -> ScaleReading:
    return ScaleReading(Weight.of(grams, WeightUnit.G), status, FakeClock().now())


def test_returns_the_settled_weight_of_a_simulated_parcel() -> None:
    clock = FakeClock()
    scale = SimulatedScale(clock, WeightUnit.G, seed=1)
    scale.place(Decimal(1500))
    r = capture_stable(scale, clock, timeout_s=5, sleep=clock.advance)
    assert (r.status, r.weight.value) == (S, Decimal(1500))
    assert clock.monotonic() >= 0.6 + 0.3 - 1e-9  # settle time plus the stability window


@pytest.mark.parametrize("seed", range(20))
def test_an_in_motion_value_is_never_returned(seed: int) -> None:
    clock = FakeClock()
    scale = SimulatedScale(clock, WeightUnit.LB, seed=seed, settle_time=1.5)
    scale.place(Decimal(2500))
    r = capture_stable(scale, clock, timeout_s=5, sleep=clock.advance)
    assert r.weight.value == Decimal("5.51")  # 2500 g in lb at 0.01 lb resolution
    assert clock.monotonic() >= 1.5


def test_a_scale_that_flags_stable_too_early_is_not_trusted() -> None:
    clock = FakeClock()
    # The scale says "stable" while the value still changes; only the final run of equal values counts.
    scale = ScriptedScale(clock, [(1498, S), (1503, S), (1499, S), (1500, S)])
    r = capture_stable(scale, clock, timeout_s=5, sleep=clock.advance)
    assert r.weight.value == Decimal(1500)
    assert scale.reads == 3 + 7  # three wobbles, then 0.30 s of equal readings at 0.05 s


def test_equal_values_flagged_motion_do_not_count() -> None:
    clock = FakeClock()
    scale = ScriptedScale(clock, [(1500, M)] * 20 + [(1500, S)])
    capture_stable(scale, clock, timeout_s=5, sleep=clock.advance)
    assert scale.reads == 20 + 7


def test_motion_forever_times_out_with_a_clear_message() -> None:
    clock = FakeClock()
    scale = ScriptedScale(clock, [(1500, M)])
    with pytest.raises(UserError, match=r"^scale not stable within 2 s$") as info:
        capture_stable(scale, clock, timeout_s=2, sleep=clock.advance)
    assert not isinstance(info.value, DeviceError)
    assert 2 <= clock.monotonic() < 2.1


def test_an_empty_scale_times_out_as_no_parcel() -> None:
    clock = FakeClock()
    with pytest.raises(UserError, match=r"^no parcel on the scale$"):
        capture_stable(ScriptedScale(clock, [(0, Z)]), clock, timeout_s=1, sleep=clock.advance)


def test_weights_below_min_grams_count_as_no_parcel() -> None:
    clock = FakeClock()
    with pytest.raises(UserError, match=r"^no parcel on the scale$"):
        capture_stable(ScriptedScale(clock, [(1, S)]), clock, timeout_s=1, sleep=clock.advance)


@pytest.mark.parametrize(
    ("status", "grams", "message"),
    [
        (ScaleStatus.OVER_WEIGHT, 70_000, "over the scale's capacity"),
        (ScaleStatus.UNDER_ZERO, -40, "below zero"),
        (ScaleStatus.STABLE, -40, "below zero"),  # a scale that sends no under-zero flag
        (ScaleStatus.FAULT, 0, "fault"),
    ],
)
def test_bad_readings_raise_device_error(status: ScaleStatus, grams: int, message: str) -> None:
    clock = FakeClock()
    scale = ScriptedScale(clock, [(grams, status)])
    with pytest.raises(DeviceError, match=message):
        capture_stable(scale, clock, timeout_s=5, sleep=clock.advance)
    assert scale.reads == 1


def test_overload_on_a_simulated_scale() -> None:
    clock = FakeClock()
    scale = SimulatedScale(clock, capacity_grams=Decimal(30_000), seed=3)
    scale.place(Decimal(31_000))
    with pytest.raises(DeviceError, match="over the scale's capacity"):
        capture_stable(scale, clock, timeout_s=5, sleep=clock.advance)


def test_unplugged_scale_raises_device_error() -> None:
    clock = FakeClock()
    scale = SimulatedScale(clock, seed=3)
    scale.place(Decimal(700))
    scale.unplug()
    with pytest.raises(DeviceError, match="unplugged"):
        capture_stable(scale, clock, timeout_s=5, sleep=clock.advance)


def test_unplugged_midway_raises_device_error() -> None:
    clock = FakeClock()
    scale = SimulatedScale(clock, seed=3)
    scale.place(Decimal(700))

    def sleep(seconds: float) -> None:
        clock.advance(seconds)
        if clock.monotonic() > 0.2:
            scale.unplug()

    with pytest.raises(DeviceError):
        capture_stable(scale, clock, timeout_s=5, sleep=sleep)


def test_cancel_raises_cancelled() -> None:
    clock = FakeClock()
    scale = ScriptedScale(clock, [(1500, M)])
    with pytest.raises(Cancelled):
        capture_stable(scale, clock, timeout_s=5, sleep=clock.advance, cancelled=lambda: clock.monotonic() >= 0.2)
    assert clock.monotonic() < 0.3


def test_cancel_before_the_first_read() -> None:
    clock = FakeClock()
    scale = ScriptedScale(clock, [(1500, S)])
    with pytest.raises(Cancelled):
        capture_stable(scale, clock, timeout_s=5, sleep=clock.advance, cancelled=lambda: True)
    assert scale.reads == 0


# -- the detector on its own ----------------------------------------------------------------------


def test_detector_needs_min_readings_even_when_the_window_is_long() -> None:
    d = StableWeightDetector(window_s=0.3, min_readings=3)
    assert d.feed(reading(500), 0.0) is None
    assert d.feed(reading(500), 1.0) is None  # window met, only two readings
    assert d.feed(reading(500), 2.0) is not None


def test_detector_needs_the_window_even_with_many_readings() -> None:
    d = StableWeightDetector(window_s=0.3, min_readings=3)
    results = [d.feed(reading(500), t / 100) for t in range(30)]  # 0.00 … 0.29 s
    assert all(r is None for r in results)
    assert d.feed(reading(500), 0.30) is not None


def test_detector_weighs_a_parcel_once_and_rearms_after_zero() -> None:
    d = StableWeightDetector(window_s=0.1, min_readings=2)
    assert d.feed(reading(800), 0.0) is None
    assert d.feed(reading(800), 0.1) is not None
    assert not d.armed
    # Still on the scale: not weighed again, however long it sits there.
    assert all(d.feed(reading(800), 0.2 + i / 10) is None for i in range(10))
    # Swapping parcels without emptying the platter does not re-arm either.
    assert d.feed(reading(900), 2.0) is None
    assert d.feed(reading(900), 2.2) is None
    assert d.feed(reading(0, Z), 3.0) is None
    assert d.armed
    assert d.feed(reading(900), 3.1) is None
    second = d.feed(reading(900), 3.2)
    assert second is not None
    assert second.weight.value == 900


def test_detector_rearms_on_a_near_zero_reading_and_on_reset() -> None:
    d = StableWeightDetector(window_s=0, min_readings=1)
    assert d.feed(reading(800), 0.0) is not None
    assert d.feed(reading(1, M), 0.1) is None  # lifted off, still swinging near zero
    assert d.armed
    assert d.feed(reading(800), 0.2) is not None
    d.reset()
    assert d.feed(reading(800), 0.3) is not None


def test_detector_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        StableWeightDetector(min_readings=0)
    with pytest.raises(ValueError):
        StableWeightDetector(window_s=-1)

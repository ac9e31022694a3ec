from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from shipstation_desktop.devices.scale_port import ScaleHealth, ScalePort, ScaleStatus
from shipstation_desktop.devices.simulated_scale import DEFAULT_CAPACITY_GRAMS, SimulatedScale
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.errors import DeviceError
from shipstation_desktop.domain.units import WeightUnit


def make(
    clock: FakeClock,
    unit: WeightUnit = WeightUnit.G,
    *,
    capacity_grams: Decimal = DEFAULT_CAPACITY_GRAMS,
    settle_time: float = 0.6,
) -> SimulatedScale:
    return SimulatedScale(clock, unit, capacity_grams=capacity_grams, settle_time=settle_time, seed=7)


def test_is_a_scale_port() -> None:
    scale: ScalePort = make(FakeClock())
    assert scale.name


def test_motion_never_shows_the_target_then_settles_exactly() -> None:
    clock = FakeClock()
    scale = make(clock)
    scale.place(Decimal(1500))
    motion = []
    while clock.monotonic() < 0.6 - 1e-9:
        r = scale.read()
        assert r.status is ScaleStatus.MOTION
        motion.append(r.weight.value)
        clock.advance(0.02)
    assert len(motion) >= 25
    assert Decimal(1500) not in motion
    clock.advance(0.01)
    r = scale.read()
    assert r.status is ScaleStatus.STABLE
    assert r.weight.value == Decimal(1500)
    assert r.weight.unit is WeightUnit.G
    assert r.at == clock.now()


def test_seeded_motion_is_reproducible() -> None:
    def motion_values() -> list[Decimal]:
        clock = FakeClock()
        scale = make(clock)
        scale.place(Decimal(800))
        values = []
        for _ in range(10):
            values.append(scale.read().weight.value)
            clock.advance(0.05)
        return values

    assert motion_values() == motion_values()


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (WeightUnit.G, Decimal(1235)),
        (WeightUnit.KG, Decimal("1.235")),
        (WeightUnit.LB, Decimal("2.72")),  # 1234.56 g = 2.7217 lb
        (WeightUnit.OZ, Decimal("43.5")),  # 1234.56 g = 43.548 oz
    ],
)
def test_stable_weight_is_quantized_to_the_resolution(unit: WeightUnit, expected: Decimal) -> None:
    clock = FakeClock()
    scale = make(clock, unit)
    scale.place(Decimal("1234.56"))
    clock.advance(1)
    r = scale.read()
    assert r.status is ScaleStatus.STABLE
    assert r.weight.value == expected
    assert r.weight.value.as_tuple().exponent == scale.resolution.as_tuple().exponent
    assert r.weight.unit is unit


def test_motion_values_are_on_the_resolution_grid() -> None:
    clock = FakeClock()
    scale = make(clock, WeightUnit.LB)
    scale.place(Decimal(2000))
    for _ in range(10):
        value = scale.read().weight.value
        assert value == value.quantize(Decimal("0.01"))
        clock.advance(0.05)


def test_remove_reads_zero_at_once() -> None:
    clock = FakeClock()
    scale = make(clock)
    scale.place(Decimal(900))
    clock.advance(1)
    scale.remove()
    r = scale.read()
    assert r.status is ScaleStatus.ZERO
    assert r.weight.value == 0


def test_over_capacity_reads_over_weight_even_while_swinging() -> None:
    clock = FakeClock()
    scale = make(clock, capacity_grams=Decimal(5000))
    scale.place(Decimal(5001))
    assert scale.read().status is ScaleStatus.OVER_WEIGHT
    clock.advance(1)
    assert scale.read().status is ScaleStatus.OVER_WEIGHT
    scale.place(Decimal(5000))
    clock.advance(1)
    assert scale.read().status is ScaleStatus.STABLE


def test_default_capacity_is_68_kg() -> None:
    clock = FakeClock()
    scale = make(clock)
    scale.place(Decimal(68_001))
    assert scale.read().status is ScaleStatus.OVER_WEIGHT


def test_unplug_and_plug() -> None:
    clock = FakeClock()
    scale = make(clock)
    scale.unplug()
    assert scale.health() is ScaleHealth.DISCONNECTED
    with pytest.raises(DeviceError, match="unplugged"):
        scale.read()
    with pytest.raises(DeviceError):
        scale.tare()
    scale.plug()
    assert scale.health() is ScaleHealth.CONNECTED
    assert scale.read().status is ScaleStatus.ZERO


def test_close_disconnects() -> None:
    scale = make(FakeClock())
    scale.close()
    assert scale.health() is ScaleHealth.DISCONNECTED
    with pytest.raises(DeviceError, match="closed"):
        scale.read()


def test_tare_subtracts_the_box_and_zero_clears_it() -> None:
    clock = FakeClock()
    scale = make(clock)
    scale.place(Decimal(300))  # the empty box
    clock.advance(1)
    scale.tare()
    assert scale.read().status is ScaleStatus.ZERO
    scale.place(Decimal(1300))  # box + contents
    clock.advance(1)
    assert scale.read().weight.value == Decimal(1000)
    scale.remove()
    r = scale.read()
    assert r.status is ScaleStatus.UNDER_ZERO
    assert r.weight.value == Decimal(-300)
    scale.zero()
    assert scale.read().status is ScaleStatus.ZERO


def test_zero_takes_out_drift() -> None:
    clock = FakeClock()
    scale = make(clock)
    scale.place(Decimal(4))  # dust, a label backing sheet...
    clock.advance(1)
    scale.zero()
    r = scale.read()
    assert (r.status, r.weight.value) == (ScaleStatus.ZERO, Decimal(0))


def test_rejects_negative_load() -> None:
    with pytest.raises(ValueError):
        make(FakeClock()).place(Decimal(-1))


def test_concurrent_place_and_read_do_not_corrupt_state() -> None:
    clock = FakeClock()
    scale = make(clock, settle_time=0.0)
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(2000):
                r = scale.read()
                assert r.weight.value in (Decimal(0), Decimal(100), Decimal(200))
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    for i in range(2000):
        scale.place(Decimal(100 if i % 2 else 200))
    scale.remove()
    t.join()
    assert errors == []

"""Simulator scripts: the grammar, timing, and what the in-process scripted scale shows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleStatus
from shipstation_desktop.devices.scales.script import Step, StepKind, parse_script
from shipstation_desktop.devices.scales.simulator import SimulatedDevice
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import WeightUnit


def test_grammar() -> None:
    script = parse_script("zero/0.5, motion:1.25kg/0.8 2lb, over/2 unplug/1.5  12oz")
    assert script.steps == (
        Step(StepKind.ZERO, None, 0.5),
        Step(StepKind.MOTION, Decimal("1250.00"), 0.8),
        Step(StepKind.STABLE, Decimal("907.18474"), 1.0),
        Step(StepKind.OVER, None, 2.0),
        Step(StepKind.UNPLUG, None, 1.5),
        Step(StepKind.STABLE, Decimal("340.194277500"), None),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("wobble:1kg", "unknown kind"),
        ("motion", "needs a weight"),
        ("fault:1kg", "takes no weight"),
        ("1.2 kg", "is not KIND"),
        ("stable:1kg/x", "is not KIND"),
    ],
)
def test_bad_scripts_say_why(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_script(text)


def test_timing_and_loop() -> None:
    script = parse_script("zero/1, 1kg/2")
    assert script.at(0.5)[1].kind is StepKind.ZERO
    assert script.at(100)[1].seconds == 2
    looping = parse_script("zero/1, 1kg/2", loop=True)
    assert looping.at(3.5)[1].kind is StepKind.ZERO


def test_line_steps_keep_what_is_on_the_platter() -> None:
    now = [0.0]
    device = SimulatedDevice(parse_script("2kg/1, noise/1, silent/1"), WeightUnit.KG, clock=lambda: now[0])
    for t in (0.5, 1.5, 2.5):
        now[0] = t
        assert device.display().weight.value == Decimal("2.000")
    assert device.line() is StepKind.SILENT


def test_motion_never_shows_the_settled_value_then_settles() -> None:
    now = [0.0]
    device = SimulatedDevice(parse_script("motion:1.25lb/1, 1.25lb"), WeightUnit.LB, clock=lambda: now[0])
    for i in range(200):
        now[0] = i / 250
        shown = device.display()
        assert shown.status is ScaleStatus.MOTION and shown.weight.value != Decimal("1.25")
    now[0] = 1.0
    assert device.display().weight.value == Decimal("1.25")


def test_zero_and_tare_change_what_is_shown() -> None:
    now = [0.0]
    device = SimulatedDevice(parse_script("100g/1, 600g/1, motion:1kg"), WeightUnit.G, clock=lambda: now[0])
    assert device.zero()
    assert device.display().status is ScaleStatus.ZERO
    now[0] = 1.5
    assert device.display().weight.value == 500
    tare = device.tare()
    assert tare is not None and tare.value == 500
    assert device.display().status is ScaleStatus.ZERO
    now[0] = 2.5
    assert not device.zero() and device.tare() is None  # refused in motion


def test_scripted_scale_unplug_and_silence() -> None:
    from shipstation_desktop.devices.scales.factory import ScaleConfig, open_scale
    from shipstation_desktop.domain.errors import DeviceError

    scale = open_scale(ScaleConfig("sim", "unplug/5", unit=WeightUnit.G))
    with pytest.raises(DeviceError, match="unplugged"):
        scale.read()
    assert scale.health() is ScaleHealth.DISCONNECTED
    silent = open_scale(ScaleConfig("sim", "silent/5", unit=WeightUnit.G))
    with pytest.raises(DeviceError, match="did not answer"):
        silent.read()
    assert silent.health() is ScaleHealth.NO_ANSWER

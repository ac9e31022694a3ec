"""The scale worker: live readings, health instead of exceptions, one stable weight per parcel."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from pytestqt.qtbot import QtBot

from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleReading, ScaleStatus
from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain.clock import SystemClock
from shipstation_desktop.ui.scale_worker import ScaleWorker

pytestmark = pytest.mark.gui

TIMEOUT_MS = 5000


@pytest.fixture
def scale() -> SimulatedScale:
    return SimulatedScale(SystemClock(), settle_time=0.05, seed=3)


@pytest.fixture
def worker(scale: SimulatedScale, qtbot: QtBot) -> Iterator[ScaleWorker]:
    w = ScaleWorker(scale, window_s=0.1, interval_s=0.02)
    w.start()
    yield w
    w.stop()
    assert w.isFinished()


def test_readings_arrive_and_a_parcel_is_weighed_once(worker: ScaleWorker, scale: SimulatedScale, qtbot: QtBot) -> None:
    with qtbot.waitSignal(worker.reading, timeout=TIMEOUT_MS) as first:
        pass
    assert isinstance(first.args[0], ScaleReading)
    stable: list[ScaleReading] = []
    worker.stable.connect(stable.append)

    scale.place(Decimal(1234))
    qtbot.waitUntil(lambda: len(stable) == 1, timeout=TIMEOUT_MS)
    assert stable[0].weight.grams == Decimal(1234)
    assert stable[0].status is ScaleStatus.STABLE
    # Still on the scale: not weighed again until it is lifted off (or re-armed).
    with qtbot.assertNotEmitted(worker.stable, wait=300):
        pass
    with qtbot.waitSignal(worker.reading, check_params_cb=lambda r: r.status is ScaleStatus.ZERO, timeout=TIMEOUT_MS):
        scale.remove()
    scale.place(Decimal(800))
    qtbot.waitUntil(lambda: len(stable) == 2, timeout=TIMEOUT_MS)
    assert stable[1].weight.grams == Decimal(800)
    worker.rearm()
    qtbot.waitUntil(lambda: len(stable) == 3, timeout=TIMEOUT_MS)


def test_unplugged_scale_is_a_health_state_and_comes_back(
    worker: ScaleWorker, scale: SimulatedScale, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(
        worker.health, check_params_cb=lambda h, _r: h is ScaleHealth.DISCONNECTED, timeout=TIMEOUT_MS
    ) as blocker:
        scale.unplug()
    assert "unplugged" in blocker.args[1]
    with qtbot.waitSignal(worker.health, check_params_cb=lambda h, _r: h is ScaleHealth.CONNECTED, timeout=TIMEOUT_MS):
        scale.plug()


def test_over_capacity_is_reported_as_a_problem(worker: ScaleWorker, scale: SimulatedScale, qtbot: QtBot) -> None:
    with qtbot.waitSignal(worker.problem, check_params_cb=lambda text: "capacity" in text, timeout=TIMEOUT_MS):
        scale.place(Decimal(90_000))
    with qtbot.waitSignal(worker.problem, check_params_cb=lambda text: text == "", timeout=TIMEOUT_MS):
        scale.remove()


class BrokenScale:
    name = "broken scale"

    def read(self) -> ScaleReading:
        raise RuntimeError("driver bug")

    def zero(self) -> None: ...

    def tare(self) -> None: ...

    def health(self) -> ScaleHealth:
        return ScaleHealth.CONNECTED

    def close(self) -> None: ...


def test_a_driver_bug_does_not_kill_the_worker(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    w = ScaleWorker(BrokenScale(), interval_s=0.02)
    try:
        with qtbot.waitSignal(w.health, timeout=TIMEOUT_MS) as blocker:
            w.start()
        assert blocker.args[0] is ScaleHealth.ERROR
        assert "driver bug" in blocker.args[1]
        assert w.isRunning()
    finally:
        w.stop()
    assert any("broken scale" in r.getMessage() for r in caplog.records)

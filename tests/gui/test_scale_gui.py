"""The scale on the bench: worker commands, reconnect with backoff, Zero/Tare, health, Preferences."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleReading, ScaleStatus
from shipstation_desktop.devices.scales.backoff import Backoff
from shipstation_desktop.devices.scales.factory import ScaleConfig, open_scale
from shipstation_desktop.devices.scales.hid_scale import HidScale
from shipstation_desktop.devices.scales.script import parse_script
from shipstation_desktop.devices.scales.simulator import Simulator
from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.devices.unavailable import UnavailableScale
from shipstation_desktop.domain.clock import SystemClock
from shipstation_desktop.domain.units import WeightUnit
from shipstation_desktop.settings.model import ScaleSettings
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.scale_controls import ScaleControls
from shipstation_desktop.ui.scale_preferences import ScaleSettingsBox
from shipstation_desktop.ui.scale_worker import ScaleWorker

pytestmark = pytest.mark.gui

TIMEOUT_MS = 5000


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    sim = Simulator("cas", parse_script("1kg/0.6, unplug/0.4, 1.5kg"), WeightUnit.KG, hz=20)
    yield sim
    sim.stop()


def test_a_serial_scale_streams_to_the_gui_and_comes_back_after_an_unplug(simulator: Simulator, qtbot: QtBot) -> None:
    scale = open_scale(ScaleConfig("cas", simulator.start_tcp(), timeout_s=0.3))
    worker = ScaleWorker(scale, window_s=0.1, backoff=Backoff(0.1, 2, 0.4))
    stable: list[ScaleReading] = []
    worker.stable.connect(stable.append)
    try:
        with qtbot.waitSignal(worker.health, check_params_cb=lambda h, _r: h is ScaleHealth.CONNECTED):
            worker.start()
        qtbot.waitUntil(lambda: len(stable) == 1, timeout=TIMEOUT_MS)
        assert stable[0].weight.value == Decimal("1.000")
        with qtbot.waitSignal(
            worker.health, check_params_cb=lambda h, _r: h is ScaleHealth.DISCONNECTED, timeout=TIMEOUT_MS
        ) as gone:
            pass
        assert "\n" not in gone.args[1]
        with qtbot.waitSignal(
            worker.reading, check_params_cb=lambda r: r.weight.value == Decimal("1.500"), timeout=TIMEOUT_MS
        ):
            pass
    finally:
        worker.stop()
        scale.close()


def test_zero_and_tare_run_on_the_worker(qtbot: QtBot) -> None:
    scale = SimulatedScale(SystemClock(), settle_time=0.01, seed=2)
    scale.place(Decimal(300))
    worker = ScaleWorker(scale, interval_s=0.02)
    worker.start()
    try:
        with qtbot.waitSignal(worker.command_done, timeout=TIMEOUT_MS) as done:
            worker.command("zero")
        assert done.args == ["zero", ""]
        qtbot.waitSignal(worker.reading, check_params_cb=lambda r: r.status is ScaleStatus.ZERO, timeout=TIMEOUT_MS)
        scale.place(Decimal(500))
        with qtbot.waitSignal(worker.command_done, timeout=TIMEOUT_MS) as done:
            worker.command("tare")
        assert done.args == ["tare", ""]
    finally:
        worker.stop()


def test_a_refused_command_comes_back_as_its_reason(qtbot: QtBot) -> None:
    worker = ScaleWorker(UnavailableScale("serial scale", "no port set"), backoff=Backoff(0.05, 1, 0.05))
    worker.start()
    try:
        with qtbot.waitSignal(worker.command_done, timeout=TIMEOUT_MS) as done:
            worker.command("tare")
        assert done.args == ["tare", "serial scale: no port set"]
    finally:
        worker.stop()


def test_buttons_follow_what_the_protocol_can_do(qtbot: QtBot) -> None:
    cas = ScaleControls(open_scale(ScaleConfig("cas", "socket://127.0.0.1:9")))
    hid = ScaleControls(HidScale("auto"))
    sim = ScaleControls(SimulatedScale(SystemClock()))
    toledo = ScaleControls(open_scale(ScaleConfig("toledo", "/dev/null")))
    for widget in (cas, hid, sim, toledo):
        qtbot.addWidget(widget)
    assert cas.isHidden()
    assert not hid.zero_button.isHidden() and hid.tare_button.isHidden()
    assert not toledo.zero_button.isHidden() and toledo.tare_button.isHidden()
    assert not sim.zero_button.isHidden() and not sim.tare_button.isHidden()


def test_zero_from_the_pack_view(window: MainWindow, qtbot: QtBot) -> None:
    controls = window.pack_view.scale_controls
    assert controls.isVisible()
    qtbot.mouseClick(controls.zero_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controls.result_label.text() == "Scale zeroed.", timeout=TIMEOUT_MS)
    assert controls.zero_button.isEnabled()


def test_status_bar_shows_each_health_with_the_age_of_the_last_reading(window: MainWindow, qtbot: QtBot) -> None:
    label = window.status.scale_label
    qtbot.waitUntil(lambda: "s ago" in label.text(), timeout=TIMEOUT_MS)
    window.status.on_scale_health(ScaleHealth.NO_ANSWER, "Toledo scale did not answer within 1 s")
    assert label.text().startswith("Scale: No answer · ") and label.text().endswith(" s ago")
    assert label.toolTip() == "Toledo scale did not answer within 1 s"
    window.status.on_scale_health(ScaleHealth.ERROR, "garbage")
    assert label.text().startswith("Scale: Error")


def test_preferences_fill_in_each_protocols_line_settings(qtbot: QtBot, window: MainWindow) -> None:
    box = ScaleSettingsBox(ScaleSettings(), window.runner)
    qtbot.addWidget(box)
    box.protocol.setCurrentIndex(box.protocol.findData("toledo"))
    assert (box.bytesize.currentData(), box.parity.currentData(), box.stopbits.currentData()) == (7, "E", 1)
    assert box.baud.currentText() == "9600" and box.baud.isEnabled()
    target = ScaleSettings()
    with pytest.raises(ValueError, match="Choose the scale's port"):
        box.apply(target)
    box.port.setEditText("socket://127.0.0.1:4001")
    box.unit.setCurrentIndex(box.unit.findData("kg"))
    box.apply(target)
    assert (target.kind, target.protocol, target.port, target.parity, target.bytesize) == (
        "serial",
        "toledo",
        "socket://127.0.0.1:4001",
        "E",
        7,
    )
    assert target.unit is WeightUnit.KG
    box.protocol.setCurrentIndex(box.protocol.findData("sics"))
    assert (box.bytesize.currentData(), box.parity.currentData()) == (8, "N")
    box.protocol.setCurrentIndex(box.protocol.findData("hid"))
    assert not box.baud.isEnabled()
    box.apply(target)
    assert target.kind == "hid"


def test_preferences_list_the_ports_found(qtbot: QtBot, window: MainWindow) -> None:
    box = ScaleSettingsBox(ScaleSettings(kind="serial", protocol="nci", port="/dev/ttyUSB0"), window.runner)
    qtbot.addWidget(box)
    box.find_ports()
    qtbot.waitUntil(lambda: "found" in box.found_label.text(), timeout=TIMEOUT_MS)
    assert box.port.currentText() == "/dev/ttyUSB0"  # what was typed stays
    box.protocol.setCurrentIndex(box.protocol.findData("hid"))
    assert box.port.itemData(0) == "auto"

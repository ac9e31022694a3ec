"""Every protocol end to end: the real port code (pyserial) against the project's simulators, over a
pty and over TCP on 127.0.0.1. Waits are bounded polls of the port; nothing sleeps blindly."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path

import pytest

from shipstation_desktop.devices.capture import capture_stable
from shipstation_desktop.devices.scale_port import ScaleHealth, ScalePort, ScaleReading, ScaleStatus
from shipstation_desktop.devices.scales.factory import ScaleConfig, open_scale
from shipstation_desktop.devices.scales.script import parse_script
from shipstation_desktop.devices.scales.simulator import Simulator
from shipstation_desktop.domain.clock import SystemClock
from shipstation_desktop.domain.errors import DeviceError, UserError
from shipstation_desktop.domain.units import Weight, WeightUnit

PROTOCOLS = ["sics", "toledo", "nci", "cas", "hid"]
TRANSPORTS = ["pty", "tcp"]
KG, LB = WeightUnit.KG, WeightUnit.LB


@contextmanager
def served(protocol: str, script: str, unit: WeightUnit, transport: str, tmp_path: Path) -> Iterator[str]:
    """A simulator in the background; yields the port to open (a symlink that follows the pty)."""
    sim = Simulator(protocol, parse_script(script), unit, hz=25)
    try:
        if transport == "pty":
            link = tmp_path / f"{protocol}-scale"
            sim.start_pty(link)
            yield str(link)
        else:
            yield sim.start_tcp()
    finally:
        sim.stop()


def scale_on(protocol: str, port: str, unit: WeightUnit, timeout_s: float = 0.5) -> ScalePort:
    return open_scale(ScaleConfig(protocol, port, unit=unit, timeout_s=timeout_s))


class Recording:
    """Wraps a port and keeps every reading, to check what capture made of them."""

    def __init__(self, scale: ScalePort) -> None:
        self.scale = scale
        self.readings: list[ScaleReading] = []
        self.name = scale.name
        self.supports_zero = scale.supports_zero
        self.supports_tare = scale.supports_tare

    def read(self) -> ScaleReading:
        reading = self.scale.read()
        self.readings.append(reading)
        return reading

    def zero(self) -> None:
        self.scale.zero()

    def tare(self) -> None:
        self.scale.tare()

    def health(self) -> ScaleHealth:
        return self.scale.health()

    def close(self) -> None:
        self.scale.close()


def capture(scale: ScalePort, timeout_s: float = 5) -> ScaleReading:
    return capture_stable(scale, SystemClock(), timeout_s=timeout_s, window_s=0.1, poll_s=0.02)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_noise_then_motion_then_a_settled_weight(protocol: str, transport: str, tmp_path: Path) -> None:
    with served(protocol, "noise/0.1, motion:1.25kg/0.25, 1.25kg", LB, transport, tmp_path) as port:
        scale = Recording(scale_on(protocol, port, LB))
        try:
            reading = capture(scale)
        finally:
            scale.close()
    assert reading.status is ScaleStatus.STABLE
    assert reading.weight == Weight(Decimal("2.76"), LB)  # 1.25 kg at the 0.01 lb display step
    moving = [r for r in scale.readings if r.status is ScaleStatus.MOTION]
    assert moving, "the scale was read while the parcel swung"
    assert all(r.weight != reading.weight for r in moving if r.weight.value != 0)


@pytest.mark.parametrize("unit", list(WeightUnit))
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_stable_weight_in_each_unit(protocol: str, unit: WeightUnit, tmp_path: Path) -> None:
    with served(protocol, "2.5kg", unit, "tcp", tmp_path) as port:
        scale = scale_on(protocol, port, unit)
        try:
            reading = capture(scale)
        finally:
            scale.close()
    expected = {
        WeightUnit.G: Decimal(2500),
        WeightUnit.KG: Decimal("2.500"),
        WeightUnit.LB: Decimal("5.51"),
        WeightUnit.OZ: Decimal("88.2"),
    }
    assert reading.weight.unit is unit
    assert reading.weight.value == expected[unit]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_motion_forever_times_out(protocol: str, tmp_path: Path) -> None:
    with served(protocol, "motion:3kg", KG, "tcp", tmp_path) as port:
        scale = scale_on(protocol, port, KG)
        try:
            with pytest.raises(UserError, match=r"^scale not stable within 0.4 s$"):
                capture(scale, timeout_s=0.4)
        finally:
            scale.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_overload_is_refused(protocol: str, tmp_path: Path) -> None:
    with served(protocol, "over", KG, "tcp", tmp_path) as port:
        scale = scale_on(protocol, port, KG)
        try:
            with pytest.raises(DeviceError, match="over the scale's capacity"):
                capture(scale)
        finally:
            scale.close()


def read_until(scale: ScalePort, want: str, deadline_s: float = 4.0) -> ScaleReading | DeviceError:
    """Polls until a read fails (want="error") or succeeds again (want="reading")."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            reading = scale.read()
        except DeviceError as e:
            if want == "error":
                return e
            time.sleep(0.05)  # the worker's backoff, in small
            continue
        if want == "reading":
            return reading
    raise AssertionError(f"no {want} within {deadline_s} s")


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_unplug_mid_read_then_reconnect(protocol: str, transport: str, tmp_path: Path) -> None:
    with served(protocol, "1kg/0.3, unplug/0.3, 2kg", KG, transport, tmp_path) as port:
        scale = scale_on(protocol, port, KG, timeout_s=0.3)
        try:
            assert scale.read().weight.value in (Decimal("1.000"), Decimal(0))
            error = read_until(scale, "error")
            assert isinstance(error, DeviceError) and "\n" not in str(error)
            assert scale.health() in (ScaleHealth.DISCONNECTED, ScaleHealth.NO_ANSWER)
            reading = read_until(scale, "reading")
            assert isinstance(reading, ScaleReading)
            deadline = time.monotonic() + 2
            while reading.weight.value != Decimal("2.000") and time.monotonic() < deadline:
                reading = scale.read()
            assert reading.weight.value == Decimal("2.000")
            assert scale.health() is ScaleHealth.CONNECTED
        finally:
            scale.close()


@pytest.mark.parametrize("protocol", ["sics", "nci", "toledo"])
def test_a_silent_scale_is_no_answer(protocol: str, tmp_path: Path) -> None:
    with served(protocol, "silent", KG, "tcp", tmp_path) as port:
        scale = scale_on(protocol, port, KG, timeout_s=0.2)
        try:
            with pytest.raises(DeviceError, match=r"did not answer within 0.2 s"):
                scale.read()
            assert scale.health() is ScaleHealth.NO_ANSWER
        finally:
            scale.close()


@contextmanager
def babbling_server(data: bytes) -> Iterator[str]:
    """A TCP peer that answers everything with the same bytes: a scale on the wrong protocol."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.05)
        conns: list[socket.socket] = []
        while not stop.is_set():
            with suppress(TimeoutError):
                conns.append(server.accept()[0])
            for conn in conns:
                with suppress(OSError):
                    conn.sendall(data)
        for conn in conns:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"socket://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        server.close()


@pytest.mark.parametrize("protocol", ["sics", "toledo", "nci", "cas"])
def test_garbage_is_an_error_state_with_one_clear_line(protocol: str) -> None:
    with babbling_server(b"\x02hello\r\n\x03LF,?? noise\r\n") as port:
        scale = scale_on(protocol, port, KG, timeout_s=0.3)
        try:
            with pytest.raises(DeviceError) as info:
                scale.read()
            assert scale.health() is ScaleHealth.ERROR
        finally:
            scale.close()
    assert "check the protocol, baud rate and parity" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_port_that_is_not_there() -> None:
    scale = scale_on("sics", "/dev/ttyDOES-NOT-EXIST", KG)
    with pytest.raises(DeviceError, match="cannot open /dev/ttyDOES-NOT-EXIST: no such port"):
        scale.read()
    assert scale.health() is ScaleHealth.DISCONNECTED


@pytest.mark.parametrize("protocol", ["sics", "nci"])
def test_zero_and_tare_over_the_wire(protocol: str, tmp_path: Path) -> None:
    with served(protocol, "300g/0.6, 800g", WeightUnit.G, "tcp", tmp_path) as port:
        scale = scale_on(protocol, port, WeightUnit.G)
        try:
            scale.zero()  # the 300 g on the platter becomes zero
            assert scale.read().status is ScaleStatus.ZERO
            reading = read_until_value(scale, Decimal(500))
            scale.tare()
            assert read_until_value(scale, Decimal(0)).status is ScaleStatus.ZERO
            assert reading.weight.value == 500
        finally:
            scale.close()


def test_toledo_zeroes_but_has_no_tare(tmp_path: Path) -> None:
    with served("toledo", "300g", WeightUnit.G, "pty", tmp_path) as port:
        scale = scale_on("toledo", port, WeightUnit.G)
        try:
            assert scale.supports_zero and not scale.supports_tare
            scale.zero()
            assert scale.read().status is ScaleStatus.ZERO
            with pytest.raises(DeviceError, match="cannot tare from the bench"):
                scale.tare()
        finally:
            scale.close()


def read_until_value(scale: ScalePort, value: Decimal) -> ScaleReading:
    deadline = time.monotonic() + 3
    while True:
        reading = scale.read()
        if reading.weight.value == value or time.monotonic() > deadline:
            return reading

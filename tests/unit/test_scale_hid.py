"""USB HID POS scale reports (usage page 0x8D): decoding is pure, so every case runs without a device."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleStatus
from shipstation_desktop.devices.scales import hid
from shipstation_desktop.devices.scales.frames import Display, FrameError
from shipstation_desktop.devices.scales.hid_scale import HidScale, is_stream
from shipstation_desktop.domain.errors import DeviceError
from shipstation_desktop.domain.units import Weight, WeightUnit


def test_the_issue_example_is_30_ounces_stable() -> None:
    r = hid.decode(hid.from_hex("03040bff2c01"))
    assert r.status is ScaleStatus.STABLE
    assert r.weight == Weight(Decimal("30.0"), WeightUnit.OZ)
    assert r.weight.grams == Decimal("850.485693750")


@pytest.mark.parametrize(
    ("exponent", "count", "value"),
    [(0x00, 1250, "1250"), (0xFF, 1250, "125.0"), (0xFE, 1250, "12.50"), (0xFD, 65535, "65.535"), (0x01, 7, "70")],
)
def test_signed_exponents(exponent: int, count: int, value: str) -> None:
    report = bytes([3, 4, 2, exponent]) + count.to_bytes(2, "little")
    assert hid.decode(report).weight == Weight(Decimal(value), WeightUnit.G)


@pytest.mark.parametrize(("code", "status"), sorted(hid.STATUSES.items()))
def test_every_status(code: int, status: ScaleStatus) -> None:
    assert hid.decode(bytes([3, code, 12, 0xFE, 0, 0])).status is status


@pytest.mark.parametrize(
    ("code", "weight"),
    [
        (1, Weight(Decimal("1.500"), WeightUnit.G)),  # 1500 mg, read as grams exactly
        (2, Weight(Decimal(1500), WeightUnit.G)),
        (3, Weight(Decimal(1500), WeightUnit.KG)),
        (11, Weight(Decimal(1500), WeightUnit.OZ)),
        (12, Weight(Decimal(1500), WeightUnit.LB)),
    ],
)
def test_units(code: int, weight: Weight) -> None:
    assert hid.decode(bytes([3, 4, code, 0, 0xDC, 0x05])).weight == weight


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ("0304", "has 6 bytes, got 2"),
        ("04040b002c01", "report 0x04 is not a scale data report"),
        ("03090b002c01", "status 0x09 is not one of"),
        ("0304040000ff", r"0x04 \(carats\) is not one the bench reads"),
        ("03040a002c01", "troy ounces"),
    ],
)
def test_bad_reports_say_why_in_one_line(report: str, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        hid.decode(hid.from_hex(report))


@pytest.mark.parametrize("text", ["03 04 0b ff 2c 01", "0x03,0x04,0x0b,0xff,0x2c,0x01", "03:04:0B:FF:2C:01"])
def test_hex_spellings(text: str) -> None:
    assert hid.from_hex(text) == bytes.fromhex("03040bff2c01")


@pytest.mark.parametrize("text", ["", "0x", "abc", "zz"])
def test_bad_hex(text: str) -> None:
    with pytest.raises(FrameError, match="is not a report in hex"):
        hid.from_hex(text)


def test_trailing_padding_is_ignored() -> None:
    assert hid.decode(bytes.fromhex("03040bff2c01000000")).weight.value == Decimal("30.0")


@pytest.mark.parametrize("value", ["0", "1.25", "44.1", "1250", "67.5", "655.35"])
@pytest.mark.parametrize("unit", list(WeightUnit))
def test_encode_round_trips(value: str, unit: WeightUnit) -> None:
    shown = Display(ScaleStatus.STABLE, Weight(Decimal(value), unit))
    assert hid.decode(hid.encode(shown)).weight.grams == shown.weight.grams


def test_ports_that_are_streams() -> None:
    assert is_stream("socket://127.0.0.1:9")
    assert is_stream("/dev/pts/3")
    assert not is_stream("0922:8003")
    assert not is_stream("/dev/hidraw0")


class FakeTransport:
    """Plays back reports; None means "nothing within the timeout", OSError means unplugged."""

    def __init__(self, reports: list[bytes | OSError | None]) -> None:
        self.reports = reports
        self.written: list[bytes] = []
        self.closed = False

    def read(self, timeout_s: float) -> bytes | None:
        item = self.reports.pop(0) if self.reports else None
        if isinstance(item, OSError):
            raise item
        return item

    def write(self, report: bytes) -> None:
        self.written.append(report)

    def close(self) -> None:
        self.closed = True


def test_the_first_report_after_opening_is_skipped_as_stale() -> None:
    stale, fresh = hid.from_hex("03040bff2c01"), hid.from_hex("03040bff9001")
    scale = HidScale("fake", opener=lambda _port: FakeTransport([stale, fresh]))
    assert scale.read().weight.value == Decimal("40.0")
    assert scale.health() is ScaleHealth.CONNECTED


def test_unplug_then_reconnect() -> None:
    report = hid.from_hex("03040bff2c01")
    transports = [FakeTransport([report, report, OSError("read error")]), FakeTransport([report, report])]
    scale = HidScale("fake", opener=lambda _port: transports.pop(0), timeout_s=0.05)
    assert scale.read().status is ScaleStatus.STABLE
    with pytest.raises(DeviceError, match="disconnected: read error"):
        scale.read()
    assert scale.health() is ScaleHealth.DISCONNECTED
    assert scale.read().status is ScaleStatus.STABLE
    assert scale.health() is ScaleHealth.CONNECTED


def test_silence_garbage_and_zero() -> None:
    transport = FakeTransport([b"\x03\x04", None])
    scale = HidScale("fake", opener=lambda _port: transport, timeout_s=0.05)
    with pytest.raises(DeviceError, match="sent no report"):
        scale.read()
    assert scale.health() is ScaleHealth.NO_ANSWER
    transport.reports = [hid.from_hex("03090b002c01")]
    with pytest.raises(DeviceError, match="status 0x09"):
        scale.read()
    assert scale.health() is ScaleHealth.ERROR
    scale.zero()
    assert transport.written == [hid.ZERO_REPORT]
    with pytest.raises(DeviceError, match="no tare command"):
        scale.tare()
    scale.close()
    assert transport.closed


def test_a_bench_without_a_usb_scale_gets_a_clear_error() -> None:
    scale = HidScale("ffff:fffe", timeout_s=0.05)
    with pytest.raises(DeviceError, match=r"cannot open USB scale ffff:fffe|hidapi"):
        scale.read()
    assert scale.health() in (ScaleHealth.DISCONNECTED, ScaleHealth.ERROR)

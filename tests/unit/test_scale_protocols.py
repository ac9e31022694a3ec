"""Each serial protocol against frames written from its manual, and against its own scale side."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipstation_desktop.devices.scale_port import ScaleStatus
from shipstation_desktop.devices.scales.cas import CAS
from shipstation_desktop.devices.scales.frames import Display, Frame, FrameError
from shipstation_desktop.devices.scales.nci import NCI
from shipstation_desktop.devices.scales.protocol import SerialProtocol
from shipstation_desktop.devices.scales.registry import SERIAL_PROTOCOLS
from shipstation_desktop.devices.scales.sics import SICS
from shipstation_desktop.devices.scales.toledo import TOLEDO
from shipstation_desktop.domain.errors import DeviceError
from shipstation_desktop.domain.units import Weight, WeightUnit

G, KG, LB, OZ = WeightUnit.G, WeightUnit.KG, WeightUnit.LB, WeightUnit.OZ
S, M, Z = ScaleStatus.STABLE, ScaleStatus.MOTION, ScaleStatus.ZERO


def frame(status: ScaleStatus, value: str | None = None, unit: WeightUnit = G) -> Frame:
    return Frame(status, None if value is None else Weight(Decimal(value), unit))


def parse_all(protocol: SerialProtocol, data: bytes, unit: WeightUnit = LB) -> list[Frame]:
    framer = protocol.framer(mask7=protocol.seven_bit)
    return [protocol.parse(body, unit) for body in framer.feed(data)]


# -- MT-SICS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"S S     100.00 g", frame(S, "100.00", G)),
        (b"S S      1.250 kg", frame(S, "1.250", KG)),
        (b"S S       2.75 lb", frame(S, "2.75", LB)),
        (b"S S       44.1 oz", frame(S, "44.1", OZ)),
        (b"S D     101.30 g", frame(M, "101.30", G)),
        (b"S S       0.00 g", frame(Z, "0.00", G)),
        (b"S S      -3.00 g", frame(ScaleStatus.UNDER_ZERO, "-3.00", G)),
        (b"S +", frame(ScaleStatus.OVER_WEIGHT)),
        (b"S -", frame(ScaleStatus.UNDER_ZERO)),
        (b"S I", frame(M)),  # busy zeroing or taring: not a weight yet, not a fault
        (b"\x00\xffnoiseS S     100.00 g", frame(S, "100.00", G)),
    ],
)
def test_sics_replies(line: bytes, expected: Frame) -> None:
    assert SICS.parse(line + b"\r", LB) == expected


@pytest.mark.parametrize("line", [b"ES", b"EL", b"S S   12x.0 g", b"hello", b""])
def test_sics_garbage_and_errors_are_one_line(line: bytes) -> None:
    with pytest.raises(FrameError) as info:
        SICS.parse(line, G)
    assert "\n" not in str(info.value)


def test_sics_units_it_cannot_read_are_named() -> None:
    with pytest.raises(FrameError, match="unit 'ct'"):
        SICS.parse(b"S S   1.000 ct", G)


def test_sics_zero_and_tare_replies() -> None:
    assert SICS.reply("zero", b"Z A")
    assert SICS.reply("tare", b"T S     120.00 g")
    assert not SICS.reply("zero", b"S S     100.00 g")  # a weight line still in flight
    with pytest.raises(DeviceError, match="could not zero now"):
        SICS.reply("zero", b"Z I")
    with pytest.raises(DeviceError, match="above the range"):
        SICS.reply("tare", b"T +")
    with pytest.raises(DeviceError, match="refused to zero"):
        SICS.reply("zero", b"EL")


# -- Toledo 8213 -----------------------------------------------------------------------------------


def test_toledo_weight_records_take_the_configured_unit() -> None:
    assert parse_all(TOLEDO, b"\x02001.25\r", LB) == [frame(S, "001.25", LB)]
    assert parse_all(TOLEDO, b"\x02001250\r", G) == [frame(S, "1250", G)]
    assert parse_all(TOLEDO, b"\x0201.250\r", KG) == [frame(S, "1.250", KG)]
    assert parse_all(TOLEDO, b"\x020044.1\r", OZ) == [frame(S, "44.1", OZ)]
    assert parse_all(TOLEDO, b"\x02000.00\r", LB) == [frame(Z, "0.00", LB)]
    assert parse_all(TOLEDO, b"\x02  2.50kg\r", LB) == [frame(S, "2.50", KG)]  # a unit suffix wins


@pytest.mark.parametrize(
    ("status_byte", "expected"),
    [
        (0x61, M),
        (0x62, ScaleStatus.OVER_WEIGHT),
        (0x64, ScaleStatus.UNDER_ZERO),
        (0x68, ScaleStatus.NEEDS_REZERO),
        (0x70, Z),
        (0x63, ScaleStatus.OVER_WEIGHT),  # over capacity and moving: over capacity matters first
    ],
)
def test_toledo_status_records(status_byte: int, expected: ScaleStatus) -> None:
    assert parse_all(TOLEDO, b"\x02?" + bytes([status_byte]) + b"\r") == [Frame(expected)]


def test_toledo_parity_bits_and_noise_are_ignored() -> None:
    record = bytes(b | 0x80 if bin(b).count("1") % 2 else b for b in b"\x02?a\r")
    assert parse_all(TOLEDO, b"\x13\x11\xfe" + record) == [Frame(M)]


def test_toledo_continuous_frames() -> None:
    # A: decimal point code 4 (XXXX.XX); B: bit 5 always set; kg; C: plain.
    stable_kg = b"\x02" + bytes([0x24, 0x30, 0x20]) + b"000125000000\r"
    assert parse_all(TOLEDO, stable_kg) == [frame(S, "1.25", KG)]
    moving_negative_lb = b"\x02" + bytes([0x24, 0x2A, 0x20]) + b"000125000000\r"
    assert parse_all(TOLEDO, moving_negative_lb) == [frame(M, "-1.25", LB)]
    grams_over = b"\x02" + bytes([0x22, 0x24, 0x21]) + b"070000000000\r"
    assert parse_all(TOLEDO, grams_over) == [frame(ScaleStatus.OVER_WEIGHT, "70000", G)]


@pytest.mark.parametrize("body", [b"?", b"?\x01", b"12a.4", b"--"])
def test_toledo_garbage(body: bytes) -> None:
    with pytest.raises(FrameError):
        TOLEDO.parse(body, LB)


# -- NCI -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (b"\n   1.25lb\r\n00\r\x03", frame(S, "1.25", LB)),
        (b"\n  0.567kg\r\n10\r\x03", frame(M, "0.567", KG)),  # motion bit with a weight
        (b"\n   1250g\r\n00\r\x03", frame(S, "1250", G)),
        (b"\n   44.1oz\r\n00\r\x03", frame(S, "44.1", OZ)),
        (b"\n   0.00lb\r\n20\r\x03", frame(Z, "0.00", LB)),
        (b"\n2LB 3.4OZ\r\n00\r\x03", frame(S, "35.4", OZ)),
        (b"\n^^^^^^lb\r\n02\r\x03", frame(ScaleStatus.OVER_WEIGHT)),
        (b"\n01\r\x03", frame(ScaleStatus.UNDER_ZERO)),
        (b"\n04\r\x03", frame(ScaleStatus.FAULT)),  # ROM error
        (b"\n40\r\x03", frame(ScaleStatus.FAULT)),  # RAM error
        (b"\n08\r\x03", frame(ScaleStatus.NEEDS_CALIBRATION)),
        (b"\n0p8\r\x03", frame(ScaleStatus.NEEDS_REZERO)),  # third byte: initial zero error
        (b"\n 1.25LB\r\nS00\r\x03", frame(S, "1.25", LB)),  # an "S"-prefixed status
        (b"noise\x13\n   1.25lb\r\n00\r\x03", frame(S, "1.25", LB)),
    ],
)
def test_nci_replies(reply: bytes, expected: Frame) -> None:
    assert parse_all(NCI, reply) == [expected]


def test_nci_unknown_command_and_garbage() -> None:
    with pytest.raises(FrameError, match=r"did not understand"):
        parse_all(NCI, b"\n?\r\x03")
    with pytest.raises(FrameError, match="not an NCI reply"):
        parse_all(NCI, b"\n1.25lb\r\x03")
    with pytest.raises(DeviceError, match="refused to tare"):
        NCI.reply("tare", b"?")


# -- CAS -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"ST,GS,1\xc5,000013.5 kg\r\n", frame(S, "13.5", KG)),
        (b"US,GS,1\x85,000013.7 kg\r\n", frame(M, "13.7", KG)),
        (b"ST,NT,1\xc5,00001250  g\r\n", frame(S, "1250", G)),
        (b"ST,GS,+  2.750lb\r\n", frame(S, "2.750", LB)),
        (b"ST,GS,   44.1 oz\r\n", frame(S, "44.1", OZ)),
        (b"ST,GS,1\xc5,-0000003 kg\r\n", frame(ScaleStatus.UNDER_ZERO, "-3", KG)),
        (b"OL,GS,1\x85,-------- kg\r\n", frame(ScaleStatus.OVER_WEIGHT)),
        (b"\xfe\x00junkST,GS,+  2.750lb\r\n", frame(S, "2.750", LB)),
    ],
)
def test_cas_lines(line: bytes, expected: Frame) -> None:
    assert parse_all(CAS, line) == [expected]


def test_cas_garbage() -> None:
    with pytest.raises(FrameError, match="not a CAS line"):
        parse_all(CAS, b"hello\r\n")
    with pytest.raises(FrameError, match="no weight"):
        parse_all(CAS, b"ST,GS,abc\r\n")


# -- each protocol reads what its own scale side writes -------------------------------------------


class Still:
    def __init__(self, display: Display) -> None:
        self._display = display
        self.zeroed = False

    def display(self) -> Display:
        return self._display

    def zero(self) -> bool:
        self.zeroed = True
        return True

    def tare(self) -> Weight | None:
        return Weight(Decimal(0), self._display.weight.unit)


@pytest.mark.parametrize("name", sorted(SERIAL_PROTOCOLS))
@pytest.mark.parametrize("unit", list(WeightUnit))
@pytest.mark.parametrize("status", [S, M, Z, ScaleStatus.OVER_WEIGHT, ScaleStatus.UNDER_ZERO])
def test_round_trip(name: str, unit: WeightUnit, status: ScaleStatus) -> None:
    protocol = SERIAL_PROTOCOLS[name]
    value = {Z: Decimal(0), ScaleStatus.UNDER_ZERO: Decimal(-2)}.get(status, Decimal(3))
    shown = Display(status, Weight(value, unit))
    wire = protocol.stream(shown) if protocol.streams else protocol.answer(protocol.request.strip(), Still(shown))
    [got] = parse_all(protocol, wire, unit)
    if name == "sics" and status is M:
        assert got.status is M  # SI sends the moving value, flagged D
    else:
        assert got.status is status
    if got.weight is not None:
        assert got.weight.grams == shown.weight.grams


@pytest.mark.parametrize("name", ["sics", "toledo", "nci"])
def test_zero_command_round_trip(name: str) -> None:
    protocol = SERIAL_PROTOCOLS[name]
    scale = Still(Display(S, Weight(Decimal(5), G)))
    answer = protocol.answer(protocol.commands["zero"].strip(), scale)
    framer = protocol.framer(mask7=protocol.seven_bit)
    [body] = framer.feed(answer)
    assert protocol.reply("zero", body)
    assert scale.zeroed

from __future__ import annotations

import pytest

from shipstation_desktop.devices import zebra_status
from shipstation_desktop.devices.printer_port import PrinterHealth
from tests.fakes.zebra_printer import ZebraState

# A real-looking answer: 9600 8N1, paper out and paused, 1218-dot labels, 2 formats waiting.
ANSWER = b"\x02030,1,1,1218,002,0,0,0,000,0,0,0\x03\r\n\x02001,0,0,0,1,2,4,0,00000005,1,000\x03\r\n\x021234,0\x03\r\n"


def test_parse_reads_the_flags_and_counters() -> None:
    status = zebra_status.parse(ANSWER)
    assert status.health is PrinterHealth.PAPER_OUT  # paper out outranks paused
    assert set(status.problems) == {"paper_out", "paused"}
    assert status.details["label_length_dots"] == 1218
    assert status.details["formats_in_buffer"] == 2
    assert status.details["labels_remaining"] == 5
    assert "load labels" in status.reason


@pytest.mark.parametrize(
    ("flags", "health"),
    [
        ({}, PrinterHealth.READY),
        ({"head_open": True, "paper_out": True}, PrinterHealth.HEAD_OPEN),
        ({"ribbon_out": True}, PrinterHealth.RIBBON_OUT),
        ({"paused": True}, PrinterHealth.PAUSED),
        ({"buffer_full": True}, PrinterHealth.BUFFER_FULL),
    ],
)
def test_the_most_urgent_flag_decides(flags: dict[str, bool], health: PrinterHealth) -> None:
    assert zebra_status.parse(ZebraState(**flags).host_status()).health is health


def test_ribbon_out_on_direct_thermal_stock_is_ignored() -> None:
    status = zebra_status.parse(ZebraState(ribbon_out=True, thermal_transfer=False).host_status())
    assert status.ready


def test_answers_arrive_in_pieces() -> None:
    assert not zebra_status.complete(ANSWER[:40])
    assert zebra_status.complete(ANSWER)


@pytest.mark.parametrize(
    "garbage", [b"", b"hello", b"\x02a,b,c\x03\x02d\x03\x02e\x03", ANSWER.replace(b"1218", b"12x8")]
)
def test_garbage_is_refused(garbage: bytes) -> None:
    with pytest.raises(zebra_status.StatusParseError):
        zebra_status.parse(garbage)

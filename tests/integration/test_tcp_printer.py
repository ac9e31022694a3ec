"""Raw TCP 9100 printing against a fake Zebra that records bytes and answers ~HS as told."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from shipstation_desktop.devices.printer_factory import from_url
from shipstation_desktop.devices.printer_port import PrinterHealth, PrinterNotReady, PrintJob
from shipstation_desktop.devices.tcp_printer import TcpPrinter
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import DeviceError
from tests.fakes.zebra_printer import FakeZebra

LABEL = b"^XA^FO50,50^A0N,40,40^FDHello^FS^XZ\n"


@pytest.fixture
def zebra() -> Iterator[FakeZebra]:
    fake = FakeZebra()
    yield fake
    fake.stop()


def printer(zebra: FakeZebra, **kw: object) -> TcpPrinter:
    p = from_url(zebra.url)
    assert isinstance(p, TcpPrinter)
    p.status_timeout_s = float(kw.get("status_timeout_s", 1.0))  # type: ignore[arg-type]
    return p


def test_a_ready_printer_gets_the_job_with_status_before_and_after(zebra: FakeZebra) -> None:
    result = printer(zebra).print_job(PrintJob("1Z1", LABEL, LabelFormat.ZPL))
    assert result.location == zebra.url and result.note == ""
    assert zebra.received == LABEL
    assert zebra.status_queries == 2


def test_copies_send_the_format_again(zebra: FakeZebra) -> None:
    printer(zebra).print_job(PrintJob("1Z1", LABEL, LabelFormat.ZPL, copies=3))
    assert zebra.received == LABEL * 3


@pytest.mark.parametrize(
    ("flag", "health", "words"),
    [
        ("paper_out", PrinterHealth.PAPER_OUT, "out of labels"),
        ("head_open", PrinterHealth.HEAD_OPEN, "head is open"),
        ("paused", PrinterHealth.PAUSED, "paused"),
        ("ribbon_out", PrinterHealth.RIBBON_OUT, "ribbon out"),
        ("buffer_full", PrinterHealth.BUFFER_FULL, "buffer full"),
    ],
)
def test_a_printer_that_is_not_ready_gets_nothing(
    zebra: FakeZebra, flag: str, health: PrinterHealth, words: str
) -> None:
    setattr(zebra.state, flag, True)
    p = printer(zebra)
    assert p.health() is health
    with pytest.raises(PrinterNotReady, match=words) as err:
        p.print_job(PrintJob("1Z1", LABEL, LabelFormat.ZPL))
    assert err.value.status.health is health
    assert flag in err.value.status.problems
    assert zebra.received == b""


def test_a_problem_after_the_job_is_reported_with_the_result(zebra: FakeZebra) -> None:
    p = printer(zebra)
    original = zebra._keep  # the roll runs out on this very label

    def keep(data: bytes) -> None:
        original(data)
        if data:
            zebra.state.paper_out = True

    zebra._keep = keep  # type: ignore[method-assign]
    result = p.print_job(PrintJob("1Z1", LABEL, LabelFormat.ZPL))
    assert "out of labels" in result.note
    assert zebra.received == LABEL


def test_status_details_are_parsed(zebra: FakeZebra) -> None:
    zebra.state.formats_in_buffer = 3
    zebra.state.labels_remaining = 12
    status = printer(zebra).status()
    assert status.ready
    assert status.details["formats_in_buffer"] == 3 and status.details["labels_remaining"] == 12


def test_a_silent_printer_is_not_ready(zebra: FakeZebra) -> None:
    zebra.silent = True
    p = printer(zebra, status_timeout_s=0.3)
    p.status_timeout_s = 0.3
    status = p.status()
    assert status.health is PrinterHealth.ERROR and "no status answer" in status.reason
    with pytest.raises(PrinterNotReady):
        p.print_job(PrintJob("1Z1", LABEL, LabelFormat.ZPL))
    assert zebra.received == b""


def test_status_check_can_be_turned_off_for_print_servers(zebra: FakeZebra) -> None:
    zebra.silent = True
    p = TcpPrinter("127.0.0.1", zebra.port, check_status=False)
    assert p.health() is PrinterHealth.READY
    p.print_job(PrintJob("1Z1", LABEL, LabelFormat.ZPL))
    assert zebra.wait_for(len(LABEL)) == LABEL and zebra.status_queries == 0


def test_an_unreachable_printer_is_offline() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        p = TcpPrinter("127.0.0.1", port, connect_timeout_s=0.5)
        assert p.health() is PrinterHealth.OFFLINE
        with pytest.raises(PrinterNotReady, match="offline"):
            p.print_job(PrintJob("1Z1", LABEL, LabelFormat.ZPL))


def test_wrong_language_is_refused_before_connecting(zebra: FakeZebra) -> None:
    with pytest.raises(DeviceError, match="prints ZPL, not PDF"):
        printer(zebra).print_job(PrintJob("1Z1", b"%PDF-1.4", LabelFormat.PDF))
    assert zebra.status_queries == 0


def test_printer_urls() -> None:
    assert isinstance(from_url("tcp://192.0.2.7"), TcpPrinter)
    assert from_url("tcp://192.0.2.7").port == 9100  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="not a printer address"):
        from_url("ftp://x")
    with pytest.raises(ValueError, match="invalid port"):
        from_url("tcp://host:99999")
